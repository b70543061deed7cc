"""CSRF protection for the pages' forms: Flask-WTF's :class:`~flask_wtf.csrf.CSRFProtect`.

Flask has none built in. Flask-WTF is the Pallets-community extension every Flask tutorial
names; its CSRF part alone is used here (no WTForms forms): a random token kept in the signed
session cookie, an HMAC-signed copy of it in every form (``csrf_token()`` in the templates) or in
the ``X-CSRFToken`` header of the pages' own ``fetch`` calls, compared in constant time, and on
HTTPS the ``Referer`` must be this host. Checking is *not* application-wide
(``WTF_CSRF_CHECK_DEFAULT = False``): the JSON API authenticates with bearer keys and is not
exposed to CSRF; each page blueprint opts in with :func:`protect`. A post without a valid token
is refused with 400 (a problem document) and changes nothing.

On HTTPS Flask-WTF also wants a same-origin ``Referer``; the pages' default
``Referrer-Policy: no-referrer`` (:mod:`center.pages.headers`, for the customer's link) would
make browsers send none, so a protected blueprint answers with ``same-origin`` instead: the
``Referer`` still never leaves the site.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response
from flask_wtf.csrf import CSRFProtect

EXTENSION = CSRFProtect()
REFERRER_POLICY = "same-origin"  # forms must carry a Referer for the HTTPS check


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    EXTENSION.init_app(app)


def protect(blueprint: Blueprint) -> Blueprint:
    """Every POST (PUT, PATCH, DELETE) to ``blueprint`` needs the session's CSRF token."""
    blueprint.before_request(EXTENSION.protect)
    blueprint.after_request(same_origin_referrer)
    blueprint.context_processor(lambda: {"referrer_policy": REFERRER_POLICY})
    return blueprint


def same_origin_referrer(response: Response) -> Response:
    """The header and the page's ``<meta name="referrer">`` (which would override the header)
    both say ``same-origin``: the HTTPS Referer check needs the browser to send one."""
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    return response
