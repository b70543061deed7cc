"""Assessing a completed service: once, by its holder, for the provider who completed it.

:func:`assess` runs in one transaction: the voucher moves ``completed → assessed`` (the
conditional update of :mod:`center.vouchers.services`, so a second assessment is 409), the
assessment row is written, the provider's score total and count grow (locking its row, which
also serialises the incentive rules per provider), the program's row is locked, and the
incentive is issued if :mod:`center.incentives.rules` allows it — else the reason is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from ascc_plugin import rewards
from ascc_plugin.programs import Program
from center.assessments.models import Assessment
from center.audit.trail import Change, note, record
from center.incentives import rules
from center.incentives.models import Incentive
from center.incentives.services import Minter, issue
from center.incentives.views import incentive_json
from center.infra.caches import engine_cache
from center.infra.problems import NotFound
from center.parties.auth import Kind, Principal
from center.parties.models import Provider
from center.vouchers.catalog import PROGRAMS_TTL
from center.vouchers.models import GspProgram, Voucher
from center.vouchers.services import acting_voucher, actor_of, move
from center.vouchers.states import Action

ASSESSMENTS: Table = Assessment.__table__  # type: ignore[assignment]

NO_ASSESSMENT = "no assessment of this voucher is visible to you"


@dataclass
class Assessed:
    """An assessment and what it earned: the incentive, or the reason there is none."""

    assessment: Assessment
    incentive: Incentive | None
    reason: str | None


def assess(
    session: Session,
    voucher_id: str,
    principal: Principal,
    score: int,
    comment: str | None,
    minter: Minter,
    now: datetime,
) -> Assessed:
    voucher = acting_voucher(session, voucher_id, principal, Kind.HOLDER)
    actor = actor_of(principal)
    assessed = move(session, voucher, Action.ASSESS, actor, now, f"score {score}")
    assert assessed is not None and voucher.provider_id is not None  # completed: served
    provider = rate(session, voucher.provider_id, score)
    decision = rules.decide(
        session, voucher, score, program_of(session, voucher), provider, minter.rules, now
    )
    made = Assessment(
        voucher_id=voucher.id,
        gsp_id=voucher.gsp_id,
        provider_id=voucher.provider_id,
        program=voucher.program,
        score=score,
        comment=comment,
        comment_hidden=False,
        incentive_reason=decision.reason,
        at=now,
    )
    session.connection().execute(
        ASSESSMENTS.insert(), [{c.key: getattr(made, c.key) for c in ASSESSMENTS.columns}]
    )
    incentive, notes = None, []
    if decision.amount is not None:
        incentive, issued = issue(session, voucher, decision.amount, minter, actor, now)
        notes.append(issued)
    record(session, [assessed], notes)
    return Assessed(made, incentive, decision.reason)


PROVIDERS: Table = Provider.__table__  # type: ignore[assignment]
RATE = (
    update(PROVIDERS)
    .where(PROVIDERS.c.id == bindparam("provider_id"))
    .values(
        rating_total=PROVIDERS.c.rating_total + bindparam("score"),
        reviews_count=PROVIDERS.c.reviews_count + 1,
    )
    .returning(PROVIDERS.c.email)
)
"""Built once: the hot path binds values only."""


def rate(session: Session, provider_id: str, score: int) -> rules.Served:
    """Add ``score`` to the provider's record (its row stays locked until commit, which
    serialises the per-provider incentive rules); its contact e-mail comes back."""
    params = {"provider_id": provider_id, "score": score}
    email = session.connection().execute(RATE, params).scalar_one()
    return rules.Served(provider_id, email)


def program_of(session: Session, voucher: Voucher) -> Program | None:
    """The voucher's program as its store last described it, kept per process for
    :data:`~center.vouchers.catalog.PROGRAMS_TTL` seconds (as the catalog trusts its digests);
    a program with an incentive cap is read again with its row locked (PostgreSQL), which
    serialises the cap rule."""
    known = engine_cache(session.get_bind(), "reward-programs", PROGRAMS_TTL)  # type: ignore[arg-type]
    key = (voucher.gsp_id, voucher.program)
    program = known.get(key)
    query = select(GspProgram.definition).where(
        GspProgram.gsp_id == voucher.gsp_id, GspProgram.program_id == voucher.program
    )
    if program is None:
        definition = session.scalar(query)
        if definition is None:
            return None
        program = Program.model_validate(definition)
        known.put(key, program)
    assert isinstance(program, Program)
    if program.incentive_cap is not None:
        locked = session.scalar(query.with_for_update())
        program = Program.model_validate(locked) if locked is not None else None
    return program


def moderate(
    session: Session,
    voucher_id: str,
    principal: Principal,
    hidden: bool,
    reason: str | None,
    now: datetime,
) -> Assessment:
    """The operator hides (or shows again) an assessment's comment; the score stays."""
    voucher = acting_voucher(session, voucher_id, principal, Kind.ADMIN)
    found = session.get(Assessment, voucher.id)
    if found is None:
        raise NotFound(NO_ASSESSMENT)
    if found.comment_hidden != hidden:
        found.comment_hidden = hidden
        action = "assessment.hide" if hidden else "assessment.show"
        state = voucher.state.value
        change = Change(voucher.id, action, state, state, actor_of(principal), now, reason)
        note(session, [change])
    return found


def as_model(assessment: Assessment) -> rewards.Assessment:
    return rewards.Assessment(
        voucher_id=assessment.voucher_id,
        gsp_id=assessment.gsp_id,
        provider_id=assessment.provider_id,
        program=assessment.program,
        score=assessment.score,
        comment=None if assessment.comment_hidden else assessment.comment,
        at=assessment.at,
    )


def assessment_json(assessment: Assessment) -> dict[str, Any]:
    return {
        **as_model(assessment).model_dump(mode="json"),
        "comment_hidden": assessment.comment_hidden,
    }


def assessed_json(assessed: Assessed, principal: Principal) -> dict[str, Any]:
    """``{"assessment", "incentive", "reason"}``: the incentive (with its token for the holder)
    or ``null`` and why none is due."""
    incentive = assessed.incentive
    return {
        "assessment": assessment_json(assessed.assessment),
        "incentive": incentive_json(incentive, principal) if incentive else None,
        "reason": assessed.reason,
    }
