"""``GET /metrics``: Prometheus text (:mod:`center.ops.metrics`), for the operator's key
unless ``[hub] metrics_public`` opens it (a scraper on a private network)."""

from __future__ import annotations

from flask import Blueprint, Response

from center.api.hub import current_hub
from center.api.spec import Operation
from center.ops.metrics import exposition
from center.parties.auth import Kind, require

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    hub = current_hub()
    if not hub.settings.metrics_public:
        with hub.database.transaction(write=False) as session:
            require(hub.principal(session), Kind.ADMIN)
    body, content_type = exposition()
    return Response(body, content_type=content_type)


OPERATIONS = (
    Operation(
        "get",
        "/metrics",
        "Metrics in the Prometheus text format (requests, ingest latency, outbox depth and "
        "age, deliveries by outcome, worker lag)",
        ("adminKey",),
        answer=str,
        errors=(401,),
        media_type="text/plain",
    ),
)
