"""The customer page over plain HTTP: the shell carries no secret and looks nothing up, the
holder's ``/v/<id>/state`` answers the holder only, and every other caller gets the voucher
API's one 404 or 401 (no existence oracle) — on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from ascc_plugin.identity import format_id
from tests.common.hub import LiveHub
from tests.pages.live import issue_voucher, serve_pages_hub


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder = tmp_path_factory.mktemp(f"state-{request.param}")
    url = request.getfixturevalue("pg_database") if request.param == "postgres" else None
    with serve_pages_hub(folder, url) as live:
        yield live


@pytest.fixture
def client(hub: LiveHub) -> FlaskClient:
    made: FlaskClient = hub.app.test_client()
    return made


@pytest.fixture(scope="module")
def voucher(hub: LiveHub) -> dict[str, Any]:
    return issue_voucher(hub)


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
    hub: LiveHub, client: FlaskClient, voucher: dict[str, Any]
) -> None:
    other = issue_voucher(hub)
    provider = hub.new_provider()
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


def test_guessing_holder_secrets_on_the_page_state_is_rate_limited(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("limited")
    with serve_pages_hub(folder, rate_limits=True, auth_failures_per_address="3/minute") as live:
        voucher = issue_voucher(live)
        client = live.app.test_client()
        guesses = [state(client, voucher["id"], f"hld_{n:027d}").status_code for n in range(5)]
        assert guesses[:3] == [404, 404, 404] and guesses[3:] == [429, 429]
        assert state(client, voucher["id"], voucher["holder_secret"]).status_code == 429


def test_the_state_is_a_handful_of_reads_and_the_shell_none(
    hub: LiveHub, client: FlaskClient, voucher: dict[str, Any]
) -> None:
    """Server-side rendering stays cheap: the shell touches no database, the state reads the
    voucher, its history, its incentive and its provider (no query per history row)."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(hub.database.engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/v/{voucher['id']}").status_code == 200
        shell = len(statements)
        assert state(client, voucher["id"], voucher["holder_secret"]).status_code == 200
    finally:
        event.remove(hub.database.engine, "before_cursor_execute", count)
    assert shell == 0
    assert len(statements) <= 4, statements
