"""The event types subscribers may ask for: an open catalog every domain declares into.

The voucher domain's transitions are declared here (one type per audit action, e.g.
``voucher.redeemed``), and the incentive's life (``incentive.issued`` … ``incentive.lapsed``,
audit notes on the service voucher); other domains declare theirs with :func:`declare` and
enqueue with :func:`center.webhooks.outbox.enqueue`. The
endpoint lifecycle has its own type, sent to the owner's other endpoints when one is disabled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from center.infra.problems import InvalidInput

ALL = "*"


@dataclass(frozen=True)
class EventType:
    """A type of event: its name (``area.what_happened``) and what it tells."""

    name: str
    description: str


VOUCHER_EVENTS = {
    "issue": EventType("voucher.issued", "a voucher was issued for a paid order unit"),
    "activate": EventType("voucher.activated", "the holder activated the voucher"),
    "assign": EventType("voucher.assigned", "the holder chose (or changed) the provider"),
    "redeem": EventType("voucher.redeemed", "the assigned provider redeemed it: in service"),
    "complete": EventType("voucher.completed", "the provider reported the service completed"),
    "void": EventType("voucher.voided", "the order was cancelled or refunded before service"),
    "expire": EventType("voucher.expired", "the program's term ended before service"),
    "assess": EventType("voucher.assessed", "the holder assessed the service"),
    "reward": EventType("voucher.rewarded", "the incentive of the assessment was redeemed"),
}
INCENTIVE_EVENTS = {
    "incentive.issue": EventType(
        "incentive.issued", "the holder's assessment earned an incentive voucher for the provider"
    ),
    "incentive.release": EventType(
        "incentive.released", "the holder handed the incentive to the provider who served"
    ),
    "incentive.redeem": EventType("incentive.redeemed", "the provider redeemed the incentive"),
    "incentive.lapse": EventType(
        "incentive.lapsed", "the incentive was not released in time and lapsed"
    ),
    "incentive.cancel": EventType("incentive.cancelled", "the operator cancelled the incentive"),
}
"""Incentive events: audit notes on the service voucher (``incentive.<action>``), told to the
voucher's store and provider like its state changes."""
ENDPOINT_DISABLED = EventType(
    "webhook.endpoint_disabled",
    "one of your endpoints was disabled after its messages failed for the retry period",
)


class Catalog:
    """Event types by name; declaring one name twice with another meaning is an error."""

    def __init__(self, types: Iterable[EventType] = ()) -> None:
        self.types: dict[str, EventType] = {}
        for event_type in types:
            self.declare(event_type)

    def declare(self, event_type: EventType) -> EventType:
        known = self.types.setdefault(event_type.name, event_type)
        if known != event_type:
            raise ValueError(f"event type {event_type.name!r} is already declared otherwise")
        return event_type

    def names(self) -> list[str]:
        return sorted(self.types)

    def checked(self, wanted: Iterable[str]) -> list[str]:
        """``wanted`` deduplicated, each a declared type or ``*`` (422 names the first other)."""
        chosen = sorted(set(wanted))
        for name in chosen:
            if name != ALL and name not in self.types:
                raise InvalidInput(
                    f"event_types: unknown type {name!r} (known: * or {', '.join(self.names())})",
                    field="event_types",
                )
        return chosen


CATALOG = Catalog([*VOUCHER_EVENTS.values(), *INCENTIVE_EVENTS.values(), ENDPOINT_DISABLED])
"""The hub's catalog: a value made once with the declared types, never a connection or a
session. Other domains call :func:`declare` from their ``install`` functions."""


def declare(event_type: EventType) -> EventType:
    """Add ``event_type`` to the catalog (idempotent for the same declaration)."""
    return CATALOG.declare(event_type)


def voucher_event(action: str) -> str:
    """The event type of a voucher change's audit action (``voucher.<action>`` if undeclared)."""
    known = VOUCHER_EVENTS.get(action)
    return known.name if known else f"voucher.{action}"


def note_event(action: str) -> str | None:
    """The event type of an audit note's action; ``None`` for notes nobody subscribes to."""
    known = INCENTIVE_EVENTS.get(action)
    return known.name if known else None


def wants(subscribed: Iterable[str], event_type: str) -> bool:
    chosen = set(subscribed)
    return ALL in chosen or event_type in chosen
