"""Every model of the hub, imported in one place for Alembic and for ``Base.metadata``."""

from center.assessments.models import Assessment
from center.audit.models import AuditEvent
from center.deliveries.models import ProcessedEvent
from center.incentives.models import Flag, Incentive
from center.infra.db import Base
from center.insurance.models import Claim, Coverage, Policy
from center.ledger.models import LedgerEntry
from center.parties.models import Customer, Gsp, Provider, ProviderCategory
from center.vouchers.models import GspProgram, Voucher

__all__ = [
    "Assessment",
    "AuditEvent",
    "Base",
    "Claim",
    "Coverage",
    "Customer",
    "Flag",
    "Gsp",
    "GspProgram",
    "Incentive",
    "LedgerEntry",
    "Policy",
    "ProcessedEvent",
    "Provider",
    "ProviderCategory",
    "Voucher",
]
