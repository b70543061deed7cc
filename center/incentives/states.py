"""The incentive state machine (the shape of :mod:`center.vouchers.states`)::

    issued ─release→ released ─redeem→ redeemed     (holder hands it over; the provider redeems)
    issued ─lapse→ lapsed                           (not released in time)
    issued | released ─cancel→ cancelled            (operator: chargeback or dispute, before redeem)

Repeating ``release``, ``lapse`` or ``cancel`` on an incentive already in their target state is
an explicit no-op; anything else not in the table is :class:`IllegalIncentiveTransition` (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from center.infra.problems import Conflict


class IncentiveState(StrEnum):
    ISSUED = "issued"
    RELEASED = "released"
    REDEEMED = "redeemed"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


class IncentiveAction(StrEnum):
    RELEASE = "release"
    REDEEM = "redeem"
    LAPSE = "lapse"
    CANCEL = "cancel"


S = IncentiveState
TRANSITIONS: dict[IncentiveAction, tuple[frozenset[S], S]] = {
    IncentiveAction.RELEASE: (frozenset({S.ISSUED}), S.RELEASED),
    IncentiveAction.REDEEM: (frozenset({S.RELEASED}), S.REDEEMED),
    IncentiveAction.LAPSE: (frozenset({S.ISSUED}), S.LAPSED),
    IncentiveAction.CANCEL: (frozenset({S.ISSUED, S.RELEASED}), S.CANCELLED),
}
NOOP_WHEN_REPEATED = frozenset(
    {IncentiveAction.RELEASE, IncentiveAction.LAPSE, IncentiveAction.CANCEL}
)


class IllegalIncentiveTransition(Conflict):
    slug, title = "illegal-transition", "Illegal state transition"

    def __init__(self, action: IncentiveAction, state: S, detail: str = "") -> None:
        message = detail or f"an incentive in state {state.value!r} cannot {action.value}"
        super().__init__(message, state=state.value, action=action.value)


@dataclass(frozen=True)
class Step:
    action: IncentiveAction
    sources: frozenset[S]
    target: S


def plan(action: IncentiveAction, state: S) -> Step | None:
    """The step ``action`` takes from ``state``; ``None`` for an explicit no-op repeat."""
    sources, target = TRANSITIONS[action]
    if state in sources:
        return Step(action, sources, target)
    if state == target and action in NOOP_WHEN_REPEATED:
        return None
    raise IllegalIncentiveTransition(action, state)
