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
