"""The security headers of every page response (HTML, scripts, styles, the service worker).

A strict Content-Security-Policy: scripts, styles, images, connections, workers and the
manifest from the app itself only, never inline (no ``unsafe-inline``, no ``unsafe-eval``);
nothing may frame a page; forms post to the app only. ``Referrer-Policy: no-referrer`` keeps a
holder link's voucher id out of other sites' logs (the secret is in the URL fragment, which
browsers never send). HTML is ``no-store``: a shared device keeps no page in its HTTP cache (the
customer page's offline copy is the service worker's, under the page's own control).
"""

from __future__ import annotations

from flask import Response

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


def secure(response: Response) -> Response:
    """``response`` with :data:`HEADERS` (a header a view set itself is kept)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
