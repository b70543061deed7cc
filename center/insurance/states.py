"""The claim state machine (the shape of :mod:`center.vouchers.states`)::

    (filed) ─fits the coverage→ approved            (decided by the rule, at once)
    (filed) ─exceeds it→ pending ─decide→ approved | rejected   (by the operator, once)

A decision on a claim that is not pending is :class:`IllegalClaimTransition` (409).
"""

from __future__ import annotations

from enum import StrEnum

from center.infra.problems import Conflict


class ClaimState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


DECISIONS: dict[bool, tuple[frozenset[ClaimState], ClaimState]] = {
    True: (frozenset({ClaimState.PENDING}), ClaimState.APPROVED),
    False: (frozenset({ClaimState.PENDING}), ClaimState.REJECTED),
}


class IllegalClaimTransition(Conflict):
    slug, title = "illegal-transition", "Illegal state transition"

    def __init__(self, state: str, detail: str = "") -> None:
        super().__init__(detail or f"a claim in state {state!r} cannot be decided", state=state)


def plan(approve: bool, state: str) -> tuple[frozenset[ClaimState], ClaimState]:
    """The states a decision may start from and the state it ends in; 409 otherwise."""
    sources, target = DECISIONS[approve]
    if state not in sources:
        raise IllegalClaimTransition(state)
    return sources, target
