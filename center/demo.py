"""``ascc center demo-seed``: a demo marketplace for ``make run`` (deterministic profiles).

Writes ``DIR/ascc.toml`` (the hub's settings: SQLite file, key folder, an operator key), a
store with the sample programs, providers with Faker profiles (seeded) and one paid sample
order, then prints where to look. Keys are random every time: secrets are never seeded.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from faker import Faker
from sqlalchemy import update
from sqlalchemy.orm import Session

from ascc_plugin.cli import echo_json, plugin_manager
from ascc_plugin.models import OrderEvent
from ascc_plugin.settings import load_settings, write_settings_file
from center import migrate
from center.api.hub import current_hub
from center.cli import hub_app, hub_settings
from center.infra.db import get_database
from center.parties import keys
from center.parties import services as parties
from center.parties.models import Provider
from center.settings import HubSettings
from center.vouchers.ingest import ingest

SAMPLES = Path(__file__).resolve().parent.parent / "ascc_plugin" / "samples"
CATEGORIES = ("repair", "installation", "support", "maintenance")


def write_settings(folder: Path, port: int) -> tuple[Path, HubSettings]:
    """``DIR/ascc.toml`` with the hub's settings (SQLite in DIR, keys in DIR/keys)."""
    hub = {
        "database_url": f"sqlite:///{(folder / 'center.sqlite').resolve()}",
        "keys_dir": "keys",
        "admin_key": keys.new_key(keys.ADMIN),
        "public_url": f"http://127.0.0.1:{port}",
    }
    path = write_settings_file(folder / "ascc.toml", {"hub": hub})
    return path, hub_settings(path)


def seed_providers(session: Session, seed: int, count: int, now: datetime) -> list[dict[str, Any]]:
    fake, rng = Faker(), random.Random(seed)  # noqa: S311 (demo profiles, not secrets)
    fake.seed_instance(seed)
    made = []
    for _ in range(count):
        categories = rng.sample(CATEGORIES, rng.randint(1, 3))
        created = parties.add_provider(
            session,
            name=fake.company(),
            categories=categories,
            region=fake.city(),
            capacity=rng.randint(3, 20),
            description=fake.catch_phrase(),
            now=now,
        )
        reviews = rng.randint(0, 40)
        session.execute(
            update(Provider)
            .where(Provider.id == created["provider_id"])
            .values(
                reviews_count=reviews,
                rating_total=sum(rng.randint(3, 5) for _ in range(reviews)),
                completed_services=reviews + rng.randint(0, 15),
            )
        )
        made.append({**created, "categories": sorted(categories)})
    return made


def seed(session: Session, seed_value: int, providers: int, now: datetime) -> dict[str, Any]:
    config = load_settings(SAMPLES / "ascc.toml", plugin_manager(), env={})
    store = parties.add_gsp(
        session, name="Demo Store", platform=config.store.platform, shop=config.store.shop, now=now
    )
    event = OrderEvent.model_validate_json((SAMPLES / "order-paid.json").read_bytes())
    gsp = parties.get_gsp(session, store["gsp_id"])
    result = ingest(session, gsp, event, config.programs, current_hub().issuer, now)
    return {
        "store": store,
        "providers": seed_providers(session, seed_value, providers, now),
        "vouchers": result.vouchers,
    }


@click.command("demo-seed")
@click.option(
    "--dir",
    "folder",
    default=".demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option("--seed", "seed_value", default=4, show_default=True, type=int)
@click.option("--providers", default=6, show_default=True, type=click.IntRange(1, 500))
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON only.")
def demo_seed(folder: Path, seed_value: int, providers: int, port: int, as_json: bool) -> None:
    """Make a fresh demo marketplace in DIR.

    Serve it with ``ascc center --config DIR/ascc.toml serve``.
    """
    if (folder / "center.sqlite").exists():
        raise click.ClickException(f"{folder} already holds a demo: remove it first")
    _path, settings = write_settings(folder, port)
    admin_key = settings.admin_key
    with hub_app(settings) as app:
        migrate.upgrade(get_database(app))
        hub = current_hub()
        summary = hub.database.run(lambda s: seed(s, seed_value, providers, hub.clock()))
    summary["admin_key"] = admin_key
    if as_json:
        echo_json(summary)
        return
    click.echo(describe(summary, folder, port))


def describe(summary: dict[str, Any], folder: Path, port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    voucher = summary["vouchers"][0]
    lines = [
        f"Demo marketplace in {folder}/ (settings: {folder}/ascc.toml)",
        f"  API description   {base}/openapi.json",
        f"  provider directory {base}/api/v1/providers?sort=rating",
        f"  operator key      {summary['admin_key']}",
        f"  store key         {summary['store']['api_key']}  (id {summary['store']['gsp_id']})",
        f"  a voucher         {voucher['id']}  holder secret {voucher['holder_secret']}",
        f"    curl -H 'Authorization: Bearer {voucher['holder_secret']}' "
        f"{base}/api/v1/vouchers/{voucher['id']}",
        f"    curl -H 'Authorization: Bearer {summary['admin_key']}' {base}/api/v1/records",
        "  providers:",
        *(
            f"    {p['provider_id']}  {p['api_key']}  {','.join(p['categories'])}"
            for p in summary["providers"]
        ),
        f"  all of it as JSON: {json.dumps(str(folder / 'demo.json'))}",
    ]
    (folder / "demo.json").write_text(json.dumps(summary, indent=2))
    return "\n".join(lines)
