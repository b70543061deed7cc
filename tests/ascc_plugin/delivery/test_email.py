"""The email channel against a real SMTP server on loopback (aiosmtpd): link, subject, QR code."""

from __future__ import annotations

import email
import io
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import segno
import zxingcpp
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from PIL import Image

from ascc_plugin.delivery.email import EmailChannel
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.keys import KeyRing
from ascc_plugin.models import Customer
from ascc_plugin.tokens import Signer
from ascc_plugin.vouchers import Voucher

QR = zxingcpp.BarcodeFormat.QRCode
CENTER = "https://center.example"


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int, list[str]]]:
    mailbox, logins = Mailbox(), []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append(auth_data.login.decode())
        return AuthResult(success=auth_data.password == b"right")

    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield mailbox, port, logins
    controller.stop()


@pytest.fixture
def voucher(tmp_path: Path) -> Voucher:
    from ascc_plugin.keys import generate_key

    generate_key(tmp_path / "keys")
    signer = Signer(KeyRing.load(tmp_path / "keys"), "demo.myshopify.com")
    plain = Voucher(
        id="ME13-S9JW-J6MS-PK8P-S",
        program="repair-12m",
        kind="repair",
        order_id="5001",
        line_id="L1",
        unit=0,
        valid_until=datetime(2027, 11, 2, tzinfo=UTC),
        holder_secret="hld_abc",
        holder_url=f"{CENTER}/v/ME13-S9JW-J6MS-PK8P-S#hld_abc",
    )
    return plain.model_copy(update={"token": signer.sign_voucher(plain, datetime.now(UTC))})


def decoded(image: Image.Image) -> set[str]:
    """The texts of the QR codes zxing-cpp finds in ``image``."""
    return {barcode.text for barcode in zxingcpp.read_barcodes(image, formats=QR)}


def settings(port: int, **extra: Any) -> DeliverySection:
    return DeliverySection(
        channels=("email",),
        smtp_port=port,
        smtp_from="shop@example.com",
        link_base=CENTER,
        **extra,
    )


def received(mailbox: Mailbox) -> EmailMessage:
    (envelope,) = mailbox.envelopes
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_customer_gets_the_link_and_a_qr_code_of_the_token(smtp, voucher: Voucher) -> None:
    mailbox, port, _ = smtp
    customer = Customer(email="ada@example.com", name="Ada Lovelace")
    EmailChannel(settings(port)).ascc_deliver_voucher(voucher, customer)
    (envelope,) = mailbox.envelopes
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert envelope.mail_from == "shop@example.com"
    message = received(mailbox)
    assert message["Subject"] == "Your repair voucher ME13-S9JW-J6MS-PK8P-S"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert voucher.holder_url in text and "Hello Ada Lovelace," in text
    assert f'href="{voucher.holder_url}"' in html and "<svg" in html
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "image/png"
    assert attachment.get_filename() == "voucher-ME13-S9JW-J6MS-PK8P-S.png"
    png = attachment.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    expected = segno.make_qr(voucher.token, error="m", boost_error=False)
    assert expected.error == "M"
    assert image.size == expected.symbol_size(scale=6, border=4)
    assert decoded(image) == {voucher.token}


def test_the_inline_svg_holds_the_same_code(smtp, voucher: Voucher) -> None:
    mailbox, port, _ = smtp
    EmailChannel(settings(port)).ascc_deliver_voucher(voucher, Customer(email="ada@example.com"))
    html = received(mailbox).get_body(("html",)).get_content()
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    expected = segno.make_qr(voucher.token, error="m", boost_error=False)
    assert svg == expected.svg_inline(scale=4, border=4)


def test_a_voucher_without_a_token_carries_its_link_in_the_code(smtp, voucher: Voucher) -> None:
    mailbox, port, _ = smtp
    plain = voucher.model_copy(update={"token": None, "holder_url": None})
    channel = EmailChannel(settings(port, subject="{program}: {id} until {valid_until}"))
    channel.ascc_deliver_voucher(plain, Customer(email="ada@example.com"))
    message = received(mailbox)
    assert message["Subject"] == "repair-12m: ME13-S9JW-J6MS-PK8P-S until 2027-11-02"
    link = f"{CENTER}/v/ME13-S9JW-J6MS-PK8P-S#hld_abc"  # the [delivery] holder_url template
    (attachment,) = list(message.iter_attachments())
    assert decoded(Image.open(io.BytesIO(attachment.get_content()))) == {link}


def test_the_channel_logs_in_when_a_username_is_set(smtp, voucher: Voucher) -> None:
    mailbox, port, logins = smtp
    good = settings(port, smtp_username="shop", smtp_password="right")
    EmailChannel(good).ascc_deliver_voucher(voucher, Customer(email="a@example.com"))
    assert logins == ["shop"] and len(mailbox.envelopes) == 1


def test_guests_without_an_address_are_skipped_with_a_log_line(
    smtp, voucher: Voucher, caplog: pytest.LogCaptureFixture
) -> None:
    mailbox, port, _ = smtp
    channel = EmailChannel(settings(port))
    with caplog.at_level(logging.INFO, logger="ascc_plugin.delivery.email"):
        channel.ascc_deliver_voucher(voucher, None)
        channel.ascc_deliver_voucher(voucher, Customer(name="No Mail"))
    assert mailbox.envelopes == []
    assert caplog.text.count("has no email address; skipped") == 2


@pytest.mark.parametrize(
    ("case", "reason"),
    [("down", "Connection refused"), ("header", "linefeed")],
)
def test_failures_are_logged_not_raised(
    smtp, voucher: Voucher, caplog: pytest.LogCaptureFixture, case: str, reason: str
) -> None:
    mailbox, port, _ = smtp
    config = {
        "down": settings(free_port()),
        "header": settings(port),
    }[case]
    address = "eve@example.com\r\nBcc: all@example.com" if case == "header" else "a@example.com"
    with caplog.at_level(logging.ERROR):
        EmailChannel(config).ascc_deliver_voucher(voucher, Customer(email=address))
    assert "was not sent" in caplog.text and reason in caplog.text
    assert mailbox.envelopes == []
