"""``ascc center serve --with-worker``: one command for a single box — the hub answers and its
worker sends the webhooks; SIGTERM stops both."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from ascc_plugin.signatures import standard_headers
from simulator.services import ascc_json, center_service, poll_until, run_ascc
from tests.common.hub import Party, event_body
from tests.common.subscriber import Subscriber

LOOPBACK = {"ASCC_HUB_WEBHOOK_ALLOW_HTTP": "true", "ASCC_HUB_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8"}


def test_serve_with_worker_sends_webhooks(tmp_path: Path) -> None:
    center = center_service(tmp_path, workers=1)
    center.args = [*center.args, "--with-worker"]
    admin = "adm_" + "e2e-operator-key-0123456789"
    center.env = {
        **center.env,
        **LOOPBACK,
        "ASCC_HUB_WORKER_IDLE_SECONDS": "0.1",
        "ASCC_ADMIN_KEY": admin,
    }
    run_ascc(["center", "init-db"], center.env)
    made = ascc_json(
        ["center", "add-gsp", "--name", "S", "--platform", "shopify", "--shop", "w.example"],
        center.env,
    )
    store = Party(
        str(made["gsp_id"]), str(made["api_key"]), str(made["signing_secret"]), "w.example"
    )
    receiver = Subscriber().up()
    center.start()
    try:
        answer = requests.post(
            f"{center.url}/api/v1/webhooks",
            json={"url": receiver.url, "event_types": ["voucher.issued"]},
            headers={"Authorization": f"Bearer {store.key}"},
            timeout=10,
        )
        receiver.secret = answer.json()["secret"]
        body = event_body(store, quantity=2, price="10.00")
        signed = standard_headers(store.secret, "msg_w", int(time.time()), body)
        posted = requests.post(
            f"{center.url}/api/v1/events",
            data=body,
            headers={"ASCC-Domain": store.shop, **signed},
            timeout=10,
        )
        assert posted.status_code == 200
        assert receiver.wait_for(2, 30), center.log_tail()
        assert {d.body["type"] for d in receiver.got} == {"voucher.issued"}
        assert all(d.verified for d in receiver.got)

        def counted() -> dict[tuple[str, str | None, str | None], float] | None:
            """The samples once the worker has counted both sends (it counts after the
            subscriber's answer, so the subscriber may have them a moment before)."""
            scraped = requests.get(
                f"{center.url}/metrics", headers={"Authorization": f"Bearer {admin}"}, timeout=10
            )
            samples = {
                (sample.name, sample.labels.get("route"), sample.labels.get("status")): sample.value
                for family in text_string_to_metric_families(scraped.text)
                for sample in family.samples
            }  # gunicorn's workers summed through prometheus-client's multiprocess folder
            sent = samples.get(("ascc_webhook_deliveries_total", None, None), 0)
            return samples if sent >= 2 else None

        samples = poll_until(counted, "both webhook sends counted in /metrics", 20)
        assert samples[("ascc_http_requests_total", "/api/v1/events", "200")] == 1
    finally:
        center.stop()
        receiver.down()
    assert center.process is not None and center.process.returncode is not None
    log = center.log.read_text()
    assert "worker: stopped" in log or json.dumps("worker: stopped") in log
