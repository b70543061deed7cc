"""The end of an e2e run: the hub's records against the model's expectation for the same seed.

For every voucher the model issued, its events (``activate``, ``void``, ``serve``) are replayed
through the hub's own transition table (:data:`center.vouchers.states.TRANSITIONS`, an action
the table refuses changes nothing, as the hub answers 409): that is the state the hub must
show. Then, by what a voucher covers (order, line, unit, program):

- ``lost``: expected but not in the hub, or never delivered to the customer's wallet;
- ``duplicated``: a record listed twice, or a voucher delivered to the wallet twice;
- ``unexpected``: in the hub but not in the model;
- ``mismatched``: in both, in different states;
- ``incentives``: the voucher's incentive (replayed from the model's ``issue``, ``release``,
  ``redeem``, ``lapse`` through :data:`center.incentives.states.TRANSITIONS`, ``none`` when the
  model's service never reached the hub as an assessment) is not in the state the hub shows;
- ``claims``: the voucher's claims at the hub (all ``approved``, paying what the model paid, in
  order) differ from the model's;
- ``frames``: the clients' frames stored in the voucher's case (read with the operator's key,
  ``system`` frames aside) are not the model's, each once, in the model's order.

Any of them fails the run; :meth:`Check.diff` is the readable difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ascc_plugin.vouchers import VoucherState as S
from center.incentives.states import TRANSITIONS as INCENTIVE_TRANSITIONS
from center.incentives.states import IncentiveAction
from center.vouchers.states import TRANSITIONS, Action
from simulator.e2e.bridge import Expected
from simulator.e2e.store import UnitKey

EVENT_ACTIONS: dict[str, tuple[Action, ...]] = {
    "activate": (Action.ACTIVATE, Action.ASSIGN),
    "void": (Action.VOID,),
    "serve": (Action.REDEEM, Action.COMPLETE, Action.ASSESS),
    "reward": (Action.REWARD,),
}
NO_INCENTIVE = "none"
SHOWN = 20


def expected_state(events: Iterable[str]) -> str:
    """The state the hub reaches from ``issued`` through the model's events."""
    state = S.ISSUED
    for event in events:
        for action in EVENT_ACTIONS[event]:
            sources, target = TRANSITIONS[action]
            if state in sources:
                state = target
    return state.value


def assessed_by_service(events: Iterable[str]) -> bool:
    """Whether the model's service reached the hub as an assessment (not, e.g., on a voucher
    voided first): only then can the hub issue an incentive or accept a claim."""
    state = S.ISSUED
    for event in events:
        for action in EVENT_ACTIONS[event]:
            sources, target = TRANSITIONS[action]
            if state in sources:
                state = target
        if event == "serve":
            return state == S.ASSESSED
    return False


def expected_incentive(events: Iterable[str]) -> str:
    """The incentive's state at the hub after the model's events (``none``: never issued)."""
    state: str = NO_INCENTIVE
    for event in events:
        if event == "issue":
            state = state if state != NO_INCENTIVE else "issued"
            continue
        sources, target = INCENTIVE_TRANSITIONS[IncentiveAction(event)]
        if state in sources:
            state = target.value
    return state


def unit_key(record: Mapping[str, Any]) -> UnitKey:
    return (
        str(record["order_id"]),
        str(record["line_id"]),
        int(record["unit"]),
        str(record["program"]),
    )


@dataclass
class Check:
    """The outcome of the cross-check; ``ok`` when nothing differs."""

    expected: int = 0
    found: int = 0
    lost: list[UnitKey] = field(default_factory=list)
    duplicated: list[UnitKey] = field(default_factory=list)
    unexpected: list[UnitKey] = field(default_factory=list)
    mismatched: list[tuple[UnitKey, str, str]] = field(default_factory=list)
    incentives: list[tuple[UnitKey, str, str]] = field(default_factory=list)
    incentive_states: dict[str, int] | None = None
    claims: list[tuple[UnitKey, str, str]] = field(default_factory=list)
    claims_found: dict[str, int] | None = None
    frames: list[tuple[UnitKey, str, str]] = field(default_factory=list)
    frames_found: int | None = None
    states: dict[str, int] = field(default_factory=dict)
    ledger: str = "not offered by the hub"

    @property
    def ok(self) -> bool:
        problems = self.lost or self.duplicated or self.unexpected or self.mismatched
        problems = problems or self.incentives or self.claims or self.frames
        return not problems and self.ledger != "unbalanced"

    def counts(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "found": self.found,
            "lost": len(self.lost),
            "duplicated": len(self.duplicated),
            "unexpected": len(self.unexpected),
            "mismatched": len(self.mismatched),
            "states": dict(sorted(self.states.items())),
            **(
                {}
                if self.incentive_states is None
                else {
                    "incentives": dict(sorted(self.incentive_states.items())),
                    "incentives_mismatched": len(self.incentives),
                }
            ),
            **(
                {}
                if self.claims_found is None
                else {"claims": self.claims_found, "claims_mismatched": len(self.claims)}
            ),
            **(
                {}
                if self.frames_found is None
                else {"frames": self.frames_found, "frames_mismatched": len(self.frames)}
            ),
            "ledger": self.ledger,
            "ok": self.ok,
        }

    def diff(self) -> str:
        """One line per difference (the first :data:`SHOWN` of each kind)."""
        lines = [f"cross-check: {self.expected} vouchers expected, {self.found} found at the hub"]
        for label, items in (
            ("lost (expected, not at the hub or never delivered)", self.lost),
            ("duplicated", self.duplicated),
            ("unexpected (at the hub, not in the model)", self.unexpected),
        ):
            lines += _listed(label, [_name(key) for key in items])
        shown = [f"{_name(k)}: model {want}, hub {got}" for k, want, got in self.mismatched]
        lines += _listed("mismatched states", shown)
        shown = [f"{_name(k)}: model {want}, hub {got}" for k, want, got in self.incentives]
        lines += _listed("mismatched incentives", shown)
        shown = [f"{_name(k)}: model {want}, hub {got}" for k, want, got in self.claims]
        lines += _listed("mismatched claims", shown)
        shown = [f"{_name(k)}: model {want}, hub {got}" for k, want, got in self.frames]
        lines += _listed("mismatched frames", shown)
        if self.ledger == "unbalanced":
            lines.append("  ledger: debits and credits differ")
        return "\n".join(lines)


