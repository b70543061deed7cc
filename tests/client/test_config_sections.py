"""The ``[center]`` and ``[delivery]`` sections of ``ascc.toml``: defaults, paths, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ascc_plugin.config import ConfigError, load_config


def test_outbox_and_log_paths_are_taken_from_the_file_folder(tmp_path: Path) -> None:
    (tmp_path / "ascc.toml").write_text('[center]\noutbox = "data/o.sqlite"\n')
    config = load_config(tmp_path / "ascc.toml")
    assert config.center.outbox == tmp_path / "data" / "o.sqlite"
    assert config.delivery.log_file == tmp_path / "ascc-deliveries.jsonl"
    assert config.delivery.channels == ()
    assert (config.center.retry_base_seconds, config.center.retry_cap_seconds) == (1.0, 600.0)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[delivery]\nsubject = "Voucher {secret_code}"', "delivery.subject: Value error, unknown"),
        ('[delivery]\nholder_url = "{center}/v/{"', "delivery.holder_url"),
        ('[delivery]\nchannels = ["sms"]', "delivery.channels[0]"),
        ("[center]\ntimeout_seconds = 0", "center.timeout_seconds"),
        ("[delivery]\nsmtp_port = 70000", "delivery.smtp_port"),
    ],
)
def test_bad_sections_are_refused_with_the_key(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "ascc.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("{", r"\{")):
        load_config(tmp_path / "ascc.toml")
