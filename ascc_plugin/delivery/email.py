"""The email delivery channel: the holder link and a QR code of the voucher token, over SMTP.

The message (stdlib :class:`~email.message.EmailMessage`) has a plain-text part, an HTML part with
the QR code as inline SVG, and the same QR code as a PNG attachment (mail clients that strip SVG
still show it). The QR code (segno: pure Python, no image library; error level M, 4-module quiet
zone) holds the voucher's signed token, which a provider verifies offline; a voucher without a
token gets its holder link instead. Guest orders without an email address are skipped.
"""

from __future__ import annotations

import html
import io
import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

import segno

from ascc_plugin.delivery.links import holder_link, template_fields
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.hooks import hookimpl
from ascc_plugin.models import Customer
from ascc_plugin.vouchers import Voucher

log = logging.getLogger(__name__)

QR_ERROR = "m"
QR_BORDER = 4
PNG_SCALE = 6
SVG_SCALE = 4


def qr_code(payload: str) -> segno.QRCode:
    """A QR code of ``payload`` at exactly level M (no silent boost)."""
    return segno.make_qr(payload, error=QR_ERROR, boost_error=False)


def qr_png(payload: str) -> bytes:
    out = io.BytesIO()
    qr_code(payload).save(out, kind="png", scale=PNG_SCALE, border=QR_BORDER)
    return out.getvalue()


def qr_svg(payload: str) -> str:
    svg: str = qr_code(payload).svg_inline(scale=SVG_SCALE, border=QR_BORDER)
    return svg


def qr_payload(voucher: Voucher, link: str) -> str:
    return voucher.token or link


def build_message(voucher: Voucher, customer: Customer, settings: DeliverySection) -> EmailMessage:
    """The voucher email to ``customer.email`` (``ValueError`` for an unusable address)."""
    link = holder_link(voucher, settings)
    payload = qr_payload(voucher, link)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = customer.email or ""
    message["Subject"] = settings.subject.format_map(template_fields(voucher, settings))
    message.set_content(text_body(voucher, customer, link))
    message.add_alternative(html_body(voucher, customer, link, qr_svg(payload)), subtype="html")
    png = qr_png(payload)
    message.add_attachment(
        png, maintype="image", subtype="png", filename=f"voucher-{voucher.id}.png"
    )
    return message


def greeting(customer: Customer) -> str:
    return f"Hello {customer.name}," if customer.name else "Hello,"


def text_body(voucher: Voucher, customer: Customer, link: str) -> str:
    return (
        f"{greeting(customer)}\n\n"
        f"your {voucher.kind} voucher {voucher.id} for order {voucher.order_id} is ready.\n"
        f"It is valid until {voucher.valid_until.date().isoformat()}.\n\n"
        f"Open it here (this link is yours alone, keep it private):\n{link}\n\n"
        "Show the attached QR code to the service provider you choose.\n"
    )


def html_body(voucher: Voucher, customer: Customer, link: str, svg: str) -> str:
    e = html.escape
    return (
        f"<p>{e(greeting(customer))}</p>"
        f"<p>your {e(voucher.kind)} voucher <strong>{e(voucher.id)}</strong> for order "
        f"{e(voucher.order_id)} is ready. It is valid until "
        f"{e(voucher.valid_until.date().isoformat())}.</p>"
        f'<p><a href="{e(link)}">Open your voucher</a> (this link is yours alone).</p>'
        f"<p>Show this code to the service provider you choose:</p>{svg}"
    )


class EmailChannel:
    """Sends one email per delivered voucher through ``[delivery] smtp_*``."""

    def __init__(
        self,
        settings: DeliverySection,
        smtp_factory: Callable[..., smtplib.SMTP] = smtplib.SMTP,
    ) -> None:
        self.settings = settings
        self.smtp_factory = smtp_factory

    @hookimpl
    def ascc_deliver_voucher(self, voucher: Voucher, customer: Customer | None) -> None:
        try:
            self.deliver(voucher, customer)
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            log.error("email: voucher %s was not sent: %s", voucher.id, exc)

    def deliver(self, voucher: Voucher, customer: Customer | None) -> None:
        """Send the email now; raises when it was not sent (durable senders retry on that)."""
        if customer is None or not customer.email:
            log.info("email: voucher %s: the order has no email address; skipped", voucher.id)
            return
        self.send(build_message(voucher, customer, self.settings))

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with self.smtp_factory(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)
