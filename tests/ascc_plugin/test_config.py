from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ascc_plugin.settings import SettingsError, load_settings
from tests.common.fixtures import SAMPLES

RULE = '[[programs]]\nid = "r"\nkind = "repair"\nterm_months = 1\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ascc.toml"
    path.write_text(text)
    return path


def test_the_sample_config_loads_exactly_as_written() -> None:
    config = load_settings(SAMPLES / "ascc.toml")
    repair = config.programs[0]
    assert (config.store.platform, config.store.mode, config.store.issue_on) == (
        "shopify",
        "preview",
        "paid",
    )
    assert repair.match.product_type == ("Electronics",)
    assert repair.match.min_unit_price == Decimal("50.00")
    assert repair.incentive == {5: Decimal("10.00"), 4: Decimal("5.00"), 3: Decimal("0.00")}
    assert config.programs[2].match.sku is None  # no match table: every line


def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, '[store]\nevents_log = "log.jsonl"\n[keys]\ndir = "keys"\n')
    config = load_settings(path)
    assert config.store.events_log == tmp_path / "log.jsonl"
    assert config.keys.dir == tmp_path / "keys"


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        (
            '[[programs]]\nid = "r"\nkind = "repair"\nterm_months = 0\n',
            "programs[0].term_months",
            "greater than 0",
        ),
        (
            RULE + 'match = { colour = ["red"] }\n',
            "programs[0].match.colour",
            "Extra inputs",
        ),
        (
            RULE + "match = { min_unit_price = 5.5 }\n",
            "programs[0].match.min_unit_price",
            "not the float 5.5",
        ),
        (
            RULE + 'incentive = { "9" = "1.00" }\n',
            "programs[0].incentive",
            "outside 1–5",
        ),
        ('[store]\nissue_on = "shipped"\n', "store.issue_on", "'paid' or 'fulfilled'"),
        ('[stor]\nshop = "x"\n', "[stor]", "unknown section"),
        ('[store]\nshopp = "x"\n', "store.shopp", "Extra inputs"),
        (
            '[[programs]]\nid = "a"\nkind = "k"\nterm_months = 1\n'
            '[[programs]]\nid = "a"\nkind = "k"\nterm_months = 2\n',
            "programs[1].id",
            "defined twice",
        ),
    ],
)
def test_invalid_config_names_file_key_and_reason(
    tmp_path: Path, text: str, where: str, why: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {where}: ")
    assert why in message


def test_missing_and_broken_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such file"):
        load_settings(tmp_path / "absent.toml")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(_write(tmp_path, "[store\n"))
