"""The voucher's signed token as a QR code to show at a counter: segno, inline SVG, level M.

segno renders SVG with no dependencies (NOTES, "pages in a real browser"). Level M exactly (no
error-level boost, so the code stays as coarse as the token allows), a 4-module quiet zone, a
``viewBox`` so the stylesheet sizes it (≥ 160 px on screen), black on an opaque white square.
"""

from __future__ import annotations

import segno

ERROR_LEVEL = "m"
QUIET_ZONE = 4


def token_svg(token: str, title: str = "QR code of your voucher") -> str:
    """The inline ``<svg>`` of ``token`` (no XML declaration, no script, no style)."""
    code = segno.make(token, error=ERROR_LEVEL, boost_error=False, micro=False)
    return str(
        code.svg_inline(
            scale=1,
            border=QUIET_ZONE,
            dark="#000",
            light="#fff",
            omitsize=True,
            title=title,
            svgclass="qr-code",
            lineclass=None,
        )
    )
