"""The ingest caches never change an answer: a changed signing secret or programs list counts
at once, and a rolled-back write is not remembered."""

from __future__ import annotations

from sqlalchemy import select, update

from ascc_plugin.signatures import new_secret
from center.parties.models import Gsp
from center.vouchers.models import GspProgram
from tests.common.hub import PROGRAMS, LiveHub, event_body


def test_a_changed_signing_secret_counts_at_once(live: LiveHub) -> None:
    gsp = live.new_gsp()
    assert live.post_event(gsp, event_body(gsp)).status_code == 200  # the store is now cached
    rotated = new_secret()
    with live.database.transaction() as session:
        session.execute(update(Gsp).where(Gsp.id == gsp.id).values(signing_secret=rotated))
    assert live.post_event(gsp, event_body(gsp), secret=rotated).status_code == 200
    assert live.post_event(gsp, event_body(gsp)).status_code == 401  # the old one is refused


def test_changed_programs_are_stored_although_cached(live: LiveHub) -> None:
    gsp = live.new_gsp()
    assert live.post_event(gsp, event_body(gsp)).status_code == 200
    with live.database.transaction() as session:  # someone else rewrote them meanwhile
        session.execute(update(GspProgram).where(GspProgram.gsp_id == gsp.id).values(kind="x"))
    programs = [dict(p) for p in PROGRAMS]
    programs[1]["term_months"] = 36
    assert live.post_event(gsp, event_body(gsp, programs=programs)).status_code == 200
    with live.database.transaction(write=False) as session:
        rows = session.scalars(select(GspProgram).where(GspProgram.gsp_id == gsp.id)).all()
    terms = {row.program_id: row.definition["term_months"] for row in rows}
    assert terms == {"repair-12m": 12, "support-24m": 36}
    assert {row.kind for row in rows} == {"repair", "support"}
