"""``[center]``: where a ``center``-mode store forwards its events, how they are signed, how hard
to retry."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ascc_plugin.settings import Section


class CenterSection(Section):
    """The center hub this store forwards to (``ascc center add-gsp`` gives the secret)."""

    SECRETS = frozenset({"signing_secret"})

    url: str = "http://127.0.0.1:5000"
    signing_secret: str = ""
    outbox: Path = Path("ascc-outbox.sqlite")
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_cap_seconds: float = Field(default=600.0, gt=0)
    park_after_hours: float = Field(default=72.0, gt=0)
    """An entry the center keeps answering 5xx is parked once it is this old."""
    park_after_attempts: int = Field(default=0, ge=0)
    """… or after this many attempts (0: no count limit)."""
