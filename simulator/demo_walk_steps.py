"""Demo steps, second half: the provider directory, then one voucher's whole service life.

The customer (holder secret from the delivery log) activates the voucher and assigns a provider
found in the public directory; the provider verifies the signed token offline against the
center's JWKS, redeems it once with the token the customer presents (the provider's own view of
the voucher has no token; a second redeem is refused) and completes the service. Then the
reward half: the customer assesses the service and gets an incentive voucher, hands it to the
provider, who redeems it (its token, of type ``ascc-incentive+jwt``, verified offline too), and
the voucher ends ``rewarded`` with the provider's rating earned in the directory.
"""

from __future__ import annotations

from typing import Any

from ascc_plugin.tokens import INCENTIVE_TYP, TokenError, Verifier
from simulator.demo_context import Check, Demo, StepFailed, expect
from simulator.demo_orders import TV_LINE
from simulator.demo_world import PROVIDERS

WALKED_PROGRAM = "repair-12m"
WALKED_LINE = str(TV_LINE)
LIFE = ["issued", "activated", "assigned", "in_service", "completed"]


def directory(demo: Demo, query: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = demo.api("GET", f"/api/v1/providers{query}").expect(
        200, "the provider directory"
    )["items"]
    return items


def provider_directory(demo: Demo) -> Check:
    everyone = {p["name"] for p in directory(demo)}
    expect(
        everyone == {name for name, _, _ in PROVIDERS}, f"the directory lists {sorted(everyone)}"
    )
    repairers = {p["name"] for p in directory(demo, f"?program={WALKED_PROGRAM}")}
    wanted = {name for name, categories, _ in PROVIDERS if "repair" in categories.split(",")}
    expect(repairers == wanted, f"?program={WALKED_PROGRAM} lists {sorted(repairers)}")
    support = {p["name"] for p in directory(demo, "?category=support")}
    expect(support == {"Helpdesk Heroes"}, f"?category=support lists {sorted(support)}")
    detail = (
        f"{len(everyone)} providers; {WALKED_PROGRAM}: {len(repairers)}; support: {len(support)}"
    )
    return Check(detail, {"program": sorted(repairers), "support": sorted(support)})


def walked_delivery(demo: Demo) -> dict[str, Any]:
    for line in demo.deliveries.values():
        voucher = line["voucher"]
        if voucher["program"] == WALKED_PROGRAM and voucher["line_id"] == WALKED_LINE:
            return line
    raise StepFailed(f"no delivered {WALKED_PROGRAM} voucher for line {WALKED_LINE}")


def holder_action(demo: Demo, action: str, body: Any, state: str) -> dict[str, Any]:
    voucher = demo.walked
    path = f"/api/v1/vouchers/{voucher['id']}/{action}"
    answer = demo.api("POST", path, voucher["holder_secret"], body).expect(200, action)
    expect(answer["state"] == state, f"{action}: the voucher is {answer['state']}, not {state}")
    return dict(answer)


def activate(demo: Demo) -> Check:
    demo.walked = dict(walked_delivery(demo)["voucher"])
    holder_action(demo, "activate", None, "activated")
    return Check(
        f"{demo.walked['id']} ({WALKED_PROGRAM}, the TV) by its holder", {"id": demo.walked["id"]}
    )


def assign(demo: Demo) -> Check:
    choices = directory(demo, f"?program={WALKED_PROGRAM}&region=Lisbon&sort=rating")
    expect(bool(choices), "no provider in the directory serves the voucher")
    demo.provider = next(p for p in demo.world.providers if p["provider_id"] == choices[0]["id"])
    answer = holder_action(
        demo, "assign", {"provider_id": demo.provider["provider_id"]}, "assigned"
    )
    expect(answer["provider_id"] == demo.provider["provider_id"], "assigned to another provider")
    return Check(
        f"to {demo.provider['name']} (the directory's first for {WALKED_PROGRAM})",
        {"provider_id": demo.provider["provider_id"]},
    )


def verify_offline(demo: Demo) -> Check:
    jwks = demo.api("GET", "/.well-known/jwks.json").expect(200, "the JWKS")
    try:
        claims = Verifier(jwks).verify(demo.walked["token"])
    except TokenError as exc:
        raise StepFailed(f"the voucher's token does not verify: {exc}") from None
    expect(claims["sub"] == demo.walked["id"], f"the token names {claims['sub']}")
    expect(claims["program"] == WALKED_PROGRAM, f"the token's program is {claims['program']}")
    return Check(
        f"EdDSA signature and claims hold against /.well-known/jwks.json (iss {claims['iss']})",
        {"claims": claims},
    )


def provider_action(demo: Demo, action: str, body: Any) -> Any:
    path = f"/api/v1/vouchers/{demo.walked['id']}/{action}"
    return demo.api("POST", path, demo.provider["api_key"], body)


def presented_token(demo: Demo) -> str:
    """The token as the customer hands it over: from the holder's own view of the voucher (the
    provider's view has none, so a redemption proves the customer presented it)."""
    path = f"/api/v1/vouchers/{demo.walked['id']}"
    seen = demo.api("GET", path, demo.provider["api_key"]).expect(200, "the provider's view")
    expect("token" not in seen, "the provider's view of the voucher shows its token")
    held = demo.api("GET", path, demo.walked["holder_secret"]).expect(200, "the holder's view")
    token: str = held["token"]
    return token


def redeem(demo: Demo) -> Check:
    token = presented_token(demo)
    answer = provider_action(demo, "redeem", {"token": token}).expect(200, "redeem")
    expect(answer["state"] == "in_service", f"redeem: the voucher is {answer['state']}")
    return Check(
        "by the assigned provider with the token the holder presented → in_service",
        {"state": answer["state"]},
    )


def redeem_again(demo: Demo) -> Check:
    answer = provider_action(demo, "redeem", {"token": demo.walked["token"]})
    expect(answer.status == 409, f"a second redeem got HTTP {answer.status}, not 409")
    expect(
        answer.content_type.startswith("application/problem+json"), "the refusal is no problem body"
    )
    return Check(f"refused: 409 {answer.json().get('title')}", {"status": answer.status})


def complete(demo: Demo) -> Check:
    answer = provider_action(demo, "complete", {"notes": "Replaced the HDMI board."}).expect(
        200, "complete"
    )
    expect(answer["state"] == "completed", f"complete: the voucher is {answer['state']}")
    return Check("by the provider → completed", {"state": answer["state"]})


def final_state(demo: Demo) -> Check:
    voucher = demo.api("GET", f"/api/v1/vouchers/{demo.walked['id']}", demo.walked["holder_secret"])
    state = voucher.expect(200, "the voucher")["state"]
    expect(state == "completed", f"the holder sees {state}")
    store = demo.world.stores["shopify"]
    record = next(r for r in demo.records(store) if r["voucher_id"] == demo.walked["id"])
    states = [record["history"][0]["from"] or "issued"] + [e["to"] for e in record["history"]]
    path = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    expect(path == LIFE, f"the audit history runs {' → '.join(path)}")
    demo.walked["state"] = state
    return Check(
        " → ".join(path) + f" ({len(record['history'])} audit events)",
        {"state": state, "history": record["history"]},
    )


def assess(demo: Demo) -> Check:
    answer = holder_action_raw(demo, "assessment", {"score": 5, "comment": "Fast and tidy."})
    incentive = answer["incentive"]
    expect(incentive is not None, f"no incentive for a score of 5: {answer['reason']}")
    expect(incentive["amount"] == "15.00", f"the incentive is {incentive['amount']}, not 15.00")
    demo.incentive = dict(incentive)
    return Check(
        f"score 5 → incentive {incentive['id']} for {incentive['amount']} {incentive['currency']}",
        {"incentive": incentive["id"], "amount": incentive["amount"]},
    )


def holder_action_raw(demo: Demo, action: str, body: Any) -> dict[str, Any]:
    path = f"/api/v1/vouchers/{demo.walked['id']}/{action}"
    return dict(demo.api("POST", path, demo.walked["holder_secret"], body).expect(200, action))


def release_incentive(demo: Demo) -> Check:
    path = f"/api/v1/incentives/{demo.incentive['id']}/release"
    body = {"provider_id": demo.provider["provider_id"]}
    answer = demo.api("POST", path, demo.walked["holder_secret"], body).expect(200, "release")
    expect(answer["state"] == "released", f"release: the incentive is {answer['state']}")
    return Check(f"handed to {demo.provider['name']}, who served", {"state": answer["state"]})


def redeem_incentive(demo: Demo) -> Check:
    jwks = demo.api("GET", "/.well-known/jwks.json").expect(200, "the JWKS")
    try:
        claims = Verifier(jwks).verify(demo.incentive["token"], typ=INCENTIVE_TYP)
    except TokenError as exc:
        raise StepFailed(f"the incentive's token does not verify: {exc}") from None
    expect(claims["provider"] == demo.provider["provider_id"], "the token names another provider")
    path = f"/api/v1/incentives/{demo.incentive['id']}/redeem"
    body = {"token": demo.incentive["token"]}
    answer = demo.api("POST", path, demo.provider["api_key"], body).expect(200, "incentive redeem")
    expect(answer["state"] == "redeemed", f"redeem: the incentive is {answer['state']}")
    again = demo.api("POST", path, demo.provider["api_key"], body)
    expect(again.status == 409, f"a second incentive redeem got HTTP {again.status}")
    return Check(
        "token verified offline; redeemed once, a second time refused (409)",
        {"state": answer["state"]},
    )


def rewarded(demo: Demo) -> Check:
    voucher = demo.api("GET", f"/api/v1/vouchers/{demo.walked['id']}", demo.walked["holder_secret"])
    state = voucher.expect(200, "the voucher")["state"]
    expect(state == "rewarded", f"the holder sees {state}, not rewarded")
    receivable = f"/api/v1/ledger/accounts/provider:{demo.provider['provider_id']}:receivable"
    account = demo.api("GET", receivable, demo.provider["api_key"]).expect(200, "the ledger")
    owed = account["balances"][0]["balance"] if account["balances"] else "0"
    expect(owed == "15.00", f"the provider's receivable is {owed}, not 15.00")
    listed = next(p for p in directory(demo) if p["id"] == demo.provider["provider_id"])
    expect(listed["record"]["reviews"] == 1, "the directory does not count the assessment")
    demo.walked["state"] = state
    return Check(
        f"rewarded; the provider is owed {owed} {demo.incentive['currency']} (ledger); rating "
        f"{listed['record']['rating']} from {listed['record']['reviews']} assessment",
        {"state": state, "receivable": owed, "record": listed["record"]},
    )
