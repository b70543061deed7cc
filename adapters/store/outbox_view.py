"""What ``ascc store outbox`` shows: pending and parked entries, flush results, answered data
requests (the center's answer kept in the outbox entry until sent entries are pruned after 30
days: the store owner sends them on), and the vouchers still waiting for a delivery channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from ascc_plugin.client.outbox import PARKED, PENDING, Entry, Outbox
from ascc_plugin.client.privacy import DATA_REQUEST_KIND, is_privacy
from ascc_plugin.client.sender import DrainReport


def summary(outbox: Outbox, moved: int | None, report: DrainReport | None) -> dict[str, Any]:
    flushed = None
    if report is not None:
        flushed = {
            "sent": report.count("sent"),
            "retried": report.count("retry"),
            "parked": report.count("park"),
            "results": [
                {"webhook_id": wid, "verdict": verdict, "reason": reason}
                for wid, verdict, reason in report.results
            ],
        }
    return {
        "outbox": str(outbox.path),
        "counts": outbox.counts(),
        "retried_parked": moved,
        "flushed": flushed,
        "entries": [_entry_json(entry) for entry in outbox.entries(PENDING, PARKED)],
        "data_requests": [_answered(entry) for entry in outbox.of_kind(DATA_REQUEST_KIND)],
        "parcels": [
            {**parcel, "next_attempt_at": _iso(parcel["next_attempt_at"])}
            for parcel in outbox.parcels_waiting()
        ],
    }


def _answered(entry: Entry) -> dict[str, Any]:
    """A data request the center answered, with its answer (``null`` if unreadable)."""
    try:
        answer = json.loads(entry.response or b"null")
    except ValueError:
        answer = None
    return {
        "webhook_id": entry.webhook_id,
        "request": json.loads(entry.body),
        "sent_at": _iso(entry.sent_at) if entry.sent_at is not None else None,
        "answer": answer,
    }


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "webhook_id": entry.webhook_id,
        "kind": entry.kind,
        "order": None if is_privacy(entry.kind) else entry.order_key.rsplit(":", 1)[-1],
        "state": entry.state,
        "attempts": entry.attempts,
        "next_attempt_at": _iso(entry.next_attempt_at) if entry.state == PENDING else None,
        "last_error": entry.last_error,
        "created_at": _iso(entry.created_at),
    }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def print_summary(summary: dict[str, Any]) -> None:
    counts = summary["counts"]
    click.echo(
        f"{summary['outbox']}: {counts['pending']} pending, {counts['parked']} parked, "
        f"{counts['sent']} sent"
    )
    if summary["retried_parked"] is not None:
        click.echo(f"moved {summary['retried_parked']} parked back to pending")
    if (flushed := summary["flushed"]) is not None:
        click.echo(
            f"flush: {flushed['sent']} sent, {flushed['retried']} to retry later, "
            f"{flushed['parked']} parked"
        )
        for result in flushed["results"]:
            if result["verdict"] != "sent":
                click.echo(f"  {result['webhook_id']}: {result['reason']}")
    if summary["entries"]:
        _print_table(summary["entries"])
    if answered := summary["data_requests"]:
        click.echo(f"{len(answered)} customer data request(s) answered: see --json")
    for parcel in summary["parcels"]:
        click.echo(
            f"voucher {parcel['voucher_id']} waits for channel {parcel['channel']} "
            f"({parcel['attempts']} tries, next {parcel['next_attempt_at']}): "
            f"{parcel['last_error']}"
        )


def _print_table(entries: list[dict[str, Any]]) -> None:
    header = ("WEBHOOK ID", "KIND", "ORDER", "STATE", "TRIES", "NEXT ATTEMPT", "LAST ERROR")
    rows = [header] + [
        (
            e["webhook_id"],
            e["kind"],
            e["order"] or "-",
            e["state"],
            str(e["attempts"]),
            e["next_attempt_at"] or "-",
            (e["last_error"] or "-")[:60],
        )
        for e in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        )
