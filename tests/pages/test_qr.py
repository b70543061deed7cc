"""The QR code of a voucher's token: level M, a 4-module quiet zone, read back by a scanner."""

from __future__ import annotations

import io
import secrets

import segno
import zxingcpp
from PIL import Image

from center.pages.qr import ERROR_LEVEL, QUIET_ZONE, token_svg


def test_the_code_is_level_m_and_reads_back_as_the_token() -> None:
    token = "eyJhbGciOiJFZERTQSJ9." + secrets.token_urlsafe(300) + "." + secrets.token_urlsafe(64)
    svg = token_svg(token)
    assert svg.startswith("<svg") and 'class="qr-code"' in svg and "viewBox" in svg
    assert "<script" not in svg and "style=" not in svg
    code = segno.make(token, error=ERROR_LEVEL, boost_error=False, micro=False, mask=0)
    assert code.error == "M" and QUIET_ZONE == 4
    png = io.BytesIO()
    code.save(png, kind="png", scale=4, border=QUIET_ZONE)
    png.seek(0)
    found = zxingcpp.read_barcodes(Image.open(png))
    assert [result.text for result in found] == [token]
    assert token_svg(token) is svg  # kept: a token never changes
