"""The ``gsp`` handler's hub gets exactly the settings its store gives — nothing from ``ASCC_*``
variables meant for a center."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.store.app import create_app
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.settings import load_settings
from center.api.hub import EXTENSION_KEY
from center.gsp import GspHandler
from tests.common.settings import store_config

ADMIN = "adm_" + "k" * 40


def test_an_operator_key_in_the_store_environment_reaches_no_gsp_hub(
    tmp_path: Path, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASCC_ADMIN_KEY", ADMIN)
    monkeypatch.setenv("ASCC_DATABASE_URL", f"sqlite:///{tmp_path / 'center-only.sqlite'}")
    path = store_config(
        tmp_path,
        store={"mode": "gsp"},
        keys={"dir": str(key_dir)},
        delivery={"channels": ["log"], "log_file": "deliveries.jsonl"},
    )
    pm = get_plugin_manager()
    app = create_app(load_settings(path, pm), pm=pm)
    handler = app.extensions["ascc_handler"]
    assert isinstance(handler, GspHandler)
    hub = handler.app.extensions[EXTENSION_KEY]
    assert hub.admin_digest is None
    assert hub.settings.database_url == f"sqlite:///{tmp_path / 'ascc-gsp.sqlite'}"
    assert not (tmp_path / "center-only.sqlite").exists()
    answer = app.test_client().get("/api/v1/records", headers={"Authorization": f"Bearer {ADMIN}"})
    assert answer.status_code == 401 and answer.json["title"] == "Not authenticated"
