"""Every model of the hub, imported in one place for Alembic and for ``Base.metadata``."""

from center.audit.models import AuditEvent
from center.channel.models import Case, CaseFrame, CaseTicket
from center.deliveries.models import ProcessedEvent
from center.handover.models import Handover, HubDeliveryStore
from center.infra.db import Base
from center.ops.models import JobRun
from center.parties.models import Customer, Gsp, Provider, ProviderCategory
from center.vouchers.models import GspProgram, Voucher
from center.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

__all__ = [
    "AuditEvent",
    "Base",
    "Case",
    "CaseFrame",
    "CaseTicket",
    "Customer",
    "Gsp",
    "GspProgram",
    "Handover",
    "HubDeliveryStore",
    "JobRun",
    "ProcessedEvent",
    "Provider",
    "ProviderCategory",
    "Voucher",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
