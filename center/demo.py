"""``ascc center demo-seed``: a demo marketplace for ``make run`` (deterministic profiles).

Writes ``DIR/ascc.toml`` (the hub's settings: SQLite file, key folder, an operator key), a
store with the sample programs, providers with Faker profiles (seeded) and one paid sample
order, then prints where to look. Ratings are earned, never written: each provider serves a
seeded number of vouchers of an earlier store, which are assessed through the service layer.
Keys are random every time: secrets are never seeded.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from faker import Faker
from sqlalchemy.orm import Session

from ascc_plugin.cli import echo_json, plugin_manager
from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.settings import load_settings, write_settings_file
from center import migrate
from center.api.hub import current_hub
from center.assessments.services import assess
from center.cli import hub_app, hub_settings
from center.incentives.services import Minter
from center.infra.db import get_database
from center.parties import keys
from center.parties import services as parties
from center.parties.auth import Kind, Principal
from center.parties.models import Gsp
from center.settings import HubSettings
from center.vouchers import services as vouchers
from center.vouchers.ingest import ingest, prepare

SAMPLES = Path(__file__).resolve().parent.parent / "ascc_plugin" / "samples"
CATEGORIES = ("repair", "installation", "support", "maintenance")
SEED_SHOP = "earlier-customers.example"


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
    """Providers with Faker profiles; each earns its record by serving and being assessed."""
    fake, rng = Faker(), random.Random(seed)  # noqa: S311 (demo profiles, not secrets)
    fake.seed_instance(seed)
    made = []
    for n in range(count):
        categories = rng.sample(CATEGORIES, rng.randint(1, 3))
        created = parties.add_provider(
            session,
            name=fake.company(),
            categories=categories,
            region=fake.city(),
            capacity=rng.randint(3, 20),
            description=fake.catch_phrase(),
            email=fake.company_email(),
            now=now,
        )
        scores = [rng.choice((3, 4, 4, 5, 5, 5)) for _ in range(rng.randint(0, 8))]
        earn_record(session, created["provider_id"], categories[0], scores, n, now)
        made.append({**created, "categories": sorted(categories)})
    return made


def earn_record(
    session: Session, provider_id: str, kind: str, scores: list[int], n: int, now: datetime
) -> None:
    """One order per provider with a unit per score: each voucher is activated, assigned,
    redeemed, completed and assessed through the service layer (no column written by hand)."""
    if not scores:
        return
    hub = current_hub()
    store = demo_store(session, now)
    program = Program(id=f"{kind}-demo", kind=kind, term_months=12, incentive={5: Decimal("5.00")})
    event = demo_order(store, f"seed-{n}", len(scores))
    issued = ingest(session, prepare(store, event, [program], hub.issuer, now)).vouchers
    minter = Minter(hub.issuer.ring.id_key, hub.issuer.signer, hub.settings.reward_rules())
    provider = Principal(Kind.PROVIDER, provider_id)
    for voucher, score in zip(issued, scores, strict=True):
        holder = Principal(Kind.HOLDER, secret=voucher["holder_secret"])
        vouchers.activate(session, voucher["id"], holder, now)
        vouchers.assign(session, voucher["id"], holder, provider_id, now)
        vouchers.redeem(session, voucher["id"], provider, voucher["token"], hub.verifier, now)
        vouchers.complete(session, voucher["id"], provider, None, now)
        assess(session, voucher["id"], holder, score, None, minter, now)


def demo_store(session: Session, now: datetime) -> Gsp:
    """The store whose customers assessed the seeded providers (made once)."""
    found = parties.gsp_by_shop(session, SEED_SHOP)
    if found is None:
        made = parties.add_gsp(
            session, name="Earlier customers", platform="shopify", shop=SEED_SHOP, now=now
        )
        found = parties.get_gsp(session, made["gsp_id"])
    return found


def demo_order(store: Gsp, order_id: str, units: int) -> OrderEvent:
    sample = OrderEvent.model_validate_json((SAMPLES / "order-paid.json").read_bytes())
    line = sample.order.lines[0].model_copy(update={"id": "L1", "quantity": units})
    order = sample.order.model_copy(
        update={"id": order_id, "lines": (line,), "refunds": (), "customer": None}
    )
    gsp = sample.gsp.model_copy(update={"platform": store.platform, "shop": store.shop})
    return sample.model_copy(update={"event_id": order_id, "order": order, "gsp": gsp})


def seed(session: Session, seed_value: int, providers: int, now: datetime) -> dict[str, Any]:
    config = load_settings(SAMPLES / "ascc.toml", plugin_manager(), env={})
    store = parties.add_gsp(
        session, name="Demo Store", platform=config.store.platform, shop=config.store.shop, now=now
    )
    event = OrderEvent.model_validate_json((SAMPLES / "order-paid.json").read_bytes())
    gsp = parties.get_gsp(session, store["gsp_id"])
    result = ingest(session, prepare(gsp, event, config.programs, current_hub().issuer, now))
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
        f"  its page          {base}/v/{voucher['id']}#{voucher['holder_secret']}",
        f"  provider console  {base}/provider/  (sign in with a provider key below)",
        f"  operator dashboard {base}/admin/  (sign in with the operator key)",
        "  providers:",
        *(
            f"    {p['provider_id']}  {p['api_key']}  {','.join(p['categories'])}"
            for p in summary["providers"]
        ),
        f"  all of it as JSON: {json.dumps(str(folder / 'demo.json'))}",
    ]
    (folder / "demo.json").write_text(json.dumps(summary, indent=2))
    return "\n".join(lines)
