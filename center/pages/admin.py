"""The operator dashboard, ``/admin/``: marketplace counts, CSAT, incentives, premiums, claims
waiting for a decision (approve/deny), flagged pairs, providers and stores, with the report's
charts rendered on the server (matplotlib PNGs from :mod:`center.reports.plots`, no CDN).

Signed in with the operator key (the same session rules as the console,
:mod:`center.pages.sessions`); every form carries the session's CSRF token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response as FlaskResponse
from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from center.api.hub import current_hub
from center.api.insurance import DecisionBody
from center.api.rewards import announce
from center.infra.caches import TtlCache
from center.infra.problems import InvalidInput, Problem
from center.insurance import services as insurance
from center.pages import admin_queries as queries
from center.pages import csrf, sessions
from center.pages.forms import form_as
from center.pages.web import not_found, page_blueprint
from center.parties.auth import Kind, Principal
from center.reports.plots import CHARTS, chart_png

bp = csrf.protect(page_blueprint("admin", __name__, url_prefix="/admin"))
NAV = (("admin.home", "Dashboard"),)
CHART_TITLES = {
    "satisfaction": "Satisfaction per provider",
    "incentives": "Incentives in the period",
    "insurance": "Premiums earned, claims paid and the reserve",
    "service-times": "Service times",
}
CHART_SECONDS = 60
CHARTS_KEY = "ascc_admin_charts"
REPORT_KEY = "ascc_admin_report"
COUNTS_KEY = "ascc_admin_counts"
COUNTS_SECONDS = 5
signed_in = sessions.mount_sign_in(bp, Kind.ADMIN, "Operator dashboard")


@bp.context_processor
def staff_context() -> dict[str, Any]:
    return {"area": "admin", "nav_items": NAV}


@bp.get("/")
@signed_in
def home() -> str:
    return render_dashboard()


def render_dashboard(error: str | None = None) -> str:
    hub = current_hub()
    with sessions.reading() as session:
        shown = queries.fresh(session)
        figures = counts(session), report(session, hub.clock())
    return render_template(
        "admin/dashboard.html",
        charts=CHART_TITLES,
        error=error,
        counts=figures[0],
        report=figures[1],
        counts_seconds=COUNTS_SECONDS,
        limit=queries.SHOWN,
        **shown,
    )


def counts(session: Session) -> dict[str, Any]:
    """Vouchers per state, stores and providers: read at most every :data:`COUNTS_SECONDS`
    per app and process (the page says so)."""
    cache = figures_cache(COUNTS_KEY, COUNTS_SECONDS)
    found = cache.get("counts")
    if found is None:
        found = queries.counts(session)
        cache.put("counts", found)
    return found


def report(session: Session, now: datetime) -> dict[str, Any]:
    """The 30-day report the tables and the charts show alike: built at most once a minute per
    app and process (its dozen grouped queries are most of the dashboard's cost; the page says
    when it was built)."""
    cache = figures_cache(REPORT_KEY, CHART_SECONDS)
    found = cache.get("report")
    if found is None:
        found = queries.report(session, now)
        cache.put("report", found)
    return found


def figures_cache(key: str, seconds: float) -> TtlCache[str, Any]:
    cache = current_app.extensions.setdefault(key, TtlCache(seconds, 4))
    assert isinstance(cache, TtlCache)
    return cache


@bp.get("/charts/<name>.png")
@signed_in
def chart(name: str) -> FlaskResponse:
    if name not in CHARTS:
        return not_found()
    cache = drawn_charts()
    png = cache.get(name)
    if png is None:
        with sessions.reading() as session:
            shown = report(session, current_hub().clock())
        png = chart_png(name, shown)
        cache.put(name, png)
    response = FlaskResponse(png, mimetype="image/png")
    response.headers["Cache-Control"] = f"private, max-age={CHART_SECONDS}"
    return response


def drawn_charts() -> TtlCache[str, bytes]:
    """This app's charts of the 30-day report, drawn at most once a minute per process
    (matplotlib takes tens of milliseconds per chart; the period's figures move slowly)."""
    return figures_cache(CHARTS_KEY, CHART_SECONDS)


def forget_figures() -> None:
    """After the operator changed something (a claim decided): this process's counts, report
    and charts are read again on the next page."""
    for key in (COUNTS_KEY, REPORT_KEY, CHARTS_KEY):
        current_app.extensions.pop(key, None)


@bp.post("/claims/<claim_id>/decision")
@signed_in
def decide(claim_id: str) -> Response | tuple[str, int]:
    hub = current_hub()
    choice = request.form.get("decision")
    note = request.form.get("note", "").strip() or None

    def work(session: Session, party: Principal, now: datetime) -> Any:
        body = form_as(DecisionBody, {"approve": choice == "approve", "note": note}, "decision")
        return insurance.as_model(
            insurance.decide(session, claim_id, party, body.approve, body.note, now)
        )

    party = sessions.current_party()
    assert party is not None  # signed_in
    try:
        if choice not in ("approve", "deny"):
            raise InvalidInput("decision: approve or deny")
        model = hub.database.run(lambda session: work(session, party, hub.clock()))
    except Problem as problem:
        return render_dashboard(f"Claim {claim_id}: {problem.detail}"), problem.status
    forget_figures()
    announce(hub, "ascc_claim_decided", claim=model)
    flash(f"Claim {claim_id} {'approved' if choice == 'approve' else 'denied'}.")
    return redirect(url_for(".home"), 303)
