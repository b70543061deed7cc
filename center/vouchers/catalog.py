"""The programs each store offers, kept as the store last described them.

Every event carries the store's programs; writing them is skipped while they hash to what this
process last committed for the store. The digest is trusted for :data:`PROGRAMS_TTL` seconds,
then the rows are compared again, so a change made through another worker process is still
reconciled within that time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ascc_plugin.programs import Program
from center.infra.caches import engine_cache
from center.vouchers.models import GspProgram

PROGRAMS_TTL = 10.0


def programs_digest(programs: Sequence[Program]) -> str:
    definitions = [p.model_dump(mode="json") for p in programs]
    return hashlib.sha256(json.dumps(definitions, sort_keys=True).encode()).hexdigest()


def save_programs(
    session: Session, gsp_id: str, programs: Sequence[Program], now: datetime
) -> None:
    """Keep the store's programs as it last described them (skipped when known unchanged)."""
    seen = engine_cache(session.get_bind(), "programs", PROGRAMS_TTL)  # type: ignore[arg-type]
    digest = programs_digest(programs)
    if seen.get(gsp_id) == digest:
        return
    stored = {
        p.program_id: p
        for p in session.scalars(select(GspProgram).where(GspProgram.gsp_id == gsp_id))
    }
    for program in programs:
        definition = program.model_dump(mode="json")
        row = stored.get(program.id)
        if row is None:
            session.add(
                GspProgram(
                    gsp_id=gsp_id,
                    program_id=program.id,
                    kind=program.kind,
                    definition=definition,
                    updated_at=now,
                )
            )
        elif (row.kind, row.definition) != (program.kind, definition):
            row.kind, row.definition, row.updated_at = program.kind, definition, now
    # Only a committed write may let later events skip theirs (a rollback must not).
    event.listen(session, "after_commit", lambda _s: seen.put(gsp_id, digest), once=True)
