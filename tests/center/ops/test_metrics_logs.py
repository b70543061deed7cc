"""``/metrics`` parses with the Prometheus text parser and counts what happened; every answer
carries a request id, which the JSON log lines carry too."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from center.ops.logs import RequestIdFilter, configure_logging
from tests.common.hub import LiveHub
from tests.common.ops import subscribe
from tests.common.subscriber import Subscriber


def scrape(ops_hub: LiveHub) -> dict[str, list[tuple[dict[str, str], float]]]:
    answer = ops_hub.call("GET", "/metrics", ops_hub.admin_key)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def value(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for got, v in found.get(name, []) if labels.items() <= got.items())


def test_metrics_parse_and_count_requests_ingest_and_the_outbox(
    ops_hub: LiveHub, subscriber: Subscriber
) -> None:
    store = ops_hub.new_gsp()
    subscribe(ops_hub, store, subscriber)
    before = scrape(ops_hub)
    ops_hub.issue(store, quantity=2, price="10.00")
    after = scrape(ops_hub)
    route = {"route": "/api/v1/events", "method": "POST", "status": "200"}
    assert (
        value(after, "ascc_http_requests_total", **route)
        == value(before, "ascc_http_requests_total", **route) + 1
    )
    assert (
        value(after, "ascc_ingest_seconds_count") == value(before, "ascc_ingest_seconds_count") + 1
    )
    assert (
        value(after, "ascc_webhook_outbox_depth") >= value(before, "ascc_webhook_outbox_depth") + 2
    )
    for name in ("ascc_webhook_outbox_oldest_age_seconds", "ascc_worker_lag_seconds"):
        assert name in after
    assert "ascc_handover_pending" in after


def test_metrics_need_the_operator_key(ops_hub: LiveHub) -> None:
    assert ops_hub.call("GET", "/metrics").status_code == 401
    assert ops_hub.call("GET", "/metrics", ops_hub.new_gsp().key).status_code == 401


def test_answers_carry_a_request_id_the_caller_may_choose(ops_hub: LiveHub) -> None:
    mine = ops_hub.http.get(
        ops_hub.url("/healthz"), headers={"X-Request-Id": "abc-123"}, timeout=10
    )
    assert mine.headers["X-Request-Id"] == "abc-123"
    made = ops_hub.http.get(
        ops_hub.url("/healthz"), headers={"X-Request-Id": "bad id\x7f"}, timeout=10
    )
    assert made.headers["X-Request-Id"] != "bad id\x7f" and len(made.headers["X-Request-Id"]) == 16


def test_json_log_lines_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("json")
        from center.ops.logs import REQUEST_ID

        token = REQUEST_ID.set("req-42")
        logging.getLogger("center.test").warning("hello %s", "there")
        REQUEST_ID.reset(token)
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert line["message"] == "hello there" and line["request_id"] == "req-42"
        assert line["level"] == "WARNING" and line["logger"] == "center.test"
        assert any(isinstance(f, RequestIdFilter) for f in root.handlers[0].filters)
    finally:
        root.handlers, root.level = saved[0], saved[1]
