"""``[delivery]``: which channels hand vouchers to customers, and their settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from ascc_plugin.settings import Section

TEMPLATE_FIELDS = ("id", "program", "kind", "order_id", "valid_until", "holder_secret", "center")
"""What ``[delivery] subject`` and ``holder_url`` may name in braces."""


class DeliverySection(Section):
    """How newly issued vouchers reach customers (channels by name, then each one's settings)."""

    SECRETS = frozenset({"smtp_password"})

    channels: tuple[str, ...] = ()
    log_file: Path = Path("ascc-deliveries.jsonl")
    link_base: str = ""
    holder_url: str = "{center}/v/{id}#{holder_secret}"
    subject: str = "Your {kind} voucher {id}"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_from: str = "ascc@localhost"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("subject", "holder_url")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        sample = dict.fromkeys(TEMPLATE_FIELDS, "x")
        try:
            value.format_map(sample)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ValueError(f"unknown field {exc} (known: {', '.join(TEMPLATE_FIELDS)})") from None
        return value
