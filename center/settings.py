"""The hub's settings sections: ``[hub]`` (the center itself) and ``[gsp]`` (a store that runs
the hub's service layer for itself).

Both are registered through ``ascc_register_settings`` (:mod:`center.plugin`) and loaded by the
one loader, :func:`ascc_plugin.settings.load_settings`: ``ASCC_HUB_<KEY>`` or the short forms
below override the file. :func:`center.create_app` takes a :class:`HubSettings` and reads no
environment: the ``gsp`` handler hands its hub exactly the settings its store gives.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ascc_plugin.issuing import MAX_VOUCHERS_PER_EVENT
from ascc_plugin.settings import Section

ADMIN_PREFIX = "adm_"
SHORT_FORMS = (
    "database_url",
    "redis_url",
    "keys_dir",
    "admin_key",
    "secret_key",
    "public_url",
    "issuer",
    "issue_on",
    "max_content_length",
    "db_pool_size",
    "db_max_overflow",
    "replay_secrets_days",
    "webhook_allow_http",
    "webhook_allow_networks",
    "log_format",
    "secrets_key",
)


class RewardRules(BaseModel):
    """The reward half's rules, the same keys in ``[hub]`` and in ``[gsp]``."""

    incentive_hold_hours: int = Field(default=72, ge=0, le=24 * 365)
    """An incentive is redeemable only this long after it was issued (chargebacks, disputes)."""
    incentive_lapse_days: int = Field(default=30, ge=1, le=3650)
    """An incentive not released to the provider within this many days lapses."""
    incentive_pair_limit: int = Field(default=3, ge=1)
    """At most this many incentives per (customer, provider) in ``incentive_pair_days``."""
    incentive_pair_days: int = Field(default=30, ge=1)
    rating_prior_weight: int = Field(default=5, ge=0, le=1000)
    """Bayesian rating: how many marketplace-mean scores every provider starts with."""

    def reward_rules(self) -> RewardRules:
        """These rules alone (what the reward services take)."""
        return RewardRules(**{key: getattr(self, key) for key in RewardRules.model_fields})


class HubSettings(RewardRules, Section):
    """``[hub]``: the center hub's database, keys, links and limits."""

    ENV_ALIASES = MappingProxyType({f"ASCC_{key.upper()}": key for key in SHORT_FORMS})
    SECRETS = frozenset({"admin_key", "secret_key", "secrets_key"})

    database_url: str = "sqlite:///ascc-center.sqlite"
    redis_url: str | None = None
    keys_dir: Path = Path("center-keys")
    issuer: str = Field(default="ascc-center", min_length=1, max_length=255)
    public_url: str = "http://127.0.0.1:5000"
    admin_key: str | None = None
    secret_key: str | None = None
    issue_on: Literal["paid", "fulfilled"] = "paid"
    webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    replay_secrets_days: int = Field(default=30, ge=0)
    page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=200, ge=1)
    max_content_length: int = Field(default=1024 * 1024, gt=0)
    max_vouchers_per_event: int = Field(default=MAX_VOUCHERS_PER_EVENT, ge=1)
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pre_ping: bool = False
    sqlite_synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "NORMAL"
    sqlite_busy_timeout: int = Field(default=30, ge=0)
    # The channel (center.channel): the WebSocket relay between a voucher's holder and provider.
    redis_prefix: str = Field(default="ascc:", max_length=100)
    channel_ping_seconds: float = Field(default=25.0, ge=1, le=300)
    channel_max_message_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    channel_rate_per_second: float = Field(default=5.0, gt=0)
    channel_burst: int = Field(default=20, ge=1)
    channel_ticket_seconds: int = Field(default=60, ge=5, le=3600)
    channel_poll_seconds: float = Field(default=5.0, gt=0, le=300)
    channel_max_sockets: int = Field(default=100, ge=1, le=100_000)
    channel_origins: tuple[str, ...] = ()
    channel_group_commit: bool = True
    """Store the sends of many sockets of a process in one transaction (center.channel.commits)."""
    # Outbound webhooks and the worker (center.webhooks, center.worker).
    webhook_allow_http: bool = False  # http:// subscriber URLs, for development only
    webhook_allow_networks: tuple[str, ...] = ()  # e.g. ["127.0.0.0/8"]: admitted beyond global
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_cap_seconds: float = Field(default=3600.0, gt=0)
    worker_batch: int = Field(default=100, ge=1, le=1000)
    worker_threads: int = Field(default=8, ge=1, le=64)
    worker_idle_seconds: float = Field(default=1.0, gt=0, le=60)
    expiry_interval_seconds: float = Field(default=60.0, gt=0)
    log_format: Literal["text", "json"] = "text"
    metrics_public: bool = False  # /metrics without the operator key
    # The hub's own delivery (center.handover): channels by name, set up by [delivery].
    delivery_channels: tuple[str, ...] = ()
    # The pages (center.pages): a provider's or the operator's sign-in lasts this long.
    page_session_minutes: int = Field(default=60, ge=1, le=24 * 60)

    @field_validator("webhook_allow_networks")
    @classmethod
    def _networks(cls, networks: tuple[str, ...]) -> tuple[str, ...]:
        """Each entry a network such as ``127.0.0.0/8`` or ``::1/128``."""
        for network in networks:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad one
        return networks

    rate_limits: bool = True
    auth_failures_per_address: str = "30/minute"
    auth_failures_per_key: str = "10/minute"
    rate_limit_namespace: str = Field(default="ascc", max_length=100)
    secrets_key: str | None = None

    @field_validator("auth_failures_per_address", "auth_failures_per_key")
    @classmethod
    def _rate_limit(cls, text: str) -> str:
        """A rate limit such as ``30/minute`` or ``100 per hour``."""
        from limits import parse_many

        try:
            parse_many(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a rate limit such as '30/minute'") from None
        return text

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        """``postgresql://`` and ``postgres://`` run on psycopg 3; SQLite as given."""
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        if not url.startswith(("sqlite:", "postgresql+")):
            raise ValueError(f"unsupported database {url.split(':', 1)[0]!r}")
        return url

    @field_validator("admin_key")
    @classmethod
    def _operator_key(cls, key: str | None) -> str | None:
        if not key:
            return None
        if not key.startswith(ADMIN_PREFIX) or len(key) < 24:
            raise ValueError(f"must start with {ADMIN_PREFIX!r} and hold 20+ characters")
        return key


class GspSection(RewardRules, Section):
    """``[gsp]`` (``mode = "gsp"``): the store runs the center's service layer, for itself only."""

    database: Path = Path("ascc-gsp.sqlite")
    database_url: str | None = None  # e.g. postgresql://…; overrides ``database``
    public_url: str | None = None  # base of holder links; default http://{host}:{port}
    webhook_allow_http: bool = False  # outbound webhooks to http:// URLs (development)
    webhook_allow_networks: tuple[str, ...] = ()  # admitted beyond global addresses
