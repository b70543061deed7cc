"""``ascc center add-policy | ledger | report | lapse-incentives``: the reward half from the
command line (operator's view; settings as for every ``ascc center`` command).

``ascc center lapse-incentives`` is the one-shot form of what the worker runs on a schedule
(:func:`center.incentives.services.lapse_due`).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from ascc_plugin.cli import echo_json
from ascc_plugin.money import parse_amount
from center.api.hub import current_hub
from center.cli import hub_app, in_transaction
from center.incentives.services import lapse_due
from center.insurance.services import add_policy as register_policy
from center.ledger.services import account_json, account_names
from center.reports.services import Scope, build

ENTRY_COLUMNS = ("account", "seq", "at", "kind", "ref", "currency", "amount", "side")


def amount(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_amount(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("add-policy")
@click.option("--id", "policy_id", required=True, help="The policy's id (programs name it).")
@click.option("--insurer", required=True)
@click.option("--currency", required=True, help="ISO 4217, e.g. EUR.")
@click.option("--premium-fixed", callback=amount, help="A premium per insured voucher.")
@click.option("--premium-rate", callback=amount, help="Or a fraction of the unit's price.")
@click.option("--coverage-limit", required=True, callback=amount, help="Per voucher.")
@click.option("--deductible", default="0", callback=amount, show_default=True, help="Per claim.")
def add_policy(
    policy_id: str,
    insurer: str,
    currency: str,
    premium_fixed: Decimal | None,
    premium_rate: Decimal | None,
    coverage_limit: Decimal,
    deductible: Decimal,
) -> None:
    """Register an insurance policy; a program names it with ``insurance_policy``."""
    with hub_app():
        now = current_hub().clock()
        echo_json(
            in_transaction(
                lambda s: register_policy(
                    s,
                    policy_id=policy_id,
                    insurer=insurer,
                    currency=currency.upper(),
                    premium_fixed=premium_fixed,
                    premium_rate=premium_rate,
                    coverage_limit=coverage_limit,
                    deductible=deductible,
                    now=now,
                )
            )
        )


@click.command("ledger")
@click.option("--account", "name", default=None, help="One account (default: every account).")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
def ledger(name: str | None, fmt: str) -> None:
    """Print ledger accounts: balances and entries (JSON) or every entry (CSV)."""
    with hub_app():
        hub = current_hub()
        with hub.database.transaction(write=False) as session:
            names = [name] if name else account_names(session)
            accounts = [whole_account(session, n) for n in names]
    if fmt == "json":
        echo_json(accounts)
        return
    out = io.StringIO()
    writer = csv.DictWriter(out, ENTRY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for found in accounts:
        for entry in found["items"]:
            writer.writerow({"account": found["account"], **entry})
    click.echo(out.getvalue(), nl=False)


def whole_account(session: Any, name: str) -> dict[str, Any]:
    """The account with every entry (one page as large as the account)."""
    return account_json(session, name, None, 10**9)


def moment(_ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{param.name}: an ISO 8601 date or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@click.command("report")
@click.option("--from", "start", callback=moment, help="Start (default: 30 days before --to).")
@click.option("--to", "end", callback=moment, help="End, exclusive (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--plot", type=click.Path(file_okay=False, path_type=Path), help="Write PNG charts here."
)
def report(start: datetime | None, end: datetime | None, as_json: bool, plot: Path | None) -> None:
    """The operator's report: satisfaction, incentives, insurance, service times."""
    with hub_app():
        hub = current_hub()
        end = end or hub.clock()
        start = start or end - timedelta(days=30)
        if start >= end:
            raise click.UsageError("--from must be before --to")
        with hub.database.transaction(write=False) as session:
            found = build(session, Scope("all"), start, end)
    if plot is not None:
        from center.reports.plots import write_charts

        for path in write_charts(found, plot):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        echo_json(found)
    elif plot is None:
        click.echo(describe(found))


def describe(found: dict[str, Any]) -> str:
    sat = found["satisfaction"]
    lines = [
        f"{found['from']} → {found['to']}",
        f"satisfaction: {sat['count']} scores, mean {sat['mean']}, CSAT {sat['csat']} %",
        *(
            f"  {p['provider_id']}: {p['count']} scores, mean {p['mean']}, CSAT {p['csat']} %"
            for p in found["providers"]
        ),
        "incentives: "
        + ", ".join(
            f"{state} {figures['count']}" for state, figures in found["incentives"].items()
        ),
        *(
            f"insurance {row['currency']}: premiums {row['premiums_earned']}, claims paid "
            f"{row['claims_paid']}, reserve {row['reserve']}, loss ratio {row['loss_ratio']}"
            for row in found["insurance"]
        ),
        *(
            f"{name}: p50 {d['p50_hours']} h, p90 {d['p90_hours']} h (n={d['count']})"
            for name, d in found["durations"].items()
        ),
    ]
    return "\n".join(lines)


@click.command("lapse-incentives")
def lapse_incentives() -> None:
    """Lapse every incentive not released in time (the worker runs this on a schedule)."""
    with hub_app():
        now = current_hub().clock()
        echo_json({"lapsed": in_transaction(lambda s: lapse_due(s, now))})


COMMANDS = (add_policy, ledger, report, lapse_incentives)
