"""The stores' signing secrets are stored sealed at the hub: a migration seals the rows written
before, ``ascc center rotate-key`` seals them again under a new key, and the hub still verifies
every store's deliveries; the store's outbox keeps the hub's answers sealed too."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, select, text, type_coerce

from ascc_plugin.client.outbox import Outbox, key_file
from ascc_plugin.sealing import Seal, SealError, read_keys
from center import migrate
from center.infra.db import Database
from center.infra.secrets import KEY_FILE, PREFIX
from center.parties.models import Gsp
from center.parties.services import gsp_by_shop
from simulator.services import ascc
from tests.common.hub import LiveHub


def stored_secret(database: Database, gsp_id: str) -> str:
    with database.transaction(write=False) as session:
        raw = session.scalar(
            select(type_coerce(Gsp.signing_secret, String)).where(Gsp.id == gsp_id)
        )
    assert isinstance(raw, str)
    return raw


def test_the_signing_secret_is_stored_sealed_and_still_verifies(live: LiveHub) -> None:
    gsp = live.new_gsp()
    raw = stored_secret(live.database, gsp.id)
    assert raw.startswith(PREFIX) and gsp.secret not in raw
    assert gsp.secret.removeprefix("whsec_") not in raw
    assert len(live.issue(gsp)) == 2  # the hub opened it to verify the delivery


def test_the_migration_seals_secrets_written_in_plain_text(tmp_path: Path) -> None:
    seal = Seal.for_file(tmp_path / KEY_FILE)
    database = Database(f"sqlite:///{tmp_path / 'hub.sqlite'}", secrets=seal)
    migrate.upgrade(database, "0002")
    with database.transaction() as session:
        session.execute(
            text(
                "INSERT INTO gsps (id, name, platform, shop, key_digest, signing_secret,"
                " created_at) VALUES ('gsp-1', 'S', 'shopify', 'old.example', 'd',"
                " 'whsec_plain', '2026-01-01 00:00:00')"
            )
        )
    migrate.upgrade(database)
    assert stored_secret(database, "gsp-1").startswith(PREFIX)  # sealed by the migration
    with database.transaction(write=False) as session:
        found = gsp_by_shop(session, "old.example")
        assert found is not None and found.signing_secret == "whsec_plain"
    database.dispose()


def hub_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ASCC_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite'}",
        "ASCC_KEYS_DIR": str(tmp_path / "keys"),
        "ASCC_CONFIG": str(tmp_path / "none.toml"),
    }


def center(env: dict[str, str], *args: str) -> Any:
    done = ascc("center", *args, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.startswith("{") else done.stdout


def raw_secret(url: str, gsp_id: str) -> bytes:
    """The stored value as the database holds it (the Fernet token, without the prefix)."""
    database = Database(url)
    try:
        return stored_secret(database, gsp_id).removeprefix(PREFIX).encode()
    finally:
        database.dispose()


def test_rotate_key_seals_every_secret_again_under_a_new_key(tmp_path: Path) -> None:
    env = hub_env(tmp_path)
    (tmp_path / "none.toml").write_text("")
    url = env["ASCC_DATABASE_URL"]
    center(env, "init-db")
    made = center(env, "add-gsp", "--name", "S", "--platform", "shopify", "--shop", "r.example")
    secret = made["signing_secret"].encode()
    path = tmp_path / "keys" / KEY_FILE
    first = read_keys(path)
    before = raw_secret(url, made["gsp_id"])

    assert center(env, "rotate-key") == {"resealed": 1, "keys": 2}
    keys = read_keys(path)
    assert len(keys) == 2 and keys[1] == first[0]
    after = raw_secret(url, made["gsp_id"])
    assert after != before and Seal([keys[0]]).open(after) == secret  # the new key alone

    assert center(env, "rotate-key", "--retire-old") == {"resealed": 1, "keys": 1}
    (last,) = read_keys(path)
    retired = raw_secret(url, made["gsp_id"])
    assert Seal([last]).open(retired) == secret
    with pytest.raises(SealError):
        Seal([first[0]]).open(retired)


def test_the_outbox_keeps_the_hubs_answers_sealed(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.enqueue("msg_1", "order.paid", "shop", "shop:1", b"{}")
    (entry,) = outbox.claim("me")
    answer = b'{"vouchers":[{"id":"X","holder_secret":"hld_very-secret-value-123"}]}'
    outbox.mark_sent(entry, answer)
    assert outbox.undelivered()[0].response == answer  # opened for the delivery channels
    outbox.mark_delivered(entry, b'{"vouchers":[{"id":"X"}]}')
    outbox.close()
    assert oct(key_file(tmp_path / "outbox.sqlite").stat().st_mode & 0o777) == "0o600"
    for path in tmp_path.iterdir():
        assert b"hld_very-secret" not in path.read_bytes(), path.name
    with sqlite3.connect(tmp_path / "outbox.sqlite") as connection:
        (raw,) = connection.execute("SELECT response FROM outbox").fetchone()
    assert not raw.startswith(b"{")  # sealed, not JSON