def _name(key: UnitKey) -> str:
    order, line, unit, program = key
    return f"order {order} line {line} unit {unit} {program}"


def _listed(label: str, items: list[str]) -> list[str]:
    if not items:
        return []
    more = f" (first {SHOWN})" if len(items) > SHOWN else ""
    return [f"  {label}: {len(items)}{more}"] + [f"    {item}" for item in items[:SHOWN]]


def cross_check(
    expected: Mapping[UnitKey, Expected],
    records: list[dict[str, Any]],
    delivered: set[UnitKey],
    delivered_twice: int,
    incentives: Mapping[str, str] | None = None,
    claims: Mapping[str, list[tuple[str, int]]] | None = None,
) -> Check:
    """Compare the hub's ``records`` and the wallets with the model's ``expected``; with
    ``incentives`` (voucher id → its incentive's state at the hub), the incentives too; with
    ``claims`` (voucher id → its claims' status and paid minor units), the claims."""
    found = Counter(unit_key(record) for record in records)
    states = {unit_key(record): str(record["state"]) for record in records}
    check = Check(expected=len(expected), found=len(records))
    check.states = dict(Counter(states.values()))
    check.duplicated = sorted(key for key, n in found.items() if n > 1)
    check.duplicated += [("(wallet)", "-", n, "-") for n in range(delivered_twice)]
    check.unexpected = sorted(key for key in found if key not in expected)
    for key in sorted(expected):
        if key not in found or key not in delivered:
            check.lost.append(key)
            continue
        want = expected_state(expected[key].events)
        if states[key] != want:
            check.mismatched.append((key, want, states[key]))
    if incentives is not None:
        compare_incentives(check, expected, records, incentives)
    if claims is not None:
        compare_claims(check, expected, records, claims)
    return check


def compare_claims(
    check: Check,
    expected: Mapping[UnitKey, Expected],
    records: list[dict[str, Any]],
    claims: Mapping[str, list[tuple[str, int]]],
) -> None:
    """Each voucher's claims: every one approved, paying what the model paid, in order."""
    ids = {unit_key(record): str(record["voucher_id"]) for record in records}
    found = Counter(status for voucher in claims.values() for status, _ in voucher)
    found["paid_minor"] = sum(paid for voucher in claims.values() for _, paid in voucher)
    for key in sorted(expected):
        if key not in ids:
            continue
        got = claims.get(ids[key], [])
        want = [("approved", paid) for paid in expected[key].claims]
        if not assessed_by_service(expected[key].events):
            want = []  # the hub refuses a claim on a voucher it never saw served
        if got != want:
            check.claims.append((key, _claims(want), _claims(got)))
    check.claims_found = dict(sorted(found.items()))


def _claims(claims: list[tuple[str, int]]) -> str:
    return "[" + ", ".join(f"{status} {paid}" for status, paid in claims) + "]"


def compare_incentives(
    check: Check,
    expected: Mapping[UnitKey, Expected],
    records: list[dict[str, Any]],
    incentives: Mapping[str, str],
) -> None:
    """Each voucher's incentive: the model's replayed state against the hub's."""
    ids = {unit_key(record): str(record["voucher_id"]) for record in records}
    shown: Counter[str] = Counter()
    for key in sorted(expected):
        if key not in ids:
            continue  # lost: named above
        got = incentives.get(ids[key], NO_INCENTIVE)
        want = NO_INCENTIVE
        if assessed_by_service(expected[key].events):
            want = expected_incentive(expected[key].incentive)
        if got != NO_INCENTIVE:
            shown[got] += 1
        if got != want:
            check.incentives.append((key, want, got))
    check.incentive_states = dict(shown)


def compare_frames(
    check: Check,
    expected: Mapping[UnitKey, Expected],
    records: list[dict[str, Any]],
    frames_of: Callable[[str], list[dict[str, Any]]],
) -> None:
    """Each case's clients' frames (``frames_of(voucher id)``, seq order): the model's, once
    each, in order. Only vouchers with a provider have a case."""
    found = 0
    for record in records:
        key = unit_key(record)
        if key not in expected or record.get("provider_id") is None:
            continue
        stored = [f for f in frames_of(str(record["voucher_id"])) if f["type"] != "system"]
        got = [str(f.get("client_msg_id")) for f in stored]
        found += len(got)
        want = expected[key].frames
        if got != want:
            check.frames.append((key, " ".join(want) or "-", " ".join(got) or "-"))
    check.frames.sort()
    check.frames_found = found
