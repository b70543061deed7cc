"""Fixtures for the core's tests: the sample store file with a key folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.common.settings import sample_programs, store_config


@pytest.fixture
def store_toml(tmp_path: Path, key_dir: Path) -> Path:
    """The sample store (preview mode, the sample programs) signing with ``key_dir``."""
    return store_config(
        tmp_path,
        store={"mode": "preview", "webhook_secret": "sample-webhook-secret"},
        keys={"dir": str(key_dir)},
        programs=sample_programs(),
    )
