"""``/metrics`` in the Prometheus text format (``prometheus-client``, the reference client).

Per request: ``ascc_http_requests_total{route,method,status}`` and the ingest latency
histogram ``ascc_ingest_seconds`` (``POST /api/v1/events``). At scrape time, read from the
database (so every process and the worker are counted alike): the outbox depth and the age of
its oldest message, the worker lag (how long the oldest due message has waited), deliveries
by outcome, handovers waiting, and the age of each scheduled job's last run.

Under gunicorn's several workers, ``ascc center serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` so
every worker's counters are summed at scrape (the client's multiprocess mode); that variable is
read when ``prometheus_client`` is first imported, so this module imports it only inside
functions, after the command has set it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import func, select

from ascc_plugin.clock import Clock
from center.handover.models import PENDING as HANDOVER_PENDING
from center.handover.models import Handover
from center.infra.db import Database
from center.ops.models import JobRun
from center.webhooks.models import PENDING, WebhookAttempt, WebhookMessage

EXTENSION_KEY = "ascc_metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
INGEST_ENDPOINT = "vouchers.post_event"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Metrics:
    """The app's own metrics, its registry, and what the scrape-time collector reads."""

    registry: Any
    requests: Any
    ingest: Any
    database: Database
    clock: Clock


class DatabaseCollector:
    """Outbox, worker and handover figures, read from the database at each scrape."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database, self.clock = database, clock

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        now = self.clock()
        with self.database.transaction(write=False) as session:
            pending = select(func.count(), func.min(WebhookMessage.created_at))
            depth, oldest = session.execute(pending.where(WebhookMessage.state == PENDING)).one()
            due = select(func.min(WebhookMessage.next_attempt_at)).where(
                WebhookMessage.state == PENDING, WebhookMessage.next_attempt_at <= now
            )
            lag_from = session.scalar(due)
            outcomes = session.execute(
                select(WebhookAttempt.outcome, func.count()).group_by(WebhookAttempt.outcome)
            ).all()
            handovers = session.scalar(
                select(func.count()).where(Handover.state == HANDOVER_PENDING)
            )
            jobs = session.execute(select(JobRun.name, JobRun.last_run_at)).all()
        yield GaugeMetricFamily("ascc_webhook_outbox_depth", "Messages waiting", value=depth)
        yield GaugeMetricFamily(
            "ascc_webhook_outbox_oldest_age_seconds",
            "Age of the oldest waiting message",
            value=seconds_since(oldest, now),
        )
        yield GaugeMetricFamily(
            "ascc_worker_lag_seconds",
            "How long the oldest due message has been due",
            value=seconds_since(lag_from, now),
        )
        deliveries = CounterMetricFamily(
            "ascc_webhook_deliveries", "Delivery attempts by outcome", labels=["outcome"]
        )
        for outcome, count in outcomes:
            deliveries.add_metric([outcome], count)
        yield deliveries
        yield GaugeMetricFamily(
            "ascc_handover_pending", "Vouchers the hub must still deliver", value=handovers
        )
        ages = GaugeMetricFamily(
            "ascc_worker_job_age_seconds",
            "Since the last run of each scheduled job",
            labels=["job"],
        )
        for name, at in jobs:
            ages.add_metric([name], seconds_since(at, now))
        yield ages


def seconds_since(then: datetime | None, now: datetime) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def init_app(app: Flask, database: Database, clock: Clock) -> Metrics:
    """Count every request of ``app``; the metrics are kept on the app."""
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry()
    metrics = Metrics(
        registry,
        Counter(
            "ascc_http_requests", "HTTP requests", ["route", "method", "status"], registry=registry
        ),
        Histogram(
            "ascc_ingest_seconds", "POST /api/v1/events latency", buckets=BUCKETS, registry=registry
        ),
        database,
        clock,
    )
    app.extensions[EXTENSION_KEY] = metrics

    @app.before_request
    def start() -> None:
        g.ascc_metrics_started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule else "(unmatched)"
        metrics.requests.labels(rule, request.method, str(response.status_code)).inc()
        if request.endpoint == INGEST_ENDPOINT and "ascc_metrics_started" in g:
            metrics.ingest.observe(time.perf_counter() - g.ascc_metrics_started)
        return response

    return metrics


def exposition() -> tuple[bytes, str]:
    """The current app's metrics as Prometheus text, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    metrics: Metrics = current_app.extensions[EXTENSION_KEY]
    scrape = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(scrape)  # type: ignore[no-untyped-call]
    else:
        scrape.register(metrics.registry)
    scrape.register(DatabaseCollector(metrics.database, metrics.clock))
    return generate_latest(scrape), CONTENT_TYPE_LATEST
