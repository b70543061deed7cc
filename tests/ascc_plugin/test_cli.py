"""The built-in commands, through click's runner and, once, as the installed console script."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from simulator.services import ascc as ascc_process

SAMPLE_EVENT = Path(__file__).resolve().parents[2] / "ascc_plugin" / "samples" / "order-paid.json"


def ascc(*args: str) -> Result:
    pm = get_plugin_manager(entrypoints=False)
    return CliRunner().invoke(build_cli(pm), list(args), obj=pm)


def preview_json(event: Path, config: Path) -> dict:
    result = ascc("vouchers", "preview", "--json", "--event", str(event), "--config", str(config))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_keys_generate_prints_the_kid_and_writes_the_jwks(tmp_path: Path) -> None:
    result = ascc("keys", "generate", "--out", str(tmp_path / "k"))
    assert result.exit_code == 0
    kid = result.stdout.strip()
    assert [k["kid"] for k in json.loads((tmp_path / "k" / "jwks.json").read_text())["keys"]] == [
        kid
    ]
    assert (tmp_path / "k" / f"signing-{kid}.pem").exists()


def test_keys_generate_into_a_file_path_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = ascc("keys", "generate", "--out", str(tmp_path / "file" / "k"))
    assert result.exit_code == 1
    assert "cannot write keys" in result.stderr


def test_preview_prints_the_same_ids_twice_with_verifiable_tokens(
    store_toml: Path, key_dir: Path
) -> None:
    first = preview_json(SAMPLE_EVENT, store_toml)
    second = preview_json(SAMPLE_EVENT, store_toml)
    vouchers = first["vouchers"]
    assert [v["id"] for v in vouchers] == [v["id"] for v in second["vouchers"]]
    assert {v["program"] for v in vouchers} == {"repair-12m", "install-1m", "support-24m"}
    assert all("holder_secret" not in v for v in vouchers)
    verified = ascc("tokens", "verify", vouchers[0]["token"], "--jwks", str(key_dir / "jwks.json"))
    assert verified.exit_code == 0
    assert json.loads(verified.stdout)["sub"] == vouchers[0]["id"]


def test_preview_without_keys_has_no_tokens(tmp_path: Path) -> None:
    config = tmp_path / "ascc.toml"
    config.write_text('[[programs]]\nid = "s"\nkind = "support"\nterm_months = 1\n')
    vouchers = preview_json(SAMPLE_EVENT, config)["vouchers"]
    assert [("token" in v) for v in vouchers] == [False, False, False]


def test_preview_refuses_a_bad_config_with_file_key_and_reason(tmp_path: Path) -> None:
    config = tmp_path / "ascc.toml"
    config.write_text('[[programs]]\nid = "s"\nkind = "support"\nterm_months = -1\n')
    result = ascc("vouchers", "preview", "--event", str(SAMPLE_EVENT), "--config", str(config))
    assert result.exit_code == 1
    assert f"{config}: programs[0].term_months: Input should be greater than 0" in result.stderr


def test_preview_refuses_a_bad_event_naming_the_field(tmp_path: Path, store_toml: Path) -> None:
    event = json.loads(SAMPLE_EVENT.read_text())
    event["order"]["lines"][0]["quantity"] = -1
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = ascc("vouchers", "preview", "--event", str(path), "--config", str(store_toml))
    assert result.exit_code == 1
    assert "order.lines.0.quantity" in result.stderr
    missing = ascc("vouchers", "preview", "--event", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_tokens_verify_gives_the_reason_and_exit_1(store_toml: Path, key_dir: Path) -> None:
    token = preview_json(SAMPLE_EVENT, store_toml)["vouchers"][0]["token"]
    head, body, signature = token.split(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    tampered = f"{head}.{body}.{flipped}"
    result = ascc("tokens", "verify", tampered, "--jwks", str(key_dir / "jwks.json"))
    assert result.exit_code == 1
    assert "token refused: bad signature" in result.stderr
    garbage = ascc("tokens", "verify", "garbage", "--jwks", str(key_dir / "jwks.json"))
    assert garbage.exit_code == 1 and "token refused: malformed" in garbage.stderr
    no_jwks = ascc("tokens", "verify", token, "--jwks", str(key_dir / "absent.json"))
    assert no_jwks.exit_code == 1 and "cannot read the JWKS" in no_jwks.stderr


@pytest.fixture
def jwks_server(key_dir: Path) -> Iterator[str]:
    handler = partial(SimpleHTTPRequestHandler, directory=str(key_dir))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()
    thread.join()
    server.server_close()


def test_tokens_verify_reads_the_jwks_from_a_url(store_toml: Path, jwks_server: str) -> None:
    token = preview_json(SAMPLE_EVENT, store_toml)["vouchers"][0]["token"]
    result = ascc("tokens", "verify", token, "--jwks", jwks_server)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["iss"] == "demo.myshopify.com"


def test_the_console_script_runs_with_help_everywhere() -> None:
    for args in ([], ["keys", "generate"], ["vouchers", "preview"], ["tokens", "verify"]):
        result = ascc_process(*args, "--help")
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage: ascc" in result.stdout
