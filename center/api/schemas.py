"""What the API answers, as pydantic models: the JSON Schema of each is what the OpenAPI
document says (:mod:`center.api.spec`), and the services' JSON is checked against them in
tests. Request bodies live beside the views that validate them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ascc_plugin.vouchers import Voucher, VoucherState

T = TypeVar("T")


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class Problem(Answer):
    """An RFC 9457 problem document (``application/problem+json``); more members may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(json_schema_extra={"format": "uri"})
    title: str
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str


class VoucherAnswer(Voucher):
    """A voucher as the API shows it: the DESIGN §7 voucher JSON and its provider."""

    provider_id: str | None = None


class EventsAnswer(Answer):
    """``POST /api/v1/events``: the vouchers the order entitles now (secrets on first issue)."""

    vouchers: list[VoucherAnswer]


class ProviderRecord(Answer):
    rating: Annotated[float, Field(ge=1, le=5)] | None
    """Bayesian: the marketplace mean weighted as ``rating_prior_weight`` scores, plus own."""
    mean_score: Annotated[float, Field(ge=1, le=5)] | None = None
    reviews: Annotated[int, Field(ge=0)]
    completed_services: Annotated[int, Field(ge=0)]


class ProviderAnswer(Answer):
    """A provider's public profile and service record, as the directory lists it."""

    id: str
    name: str
    categories: list[str]
    region: str | None
    capacity: int
    description: str
    record: ProviderRecord


class Actor(Answer):
    kind: str
    id: str | None


class AuditEventAnswer(Answer):
    """One state change in a voucher's history."""

    at: datetime
    action: str
    from_: str | None = Field(alias="from")
    to: str
    actor: Actor
    detail: str | None = None


class CustomerAnswer(Answer):
    email: str | None
    name: str | None
    phone: str | None


class RecordAnswer(Answer):
    """A voucher with its store, customer, provider and history (the ASCC database)."""

    voucher_id: str
    gsp_id: str
    provider_id: str | None
    program: str
    kind: str
    order_id: str
    line_id: str
    unit: int
    state: VoucherState
    valid_until: datetime
    customer: CustomerAnswer | None
    created_at: datetime
    updated_at: datetime
    history: list[AuditEventAnswer]


class Page(Answer, Generic[T]):
    """One page of a list; ``next_cursor`` is given back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None


class ProviderPage(Page[ProviderAnswer]):
    """A page of the provider directory."""


class RecordPage(Page[RecordAnswer]):
    """A page of records."""


class PrivacyCount(Answer):
    """``customer_redact``, ``shop_redact``: how many customers were erased."""

    request: Literal["customer_redact", "shop_redact"]
    customers: Annotated[int, Field(ge=0)]


class HeldVoucher(Answer):
    id: str
    program: str
    order_id: str
    state: VoucherState


class PrivacyData(Answer):
    """``customer_data_request``: what the hub holds on the customer."""

    request: Literal["customer_data_request"]
    source: str
    customers: list[CustomerAnswer]
    vouchers: list[HeldVoucher]


class Jwks(Answer):
    """The issuer's public keys (RFC 7517 JWK Set)."""

    keys: list[dict[str, Any]]


class Health(Answer):
    status: Literal["ok"]
