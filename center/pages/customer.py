"""``/v/<id>``: the customer's voucher page behind the holder link ``{public_url}/v/{id}#{secret}``.

The server renders the public shell with the voucher id only: the holder secret rides in the
URL fragment, which the browser never sends, so it reaches no server log. The page's script
reads ``location.hash`` and talks to the JSON API as the holder (``Authorization: Bearer
hld_…``). Without JavaScript the page still says what the link is and how to use it.
"""

from __future__ import annotations

import re

from flask import Response

from center.pages.web import not_found, page_blueprint, render_page

bp = page_blueprint("customer_page", __name__, url_prefix="/v")

# Voucher ids as the hub makes them (letters, digits, ``_`` and ``-``); anything else is 404.
VOUCHER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@bp.get("/<voucher_id>")
def voucher_page(voucher_id: str) -> Response:
    if not VOUCHER_ID.fullmatch(voucher_id):
        return not_found()
    return render_page("customer/voucher.html", voucher_id=voucher_id)
