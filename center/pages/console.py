"""The provider console, ``/provider/``: open cases and their conversations, redeem, complete,
cost claims, incentives received, the provider's profile.

Server-rendered pages (they read without JavaScript) over the service layer; each form posts
back here with the session's CSRF token, acts as the signed-in provider in one transaction and
answers with a redirect to the page (post/redirect/get). A refused action re-renders the page
with the reason and the problem's status (4xx); another provider's case is the API's 404.
``console.js`` adds the live conversation (a WebSocket ticket asked with the session, see
:func:`ticket`) and checks a pasted or scanned token against the hub's JWKS in the page before
the redeem form is sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from center.api.cases import case_ticket
from center.api.hub import current_hub
from center.api.insurance import ClaimBody
from center.api.rewards import IncentiveRedeemBody, announce
from center.api.vouchers import CompleteBody, RedeemBody
from center.incentives import services as incentives
from center.incentives.views import as_model
from center.infra.problems import InvalidInput, NotFound, Problem
from center.insurance import services as insurance
from center.pages import console_queries as queries
from center.pages import csrf, sessions
from center.pages.forms import form_as
from center.pages.web import not_found, page_blueprint
from center.parties import services as parties
from center.parties.auth import Kind, Principal
from center.vouchers import services as vouchers

bp = csrf.protect(page_blueprint("console", __name__, url_prefix="/provider"))
NAV = (("console.home", "Cases"), ("console.profile", "Profile"))
CAPACITY_DIGITS = len(str(parties.MAX_CAPACITY))  # a longer number is refused before int()
signed_in = sessions.mount_sign_in(bp, Kind.PROVIDER, "Provider console")
Work = Callable[[Session, Principal, datetime], Any]


@bp.context_processor
def staff_context() -> dict[str, Any]:
    return {"area": "console", "nav_items": NAV}


@bp.errorhandler(NotFound)
def unknown(_: NotFound) -> FlaskResponse:
    """Another provider's case and an unknown id: one and the same HTML 404 (no oracle)."""
    return not_found("There is no such case among yours.")


def me() -> Principal:
    party = sessions.current_party()
    assert party is not None
    return party


@bp.get("/")
@signed_in
def home() -> str:
    return render_home()


def render_home(error: str | None = None) -> str:
    with sessions.reading() as session:
        shown = queries.home(session, me())
    return render_template("console/home.html", error=error, **shown)


@bp.get("/cases/<voucher_id>")
@signed_in
def case(voucher_id: str) -> str:
    return render_case(voucher_id)


def render_case(voucher_id: str, error: str | None = None) -> str:
    with sessions.reading() as session:
        shown = queries.case(session, me(), voucher_id)
    return render_template(
        "console/case.html", error=error, claim_key=secrets.token_urlsafe(16), **shown
    )


def act(voucher_id: str, work: Work, done: str) -> Response | tuple[str, int]:
    """``work`` as the signed-in provider; the case page again, with ``done`` or the reason."""
    hub = current_hub()
    try:
        hub.database.run(lambda session: work(session, me(), hub.clock()))
    except NotFound:
        raise
    except Problem as problem:
        return render_case(voucher_id, problem.detail), problem.status
    flash(done)
    return redirect(url_for(".case", voucher_id=voucher_id), 303)


@bp.post("/cases/<voucher_id>/redeem")
@signed_in
def redeem(voucher_id: str) -> Response | tuple[str, int]:
    hub = current_hub()

    def work(session: Session, party: Principal, now: datetime) -> Any:
        voucher = vouchers.acting_voucher(session, voucher_id, party, Kind.PROVIDER)
        body = form_as(RedeemBody, {"token": request.form.get("token", "").strip()}, "redemption")
        vouchers.redeem_voucher(session, voucher, party, body.token, hub.verifier, now)

    return act(voucher_id, work, "Redeemed: the service can start.")


@bp.post("/cases/<voucher_id>/complete")
@signed_in
def complete(voucher_id: str) -> Response | tuple[str, int]:
    def work(session: Session, party: Principal, now: datetime) -> Any:
        voucher = vouchers.acting_voucher(session, voucher_id, party, Kind.PROVIDER)
        notes = request.form.get("notes", "").strip() or None
        body = form_as(CompleteBody, {"notes": notes}, "completion")
        vouchers.complete_voucher(session, voucher, party, body.notes, now)

    return act(voucher_id, work, "Completed: the customer can now assess the service.")


@bp.post("/cases/<voucher_id>/claims")
@signed_in
def claim(voucher_id: str) -> Response | tuple[str, int]:
    hub = current_hub()
    filed: list[Any] = []

    def work(session: Session, party: Principal, now: datetime) -> Any:
        filed.clear()  # a retried attempt announces only what the last one filed
        vouchers.acting_voucher(session, voucher_id, party, Kind.PROVIDER)
        fields = {k: request.form.get(k, "").strip() for k in ("amount", "description")}
        body = form_as(ClaimBody, fields, "claim")
        key = (request.form.get("claim_key") or "")[:200] or None
        if key is not None and (not key.isascii() or not key.isprintable()):
            raise InvalidInput("claim_key is printable ASCII")
        made = insurance.file_claim(
            session, voucher_id, party, body.amount, None, body.description, key, now
        )
        filed.append(insurance.as_model(made))

    answer = act(voucher_id, work, "Claim filed.")
    if filed:
        announce(hub, "ascc_claim_decided", claim=filed[0])
    return answer


@bp.post("/incentives/<incentive_id>/redeem")
@signed_in
def redeem_incentive(incentive_id: str) -> Response | tuple[str, int]:
    hub = current_hub()
    token = request.form.get("token", "").strip()
    try:
        body = form_as(IncentiveRedeemBody, {"token": token}, "redemption")
        done = hub.database.run(
            lambda s: incentives.redeem(
                s, incentive_id, me(), body.token, hub.verifier, hub.clock()
            )
        )
    except Problem as problem:
        return render_home(f"Incentive not redeemed: {problem.detail}"), problem.status
    announce(hub, "ascc_incentive_redeemed", incentive=as_model(done, False))
    flash("Incentive redeemed: it is owed to you now.")
    return redirect(url_for(".home"), 303)


@bp.post("/cases/<voucher_id>/ticket")
@signed_in
def ticket(voucher_id: str) -> dict[str, Any]:
    """A single-use WebSocket ticket for the case's conversation (``console.js`` connects)."""
    return case_ticket(current_hub(), voucher_id, lambda _session: me())


@bp.get("/profile")
@signed_in
def profile() -> str:
    return render_profile()


def render_profile(error: str | None = None) -> str:
    with sessions.reading() as session:
        shown = parties.provider_json(parties.get_provider(session, sessions.party_id()))
    return render_template("console/profile.html", provider=shown, error=error)


@bp.post("/profile")
@signed_in
def profile_post() -> Response | tuple[str, int]:
    form = request.form
    capacity = form.get("capacity", "").strip()
    try:
        if not capacity.isascii() or not capacity.isdigit() or len(capacity) > CAPACITY_DIGITS:
            raise InvalidInput(f"capacity is a whole number from 1 to {parties.MAX_CAPACITY}")
        current_hub().database.run(
            lambda session: parties.update_profile(
                session,
                sessions.party_id(),
                categories=form.get("categories", "").split(","),
                region=form.get("region", "").strip() or None,
                capacity=int(capacity),
            )
        )
    except Problem as problem:
        return render_profile(problem.detail), problem.status
    flash("Profile saved.")
    return redirect(url_for(".profile"), 303)
