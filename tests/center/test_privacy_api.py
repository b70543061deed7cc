"""``POST /api/v1/privacy``: a store's privacy requests over its customers, on both databases."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import func, select

from center.deliveries.models import ProcessedEvent
from center.parties.models import Customer
from tests.common.hub import PROGRAMS, LiveHub, Party, order_event

PROBLEM = "application/problem+json"
PRIVACY = "/api/v1/privacy"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


def buy(live: LiveHub, gsp: Party, person: str, customer_id: str | None = None) -> str:
    """One paid order of ``person`` (e-mail ``{person}@example.com``); its order id."""
    event = order_event(gsp, email=f"{person}@example.com")
    event["order"]["customer"] = {
        "id": customer_id,
        "email": f"{person}@example.com",
        "phone": "+49 30 1234567",
        "name": person.title(),
    }
    body = json.dumps({"event": event, "programs": PROGRAMS}).encode()
    assert live.post_event(gsp, body).status_code == 200
    order_id: str = event["order"]["id"]
    return order_id


def ask(live: LiveHub, gsp: Party, payload: dict[str, Any], webhook_id: str | None = None) -> Any:
    body = json.dumps(payload).encode()
    return live.post_event(gsp, body, webhook_id=webhook_id, path=PRIVACY)


def contacts(live: LiveHub, gsp: Party, order_id: str) -> list[Any]:
    """The customer of each record of ``order_id``, as the store reads them."""
    page = live.call("GET", "/api/v1/records", gsp.key, params={"gsp": gsp.id}).json()
    return [item["customer"] for item in page["items"] if item["order_id"] == order_id]


BLANK = {"email": None, "name": None, "phone": None}


def test_redaction_by_customer_id(live: LiveHub) -> None:
    gsp = live.new_gsp()
    ada, bob = buy(live, gsp, "ada", "501"), buy(live, gsp, "bob", "502")
    answer = ask(live, gsp, {"request": "customer_redact", "customer": {"id": "501"}})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"request": "customer_redact", "customers": 1}
    assert contacts(live, gsp, ada) and all(c == BLANK for c in contacts(live, gsp, ada))
    assert contacts(live, gsp, bob)[0]["email"] == "bob@example.com"


def test_redaction_by_email_and_by_order_ids(live: LiveHub) -> None:
    gsp = live.new_gsp()
    ada, bob, cy = (buy(live, gsp, name) for name in ("ada", "bob", "cy"))
    by_email = ask(
        live, gsp, {"request": "customer_redact", "customer": {"email": "ADA@example.com"}}
    )
    assert by_email.json() == {"request": "customer_redact", "customers": 1}
    by_orders = ask(live, gsp, {"request": "customer_redact", "customer": None, "order_ids": [bob]})
    assert by_orders.json() == {"request": "customer_redact", "customers": 1}
    assert all(c == BLANK for c in contacts(live, gsp, ada) + contacts(live, gsp, bob))
    assert contacts(live, gsp, cy)[0] == {
        "email": "cy@example.com",
        "name": "Cy",
        "phone": "+49 30 1234567",
    }


def test_shop_redaction_erases_every_customer_of_that_store_only(live: LiveHub) -> None:
    gsp, other = live.new_gsp(), live.new_gsp()
    mine = [buy(live, gsp, "ada"), buy(live, gsp, "bob")]
    theirs = buy(live, other, "ada")
    answer = ask(live, gsp, {"request": "shop_redact"})
    assert answer.json() == {"request": "shop_redact", "customers": 2}
    assert all(c == BLANK for order in mine for c in contacts(live, gsp, order))
    assert contacts(live, other, theirs)[0]["email"] == "ada@example.com"


def test_data_request_tells_what_the_hub_holds(live: LiveHub) -> None:
    gsp = live.new_gsp()
    ada = buy(live, gsp, "ada", "601")
    buy(live, gsp, "bob", "602")
    answer = ask(live, gsp, {"request": "customer_data_request", "customer": {"id": "601"}}).json()
    assert answer["request"] == "customer_data_request"
    assert answer["customers"] == [
        {"email": "ada@example.com", "name": "Ada", "phone": "+49 30 1234567"}
    ]
    assert answer["vouchers"] and {v["order_id"] for v in answer["vouchers"]} == {ada}
    nobody = ask(live, gsp, {"request": "customer_data_request", "customer": {"id": "nope"}})
    assert nobody.json()["customers"] == [] and nobody.json()["vouchers"] == []
    assert contacts(live, gsp, ada)[0]["email"] == "ada@example.com"  # asking erases nothing


def test_another_stores_customers_are_never_touched(live: LiveHub) -> None:
    """Same customer id, e-mail and order id at two stores: only the signer's are reached."""
    gsp, other = live.new_gsp(), live.new_gsp()
    buy(live, gsp, "ada", "701")
    theirs = buy(live, other, "ada", "701")
    request = {"customer": {"id": "701", "email": "ada@example.com"}, "order_ids": [theirs]}
    seen = ask(live, gsp, {"request": "customer_data_request", **request}).json()
    assert {v["order_id"] for v in seen["vouchers"]}.isdisjoint({theirs})
    assert ask(live, gsp, {"request": "customer_redact", **request}).json()["customers"] == 1
    assert contacts(live, other, theirs)[0]["email"] == "ada@example.com"


