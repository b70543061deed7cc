"""The customer page over plain HTTP: the shell carries no secret and looks nothing up, the
holder's ``/v/<id>/state`` answers the holder only, and every other caller gets the voucher
API's one 404 or 401 (no existence oracle)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ascc_plugin.identity import format_id
from tests.common.hub import LiveHub
from tests.pages.live import issue_voucher


@pytest.fixture
def client(page_hub: LiveHub) -> FlaskClient:
    made: FlaskClient = page_hub.app.test_client()
    return made


@pytest.fixture(scope="module")
def voucher(page_hub: LiveHub) -> dict[str, Any]:
    return issue_voucher(page_hub)


def state(client: FlaskClient, voucher_id: str, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get(f"/v/{voucher_id}/state", headers=headers)


def test_the_holder_gets_the_whole_page_state(client: FlaskClient, voucher: dict[str, Any]) -> None:
    answer = state(client, voucher["id"], voucher["holder_secret"])
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    body = answer.get_json()
    assert body["voucher"]["id"] == voucher["id"] and body["voucher"]["state"] == "issued"
    assert body["voucher"]["token"] == voucher["token"]
    assert body["product"] == {
        "order_id": voucher["order_id"],
        "line_id": "L1",
        "unit": 0,
        "unit_price": "129.00",
        "currency": "EUR",
    }
    assert [event["to"] for event in body["history"]] == ["issued"]
    assert body["provider"] is None and body["incentive"] is None
    svg = body["qr_svg"]
    assert svg.startswith("<svg") and "viewBox" in svg and "<script" not in svg
    assert "style=" not in svg  # the CSP allows no inline style


def test_the_shell_holds_no_secret_and_the_same_for_any_well_formed_id(
    client: FlaskClient, voucher: dict[str, Any]
) -> None:
    real = client.get(f"/v/{voucher['id']}")
    nobody = client.get(f"/v/{format_id(987_654_321)}")
    assert real.status_code == nobody.status_code == 200
    html = real.get_data(as_text=True)
    assert voucher["holder_secret"] not in html and voucher["token"] not in html
    assert html.replace(voucher["id"], "ID") == nobody.get_data(as_text=True).replace(
        format_id(987_654_321), "ID"
    )


def test_a_typed_id_is_redirected_to_its_canonical_form(
    client: FlaskClient, voucher: dict[str, Any]
) -> None:
    typed = voucher["id"].replace("-", "").lower()
    answer = client.get(f"/v/{typed}")
    assert answer.status_code == 308
    assert answer.headers["Location"].endswith(f"/v/{voucher['id']}")


@pytest.mark.parametrize("bad", ["nothing", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-Z", "a" * 300, "%00"])
def test_a_malformed_id_is_the_html_404(client: FlaskClient, bad: str) -> None:
    answer = client.get(f"/v/{bad}")
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert "Content-Security-Policy" in answer.headers


def test_only_the_holder_reads_the_state(
    page_hub: LiveHub, client: FlaskClient, voucher: dict[str, Any]
) -> None:
    other = issue_voucher(page_hub)
    provider = page_hub.new_provider()
    assert state(client, voucher["id"], None).status_code == 401
    refused = [
        state(client, voucher["id"], other["holder_secret"]),  # another voucher's holder
        state(client, voucher["id"], "hld_" + "x" * 27),  # a made-up secret
        state(client, format_id(987_654_321), voucher["holder_secret"]),  # an unknown id
        state(client, "not-an-id", voucher["holder_secret"]),  # a malformed one
        state(client, voucher["id"], provider.key),  # a provider, even an existing one
    ]
    assert [answer.status_code for answer in refused] == [404] * 5
    bodies = {answer.get_data(as_text=True) for answer in refused}
    assert len(bodies) == 1 and voucher["id"] not in bodies.pop()
    assert all(answer.mimetype == "application/problem+json" for answer in refused)


def test_the_service_worker_is_served_for_the_v_scope(client: FlaskClient) -> None:
    answer = client.get("/v/sw.js")
    assert answer.status_code == 200 and "javascript" in (answer.mimetype or "")
    assert answer.headers["Service-Worker-Allowed"] == "/v/"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert b"caches" in answer.data
