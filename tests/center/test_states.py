"""The state machine, transition by transition (pure: no database)."""

from __future__ import annotations

import pytest

from ascc_plugin.vouchers import VoucherState as S
from center.vouchers.states import TRANSITIONS, Action, IllegalTransition, allowed_actions, plan

ALLOWED = {
    (action, source): target
    for action, (sources, target) in TRANSITIONS.items()
    for source in sources
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", list(S))
def test_every_pair_is_allowed_noop_or_illegal(action: Action, state: S) -> None:
    if (action, state) in ALLOWED:
        step = plan(action, state)
        assert step is not None and step.target == ALLOWED[action, state]
    elif (
        action in (Action.ACTIVATE, Action.VOID, Action.EXPIRE) and state == TRANSITIONS[action][1]
    ):
        assert plan(action, state) is None
    else:
        with pytest.raises(IllegalTransition) as caught:
            plan(action, state)
        assert caught.value.state == state and caught.value.action == action


def test_the_happy_path_reaches_rewarded() -> None:
    state = S.ISSUED
    for action in (
        Action.ACTIVATE,
        Action.ASSIGN,
        Action.REDEEM,
        Action.COMPLETE,
        Action.ASSESS,
        Action.REWARD,
    ):
        step = plan(action, state)
        assert step is not None
        state = step.target
    assert state == S.REWARDED


def test_redeem_is_never_a_no_op() -> None:
    with pytest.raises(IllegalTransition):
        plan(Action.REDEEM, S.IN_SERVICE)


def test_terminal_states_allow_nothing() -> None:
    for state in (S.EXPIRED, S.REWARDED):
        assert allowed_actions(state) == []


def test_a_voided_voucher_can_only_be_reinstated_as_issued() -> None:
    assert allowed_actions(S.VOIDED) == [Action.REINSTATE]
    step = plan(Action.REINSTATE, S.VOIDED)
    assert step is not None and step.target == S.ISSUED
