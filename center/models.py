"""Every model of the hub, imported in one place for Alembic and for ``Base.metadata``."""

from center.assessments.models import Assessment
from center.audit.models import AuditEvent
from center.channel.models import Case, CaseFrame, CaseTicket
from center.deliveries.models import ProcessedEvent
from center.handover.models import Handover, HubDeliveryStore
from center.incentives.models import Flag, Incentive
from center.infra.db import Base
from center.insurance.models import Claim, Coverage, Policy
from center.ledger.models import LedgerEntry
from center.ops.models import JobRun
from center.parties.models import Customer, Gsp, Provider, ProviderCategory
from center.parties.sessions import StaffSession
from center.vouchers.models import GspProgram, Voucher
from center.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

__all__ = [
    "Assessment",
    "AuditEvent",
    "Base",
    "Case",
    "CaseFrame",
    "CaseTicket",
    "Claim",
    "Coverage",
    "Customer",
    "Flag",
    "Gsp",
    "GspProgram",
    "Handover",
    "HubDeliveryStore",
    "Incentive",
    "JobRun",
    "LedgerEntry",
    "Policy",
    "ProcessedEvent",
    "Provider",
    "ProviderCategory",
    "StaffSession",
    "Voucher",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
