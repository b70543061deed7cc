"""``/v/<id>``: the customer's voucher page behind the holder link ``{public_url}/v/{id}#{secret}``.

The server renders the public shell with the voucher id only: the holder secret rides in the
URL fragment, which the browser never sends, so it reaches no server log. The page's script
(``customer.js``) reads ``location.hash`` and talks to the JSON API as the holder
(``Authorization: Bearer hld_…``): ``GET /v/<id>/state`` (:mod:`center.pages.holder`) for the
whole page in one read, the voucher and incentive actions, the directory and the case's channel.
Without JavaScript the page still says what the link is and how to use it.

The shell is the same for every well-formed id (the server cannot tell the holder from anyone
else, so it does not look the voucher up: no existence oracle); a malformed id, or one whose
check character does not match, is the HTML 404 page. ``/v/sw.js`` is the service worker that
keeps the shell readable offline (scope ``/v/``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, jsonify, redirect, url_for
from werkzeug.wrappers import Response as BaseResponse

from ascc_plugin.identity import InvalidVoucherId, parse_id
from center.api.hub import current_hub
from center.pages.holder import holder_state
from center.pages.web import not_found, page_blueprint, render_page

bp = page_blueprint("customer_page", __name__, url_prefix="/v")

SERVICE_WORKER = Path(__file__).parent / "static" / "customer-sw.js"
NOT_FOUND = "There is no voucher page at this address. Check the link you were sent."


@bp.get("/<voucher_id>")
def voucher_page(voucher_id: str) -> BaseResponse:
    try:
        canonical = parse_id(voucher_id)
    except InvalidVoucherId:
        return not_found(NOT_FOUND)
    if canonical != voucher_id:  # a typed id: the fragment survives the redirect
        return redirect(url_for(".voucher_page", voucher_id=canonical), 308)
    return render_page("customer/voucher.html", voucher_id=canonical)


@bp.get("/<voucher_id>/state")
def voucher_state(voucher_id: str) -> Response:
    """The page's state for the holder (JSON; never cached: it carries the token)."""
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        state = holder_state(session, voucher_id, hub.principal(session))
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, from the ``/v/`` scope it controls (never cached by HTTP)."""
    response = Response(SERVICE_WORKER.read_bytes(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/v/"
    response.headers["Cache-Control"] = "no-cache"
    return response
