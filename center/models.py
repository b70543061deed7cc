"""Every model of the hub, imported in one place for Alembic and for ``Base.metadata``."""

from center.db import Base
from center.parties.models import Customer, Gsp, Provider, ProviderCategory
from center.records.models import AuditEvent
from center.vouchers.models import GspProgram, ProcessedEvent, Voucher

__all__ = [
    "AuditEvent",
    "Base",
    "Customer",
    "Gsp",
    "GspProgram",
    "ProcessedEvent",
    "Provider",
    "ProviderCategory",
    "Voucher",
]
