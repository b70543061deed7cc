"""The store's ``ascc.toml`` (DESIGN §7), loaded and checked in one place.

An invalid file is refused at load with :class:`ConfigError`, which names the file, the key and
the reason. Relative paths are resolved against the file's folder.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ascc_plugin.programs import Program

TEMPLATE_FIELDS = ("id", "program", "kind", "order_id", "valid_until", "holder_secret", "center")
"""What ``[delivery] subject`` and ``holder_url`` may name in braces."""


class ConfigError(Exception):
    """``ascc.toml`` is missing, unreadable or invalid; the message says where and why."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSection(Section):
    platform: Literal["shopify", "woocommerce"] = "shopify"
    shop: str = Field(default="demo.myshopify.com", min_length=1)
    mode: str = Field(default="preview", min_length=1)
    issue_on: Literal["paid", "fulfilled"] = "paid"
    webhook_secret: str = ""
    previous_webhook_secret: str = ""
    events_log: Path = Path("ascc-events.jsonl")
    state_db: Path = Path("ascc-store.sqlite3")
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=0, le=65535)


class KeysSection(Section):
    dir: Path | None = None
    issuer: str | None = None


class CenterSection(Section):
    """``mode = "center"``: where events go, how they are signed, how hard to retry."""

    url: str = "http://127.0.0.1:5000"
    signing_secret: str = ""
    outbox: Path = Path("ascc-outbox.sqlite")
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_cap_seconds: float = Field(default=600.0, gt=0)


class GspSection(Section):
    """``mode = "gsp"``: the store runs the center's service layer itself, for itself only."""

    database: Path = Path("ascc-gsp.sqlite")
    database_url: str | None = None  # e.g. postgresql://…; overrides ``database``
    public_url: str | None = None  # base of holder links; default http://{host}:{port}


class CatalogSection(Section):
    """``[catalog]``: where ``ascc store sync-products`` reads the storefront's products.

    Shopify: the GraphQL Admin API of ``shop`` (default ``[store] shop``) with an Admin API
    ``access_token`` (scope ``read_products``). WooCommerce: the REST API of ``site_url`` with a
    read-only ``consumer_key``/``consumer_secret`` pair. ``api_url`` replaces the address the
    platform would be reached at (a proxy, or an emulator in tests).
    """

    shop: str = ""
    access_token: str = ""
    api_version: str = Field(default="2025-07", pattern=r"^(\d{4}-\d{2}|unstable)$")
    site_url: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    api_url: str = ""
    page_size: int = Field(default=50, ge=1, le=100)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=8, ge=1, le=100)


class DeliverySection(Section):
    """How newly issued vouchers reach customers (the ``ascc_deliver_voucher`` built-ins)."""

    channels: tuple[Literal["log", "email"], ...] = ()
    log_file: Path = Path("ascc-deliveries.jsonl")
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


class StoreConfig(Section):
    """A whole ``ascc.toml``; ``path`` is where it was read from (``None`` when built in code)."""

    store: StoreSection = StoreSection()
    keys: KeysSection = KeysSection()
    center: CenterSection = CenterSection()
    gsp: GspSection = GspSection()
    delivery: DeliverySection = DeliverySection()
    catalog: CatalogSection = CatalogSection()
    programs: tuple[Program, ...] = ()
    path: Path | None = None

    @model_validator(mode="after")
    def _unique_program_ids(self) -> StoreConfig:
        seen: set[str] = set()
        for program in self.programs:
            if program.id in seen:
                raise ValueError(f"program id {program.id!r} is defined twice")
            seen.add(program.id)
        return self

    @property
    def issuer(self) -> str:
        """The ``iss`` of the tokens this store signs: ``[keys] issuer``, else the shop domain."""
        return self.keys.issuer or self.store.shop


def load_config(path: str | os.PathLike[str]) -> StoreConfig:
    """Read and validate ``ascc.toml``; relative paths in it are taken from its folder."""
    file = Path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc})") from None
    return config_from_mapping(raw, file)


def config_from_mapping(raw: dict[str, Any], file: Path | None = None) -> StoreConfig:
    """Validate an already-parsed configuration (``file`` only names it in errors and paths)."""
    try:
        config = StoreConfig.model_validate({**raw, "path": file})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, file)) from None
    return _resolve_paths(config)


def _describe(exc: ValidationError, file: Path | None) -> str:
    where = str(file) if file else "configuration"
    problems = []
    for error in exc.errors():
        key = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in error["loc"])
        problems.append(f"{where}: {key.replace('.[', '[') or '(top level)'}: {error['msg']}")
    return "\n".join(problems)


def _resolve_paths(config: StoreConfig) -> StoreConfig:
    if config.path is None:
        return config
    base = config.path.parent
    store = config.store.model_copy(
        update={
            "events_log": base / config.store.events_log,
            "state_db": base / config.store.state_db,
        }
    )
    keys = config.keys
    if keys.dir is not None:
        keys = keys.model_copy(update={"dir": base / keys.dir})
    center = config.center.model_copy(update={"outbox": base / config.center.outbox})
    gsp = config.gsp.model_copy(update={"database": base / config.gsp.database})
    delivery = config.delivery.model_copy(update={"log_file": base / config.delivery.log_file})
    update = {"store": store, "keys": keys, "center": center, "gsp": gsp, "delivery": delivery}
    return config.model_copy(update=update)
