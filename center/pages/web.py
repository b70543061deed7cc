"""What every page module uses: the blueprint factory and the one way to render a page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, render_template

from center.pages.headers import secure

TEMPLATES = "templates"


def page_blueprint(name: str, import_name: str, **options: Any) -> Blueprint:
    """A blueprint with the shared templates whose every response gets the security headers
    (``options`` go to :class:`~flask.Blueprint`: ``url_prefix``, ``static_folder`` …)."""
    bp = Blueprint(name, import_name, template_folder=TEMPLATES, **options)
    bp.after_request(secure)
    return bp


def render_page(template: str, status: int = 200, **context: Any) -> Response:
    """``template`` rendered (autoescaped) as an HTML response with ``status``."""
    response = make_response(render_template(template, **context), status)
    response.mimetype = "text/html"
    return response


def not_found(what: str = "This page does not exist.") -> Response:
    """The HTML 404 page: the same answer whatever the reason (no existence oracle)."""
    return render_page("not_found.html", 404, message=what)
