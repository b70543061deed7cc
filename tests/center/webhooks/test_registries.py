"""The open registries: event types other domains declare, scheduled jobs other domains add."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from center.infra.problems import InvalidInput
from center.webhooks.events import CATALOG, Catalog, EventType, declare, voucher_event
from center.worker.jobs import Job, Schedule


def test_a_domain_declares_its_event_types_once() -> None:
    claim = EventType("claim.decided", "an insurance claim was decided")
    catalog = Catalog()
    assert catalog.declare(claim) is claim and catalog.declare(claim) is claim
    with pytest.raises(ValueError, match="already declared"):
        catalog.declare(EventType("claim.decided", "something else"))
    assert catalog.checked(["claim.decided", "*", "claim.decided"]) == ["*", "claim.decided"]
    with pytest.raises(InvalidInput, match=r"unknown type 'claim\.lost'"):
        catalog.checked(["claim.lost"])


def test_the_hub_catalog_knows_every_voucher_action() -> None:
    assert declare(CATALOG.types["voucher.expired"]).name == "voucher.expired"
    assert voucher_event("redeem") == "voucher.redeemed"
    assert voucher_event("hold") == "voucher.hold"  # an undeclared action still has a type


def test_scheduled_jobs_run_when_due_and_names_are_unique() -> None:
    def nothing(session: Session, now: datetime) -> int:
        return 0

    schedule = Schedule([Job("a", 10, nothing), Job("b", 60, nothing)])
    assert [job.name for job in schedule.ready(0.0)] == ["a", "b"]
    for job in schedule.ready(0.0):
        schedule.done(job, 0.0)
    assert schedule.ready(9.0) == []
    assert [job.name for job in schedule.ready(10.0)] == ["a"]
    with pytest.raises(ValueError, match="share a name"):
        Schedule([Job("a", 1, nothing), Job("a", 2, nothing)])
