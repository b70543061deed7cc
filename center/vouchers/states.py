"""The voucher state machine: the one place that says which action moves which state where.

The labels are :class:`ascc_plugin.vouchers.VoucherState`; this module owns the transitions::

    issued ─activate→ activated ─assign→ assigned ─redeem→ in_service ─complete→ completed
                                 assigned ─assign→ assigned   (another provider, before redemption)
    issued | activated | assigned ─void→ voided       (order cancelled or refunded)
    issued | activated | assigned ─expire→ expired    (the program's term ended)
    voided ─reinstate→ issued          (the order entitles the unit again: restored, re-paid)
    completed ─assess→ assessed ─reward→ rewarded     (next issue: assessments, incentives)

A voucher whose term had already ended when it was issued is recorded ``expired`` straight away
(:mod:`center.vouchers.ingest`). Repeating ``activate``, ``void`` or ``expire`` on a voucher
already in their target state is an explicit no-op (:func:`plan` returns ``None``); anything
else not in the table raises :class:`IllegalTransition`, which the API answers with 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ascc_plugin.vouchers import VoucherState as S
from center.infra.problems import Conflict


class Action(StrEnum):
    ACTIVATE = "activate"
    ASSIGN = "assign"
    REDEEM = "redeem"
    COMPLETE = "complete"
    VOID = "void"
    EXPIRE = "expire"
    ASSESS = "assess"
    REWARD = "reward"
    REINSTATE = "reinstate"


BEFORE_SERVICE = frozenset({S.ISSUED, S.ACTIVATED, S.ASSIGNED})

TRANSITIONS: dict[Action, tuple[frozenset[S], S]] = {
    Action.ACTIVATE: (frozenset({S.ISSUED}), S.ACTIVATED),
    Action.ASSIGN: (frozenset({S.ACTIVATED, S.ASSIGNED}), S.ASSIGNED),
    Action.REDEEM: (frozenset({S.ASSIGNED}), S.IN_SERVICE),
    Action.COMPLETE: (frozenset({S.IN_SERVICE}), S.COMPLETED),
    Action.VOID: (BEFORE_SERVICE, S.VOIDED),
    Action.EXPIRE: (BEFORE_SERVICE, S.EXPIRED),
    Action.ASSESS: (frozenset({S.COMPLETED}), S.ASSESSED),
    Action.REWARD: (frozenset({S.ASSESSED}), S.REWARDED),
    Action.REINSTATE: (frozenset({S.VOIDED}), S.ISSUED),
}

NOOP_WHEN_REPEATED = frozenset({Action.ACTIVATE, Action.VOID, Action.EXPIRE})


class IllegalTransition(Conflict):
    """``action`` is not allowed from ``state``: a 409 problem naming both."""

    slug, title = "illegal-transition", "Illegal state transition"

    def __init__(self, action: Action, state: S, detail: str = "") -> None:
        self.action = action
        self.state = state
        message = detail or f"a voucher in state {state.value!r} cannot {action.value}"
        super().__init__(message, state=state.value, action=action.value)


@dataclass(frozen=True)
class Step:
    """One allowed move: the states it may start from and the state it ends in."""

    action: Action
    sources: frozenset[S]
    target: S


def plan(action: Action, state: S) -> Step | None:
    """The step ``action`` takes from ``state``; ``None`` for an explicit no-op repeat."""
    sources, target = TRANSITIONS[action]
    if state in sources:
        return Step(action, sources, target)
    if state == target and action in NOOP_WHEN_REPEATED:
        return None
    raise IllegalTransition(action, state)


def allowed_actions(state: S) -> list[Action]:
    """Every action that moves a voucher out of ``state`` (for documentation and pages)."""
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]
