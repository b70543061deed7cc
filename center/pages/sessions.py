"""Sign-in for the provider console and the operator dashboard: the session cookie.

A person types the key once (``prv_…`` on ``/provider/``, ``adm_…`` on ``/admin/``); the key is
checked as the API checks a bearer key (:func:`center.parties.auth.resolve`) and exchanged for a
server-side session (:mod:`center.parties.sessions`). The cookie — Flask's signed session,
``Secure``, ``HttpOnly``, ``SameSite=Lax``, living ``[hub] page_session_minutes`` — holds the
session's random token and the CSRF token, never the key. Signing in clears the cookie's old
content and opens a new session (rotation: a token planted before sign-in is worthless); signing
out deletes the session row, so the cookie is dead even if it was copied. A wrong key is a 401
page and counts as an authentication failure for the rate limits (:mod:`center.infra.limits`).

The cookie is signed with ``[hub] secret_key`` or else the key folder's ``pages.key`` (made 0600
on first start, shared by every worker on the folder).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from center.api.hub import current_hub
from center.infra.problems import Unauthorized
from center.pages import csrf
from center.parties import auth, keys
from center.parties import sessions as staff
from center.parties.auth import Kind, Principal
from center.settings import HubSettings

KEY_FILE = "pages.key"
COOKIE = "ascc_staff"
SID = "sid"  # the session field holding the session token
READS = "ascc_reads"  # g: the read transaction of a page GET
MAX_KEY_LENGTH = 200
F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask, settings: HubSettings) -> None:
    """Cookie flags, the signing key and CSRF protection for the pages."""
    app.secret_key = settings.secret_key or signing_key(settings.keys_dir)
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=lifetime(settings),
        # the server-side session's expiry is fixed at sign-in: re-signing and re-sending the
        # cookie on every page would extend nothing (and costs a zlib + HMAC per request)
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    csrf.init_app(app)


def lifetime(settings: HubSettings) -> timedelta:
    return timedelta(minutes=settings.page_session_minutes)


def signing_key(folder: Path) -> str:
    """The key folder's cookie-signing key, made once (0600): written whole to a file of its own,
    then linked into place, so a worker starting beside another never reads half a key."""
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".{KEY_FILE}.{secrets.token_hex(8)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker was first: its key is the one
        finally:
            draft.unlink()
    return path.read_text().strip()


def current_party() -> Principal | None:
    """The signed-in party of this request (checked against the database once per request, in
    one indexed statement: the session row joined to its provider)."""
    if "ascc_staff" not in g:
        token = session.get(SID)
        party = None
        if isinstance(token, str):
            hub = current_hub()
            with reading() as db:
                party = staff.session_party(db, token, hub.admin_digest, hub.clock())
        g.ascc_staff = party
    return cast(Principal | None, g.ascc_staff)


@contextmanager
def reading() -> Iterator[Session]:
    """The request's read transaction: on a page ``GET`` the one :func:`signed_in` opened for
    the session check (so the check and the page's reads share one transaction), else a new
    one."""
    held = g.get(READS)
    if held is not None:
        yield held
        return
    with current_hub().database.transaction(write=False) as db:
        yield db


SIGNIN_TEMPLATE = "console/signin.html"


def mount_sign_in(bp: Blueprint, kind: Kind, who: str) -> Callable[[F], F]:
    """``GET``/``POST /signin`` and ``POST /signout`` on ``bp`` for ``kind``'s key; returns the
    guard of ``bp``'s views (:func:`signed_in`). After sign-in the person lands on ``bp``'s
    ``home`` view."""
    signin_endpoint = f"{bp.name}.signin"
    page = {"who": who, "prefix": keys.PROVIDER_PREFIX if kind == Kind.PROVIDER else keys.ADMIN}

    def form() -> dict[str, str]:
        return {**page, "action": url_for(signin_endpoint)}

    @bp.get("/signin", endpoint="signin")
    def signin_page() -> str:
        return render_template(SIGNIN_TEMPLATE, failed=False, **form())

    @bp.post("/signin", endpoint="signin_post")
    def signin_post() -> Response | tuple[str, int]:
        return sign_in(kind, SIGNIN_TEMPLATE, f"{bp.name}.home", form())

    @bp.post("/signout", endpoint="signout")
    def signout() -> Response:
        return sign_out(signin_endpoint)

    return signed_in(kind, signin_endpoint)


def signed_in(kind: Kind, signin_endpoint: str) -> Callable[[F], F]:
    """A view for a signed-in ``kind`` only; others are sent to ``signin_endpoint`` (303).

    A ``GET`` (a page read) runs in one read transaction with the session check
    (:func:`reading`); a form's ``POST`` checks the session, then writes in its own."""

    def decorate(view: F) -> F:
        def checked_view(*args: Any, **kwargs: Any) -> Any:
            party = current_party()
            if party is None or party.kind != kind:
                return redirect(url_for(signin_endpoint), 303)
            return view(*args, **kwargs)

        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if request.method != "GET" or READS in g:
                return checked_view(*args, **kwargs)
            with current_hub().database.transaction(write=False) as db:
                g.setdefault(READS, db)
                try:
                    return checked_view(*args, **kwargs)
                finally:
                    g.pop(READS, None)

        return cast(F, guarded)

    return decorate


def party_id() -> str:
    """The signed-in party's id (inside a :func:`signed_in` view)."""
    party = current_party()
    assert party is not None and party.id is not None
    return party.id


def sign_in(
    kind: Kind, template: str, home: str, page: dict[str, str]
) -> Response | tuple[str, int]:
    """The sign-in form's POST: a new session for the key of ``kind``, else a 401 page."""
    key = (request.form.get("key") or "").strip()
    hub = current_hub()
    with hub.database.transaction() as db:
        party = checked(db, key, kind, hub.admin_digest)
        if party is None:
            return render_template(template, failed=True, **page), 401
        opened = staff.open_session(db, party, key, hub.clock(), lifetime(hub.settings))
    session.clear()  # rotation: nothing from before sign-in survives, the CSRF token included
    session[SID] = opened.token
    session.permanent = True
    return redirect(url_for(home), 303)


def checked(db: Any, key: str, kind: Kind, admin_digest: str | None) -> Principal | None:
    """The party ``key`` authenticates if it is a ``kind`` key, else ``None``."""
    prefix = keys.PROVIDER_PREFIX if kind == Kind.PROVIDER else keys.ADMIN
    if not key.startswith(prefix) or len(key) > MAX_KEY_LENGTH or not key.isascii():
        return None
    try:
        party = auth.resolve(db, f"Bearer {key}", admin_digest)
    except Unauthorized:
        return None
    return party if party.kind == kind else None


def sign_out(signin_endpoint: str) -> Response:
    """End the session (the row goes, so a copied cookie is dead too) and forget the cookie."""
    token = session.get(SID)
    if isinstance(token, str):
        with current_hub().database.transaction() as db:
            staff.close_session(db, token)
    session.clear()
    return redirect(url_for(signin_endpoint), 303)
