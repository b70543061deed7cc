"""The ``[center]`` and ``[delivery]`` sections of ``ascc.toml``: defaults, paths, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ascc_plugin.client.settings import CenterSection
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.host import configure, get_plugin_manager
from ascc_plugin.settings import SettingsError, load_settings


def test_outbox_and_log_paths_are_taken_from_the_file_folder(tmp_path: Path) -> None:
    (tmp_path / "ascc.toml").write_text('[center]\noutbox = "data/o.sqlite"\n')
    settings = load_settings(tmp_path / "ascc.toml", env={})
    center, delivery = settings.section(CenterSection), settings.section(DeliverySection)
    assert center.outbox == tmp_path / "data" / "o.sqlite"
    assert delivery.log_file == tmp_path / "ascc-deliveries.jsonl"
    assert delivery.channels == ()
    assert (center.retry_base_seconds, center.retry_cap_seconds) == (1.0, 600.0)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[delivery]\nsubject = "Voucher {secret_code}"', "delivery.subject: Value error, unknown"),
        ('[delivery]\nholder_url = "{center}/v/{"', "delivery.holder_url"),
        ("[center]\ntimeout_seconds = 0", "center.timeout_seconds"),
        ("[delivery]\nsmtp_port = 70000", "delivery.smtp_port"),
        ("[delivery]\nchannel = []", "delivery.channel: Extra inputs are not permitted"),
        ("[deliveries]\nchannels = []", "[deliveries]: unknown section"),
    ],
)
def test_bad_sections_are_refused_with_the_key(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "ascc.toml").write_text(toml + "\n")
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("{", r"\{")):
        load_settings(tmp_path / "ascc.toml", env={})


def test_an_unknown_channel_is_refused_at_start_with_the_ones_offered(tmp_path: Path) -> None:
    (tmp_path / "ascc.toml").write_text('[delivery]\nchannels = ["sms"]\n')
    settings = load_settings(tmp_path / "ascc.toml", env={})
    offered = r"delivery.channels: no channel named 'sms' \(available: email, log\)"
    with pytest.raises(SettingsError, match=offered):
        configure(get_plugin_manager(entrypoints=False), settings)
