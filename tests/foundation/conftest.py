"""Fixtures for the foundation tests: sample events, programs and key folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ascc_plugin.keys import generate_key
from ascc_plugin.models import OrderEvent

SAMPLES = Path(__file__).resolve().parents[2] / "ascc_plugin" / "samples"


@pytest.fixture
def sample_event_json() -> dict:
    return json.loads((SAMPLES / "order-paid.json").read_text())


@pytest.fixture
def sample_event(sample_event_json: dict) -> OrderEvent:
    return OrderEvent.model_validate(sample_event_json)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    generate_key(folder)
    return folder


@pytest.fixture
def store_toml(tmp_path: Path, key_dir: Path) -> Path:
    text = (SAMPLES / "ascc.toml").read_text() + f'\n[keys]\ndir = "{key_dir}"\n'
    path = tmp_path / "ascc.toml"
    path.write_text(text)
    return path
