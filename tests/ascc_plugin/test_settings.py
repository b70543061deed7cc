"""One settings system: one file for every section, ``ASCC_*`` overrides applied once, and
``ascc config show`` telling where each value came from, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ascc_plugin.cli import build_cli
from ascc_plugin.client.settings import CenterSection
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.settings import SettingsError, load_settings
from center.settings import HubSettings
from tests.common.settings import store_config

ADMIN = "adm_" + "k" * 40
SIGNING = "whsec_" + "A" * 44


def show(path: Path | None, env: dict[str, str] | None = None) -> dict[str, Any]:
    pm = get_plugin_manager()
    args = ["config", "show", "--json", *(["--config", str(path)] if path else [])]
    result = CliRunner(env=env).invoke(build_cli(pm), args, obj=pm)
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.stdout)["settings"]
    return shown


def test_a_store_file_is_shown_with_its_sources_and_masked_secrets(tmp_path: Path) -> None:
    path = store_config(tmp_path, center={"url": "https://hub.example", "signing_secret": SIGNING})
    shown = show(path)
    assert shown["store"]["shop"] == {"value": "demo.myshopify.com", "source": "file"}
    assert shown["store"]["webhook_secret"]["value"] == "…uiet"  # hush-&-quiet
    assert shown["center"]["signing_secret"]["value"] == "…" + SIGNING[-4:]
    assert shown["center"]["timeout_seconds"] == {"value": 5.0, "source": "default"}
    assert set(shown["programs"]) == {"repair-12m", "support-24m"}


def test_a_hub_file_is_shown_and_the_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(f'[hub]\ndatabase_url = "sqlite:///hub.sqlite"\nadmin_key = "{ADMIN}"\n')
    shown = show(path, {"ASCC_PUBLIC_URL": "https://hub.example"})
    assert shown["hub"]["public_url"] == {
        "value": "https://hub.example",
        "source": "env ASCC_PUBLIC_URL",
    }
    assert shown["hub"]["admin_key"] == {"value": "…" + ADMIN[-4:], "source": "file"}
    assert shown["hub"]["keys_dir"]["value"] == str(tmp_path / "center-keys")  # from the file


def test_one_file_holds_the_store_and_the_hub(tmp_path: Path) -> None:
    path = store_config(tmp_path, hub={"database_url": "postgresql://u@db/ascc"})
    settings = load_settings(path, env={"ASCC_DELIVERY_CHANNELS": "log, email"})
    assert settings.section(HubSettings).database_url == "postgresql+psycopg://u@db/ascc"
    assert settings.store.shop == "demo.myshopify.com"
    assert settings.section(DeliverySection).channels == ("log", "email")
    assert settings.sources["delivery.channels"] == "env ASCC_DELIVERY_CHANNELS"
    shown = show(path)
    assert shown["hub"]["database_url"]["source"] == "file" and "store" in shown


def test_env_lists_may_be_json_and_relative_env_paths_stay_relative(tmp_path: Path) -> None:
    env = {"ASCC_DELIVERY_CHANNELS": '["log"]', "ASCC_CENTER_OUTBOX": "rel/o.sqlite"}
    settings = load_settings(store_config(tmp_path), env=env)
    assert settings.section(DeliverySection).channels == ("log",)
    assert settings.section(CenterSection).outbox == Path("rel/o.sqlite")  # from the cwd


def test_a_bad_file_is_a_clear_cli_error_with_file_key_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "ascc.toml"
    path.write_text("[hub]\npage_size = 0\n")
    pm = get_plugin_manager()
    result = CliRunner().invoke(build_cli(pm), ["config", "show", "--config", str(path)], obj=pm)
    assert result.exit_code == 1
    assert f"{path}: hub.page_size: Input should be greater than or equal to 1" in result.stderr
    with pytest.raises(SettingsError, match="no such file"):
        load_settings(tmp_path / "absent.toml")