def test_bad_signatures_are_401_and_erase_nothing(live: LiveHub) -> None:
    gsp, other = live.new_gsp(), live.new_gsp()
    order = buy(live, gsp, "ada")
    body = json.dumps({"request": "shop_redact"}).encode()
    cases = [
        live.post_event(gsp, body, secret=other.secret, path=PRIVACY),
        live.post_event(gsp, body, path=PRIVACY, **{"webhook-signature": "v1,bogus"}),
        live.post_event(gsp, body, path=PRIVACY, **{"ASCC-Domain": other.shop}),
        live.post_event(gsp, body, path=PRIVACY, **{"ASCC-Domain": "unknown.example"}),
    ]
    for response in cases:
        assert_problem(response, 401)
    assert contacts(live, gsp, order)[0]["email"] == "ada@example.com"


def test_bad_bodies_are_422_problems_and_record_nothing(live: LiveHub) -> None:
    gsp = live.new_gsp()
    order = buy(live, gsp, "ada")
    assert_problem(live.post_event(gsp, b"{nope", path=PRIVACY), 400)
    bad_bodies: list[Any] = [
        {"request": "forget_everything"},
        {"request": "customer_redact", "customer": {"id": "1"}, "extra": 1},
        {"request": "customer_redact", "customer": {"id": "1", "shoe_size": 44}},
        {"request": "customer_redact", "order_ids": "123"},
        {"request": "customer_redact", "order_ids": [""]},
        {"request": "shop_redact", "order_ids": [order]},
        {"customer": {"id": "1"}},
        [],
    ]
    for bad in bad_bodies:
        problem = assert_problem(ask(live, gsp, bad), 422)
        assert problem["errors"], problem
    assert count_deliveries(live, gsp) == 1  # the order's event only
    assert contacts(live, gsp, order)[0]["email"] == "ada@example.com"


def test_replay_gets_the_first_answer_and_changes_nothing(live: LiveHub) -> None:
    gsp = live.new_gsp()
    ada = buy(live, gsp, "ada")
    webhook_id = f"msg_{secrets.token_hex(8)}"
    request = {"request": "customer_redact", "order_ids": [ada]}
    first = ask(live, gsp, request, webhook_id)
    assert first.json() == {"request": "customer_redact", "customers": 1}
    again = ask(live, gsp, request, webhook_id)
    assert again.status_code == 200 and again.json() == first.json()
    other_body = {"request": "customer_redact", "order_ids": [ada, "o-2"]}
    assert_problem(ask(live, gsp, other_body, webhook_id), 409)
    assert count_deliveries(live, gsp) == 2
    with live.database.transaction(write=False) as session:
        rows = session.scalars(select(Customer).where(Customer.gsp_id == gsp.id)).all()
        assert [row.customer_key.startswith("redacted:") for row in rows] == [True]


def count_deliveries(live: LiveHub, gsp: Party) -> int:
    with live.database.transaction(write=False) as session:
        query = select(func.count()).where(ProcessedEvent.gsp_id == gsp.id)
        return int(session.scalar(query) or 0)
