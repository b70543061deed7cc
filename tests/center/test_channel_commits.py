"""Group commit: sends that wait for a busy writer are stored in one transaction, gap-free, and
one refused or resent send in a batch costs the others a retry, never their frame — on SQLite
and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from center.channel import services
from center.channel.access import Party, Role
from center.channel.commits import Committer
from center.channel.frames import INCOMING, FrameRefused
from center.channel.relay import relay_of
from simulator.services import poll_until
from tests.common.channel import open_case
from tests.common.hub import LiveHub

HOLDER, OPERATOR = Party(Role.HOLDER), Party(Role.OPERATOR, "op")


def send(live: LiveHub, case_id: str, msg_id: str, party: Party = HOLDER) -> Callable[..., Any]:
    relay = relay_of(live.app.extensions)
    frame = INCOMING.validate_python(
        {"type": "message", "client_msg_id": msg_id, "body": {"text": msg_id}}
    )

    def work(session: Session) -> int:
        return services.submit(session, case_id, party, frame, relay.verifier, relay.clock()).seq

    return work


def behind_a_busy_writer(
    committer: Committer[Any], works: list[Callable[..., Any]]
) -> tuple[Any, list[Future[Any]]]:
    """Run ``works`` while the only writer is busy, so they all wait; their futures."""
    release = threading.Event()

    def slow(_session: Session) -> str:
        release.wait(10)
        return "first"

    pool = ThreadPoolExecutor(len(works) + 1)
    first = pool.submit(committer.run, "0", slow)
    poll_until(lambda: committer.writing == 1 or None, "the writer busy", 5)
    futures = [pool.submit(committer.run, f"k{n}", work) for n, work in enumerate(works)]
    poll_until(lambda: len(committer.waiting) == len(works) or None, "all waiting", 5)
    release.set()
    pool.shutdown(wait=True)
    return first.result(), futures


def test_sends_waiting_for_a_busy_writer_are_committed_together(live: LiveHub) -> None:
    case, committer = open_case(live), Committer[Any](live.database, writers=1)
    works = [send(live, case.id, f"m{n}") for n in range(7)]
    commits: list[object] = []
    count = commits.append
    event.listen(live.database.engine, "commit", count)
    try:
        first, futures = behind_a_busy_writer(committer, works)
    finally:
        event.remove(live.database.engine, "commit", count)
    assert first == "first"
    assert sorted(f.result() for f in futures) == list(range(2, 9))  # after "assigned": no hole
    assert len(commits) == 2  # the busy writer's, and one for the seven that waited
    assert [f["seq"] for f in relay_of(live.app.extensions).read(case.id, 0)] == list(range(1, 9))


def test_a_refused_or_resent_send_costs_its_batch_a_retry_not_their_frames(live: LiveHub) -> None:
    case, committer = open_case(live), Committer[Any](live.database, writers=1)
    live.database.run(send(live, case.id, "early"))  # stored before: seq 2
    works = [send(live, case.id, f"m{n}") for n in range(5)]
    works.insert(2, send(live, case.id, "op", OPERATOR))  # refused: read only
    works.insert(4, send(live, case.id, "early"))  # resent
    _, futures = behind_a_busy_writer(committer, works)
    with pytest.raises(FrameRefused) as refused:
        futures[2].result()
    with pytest.raises(services.Resent):
        futures[4].result()
    stored = [future.result() for n, future in enumerate(futures) if n not in (2, 4)]
    assert sorted(stored) == [3, 4, 5, 6, 7] and refused.value.code == "read-only"
    texts = [f["body"]["text"] for f in relay_of(live.app.extensions).read(case.id, 1)]
    assert sorted(texts) == ["early", "m0", "m1", "m2", "m3", "m4"]  # each once, no hole
