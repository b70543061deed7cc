"""Hook specifications of the ASCC plugin host: the reference documentation of every hook.

A plugin is any object or module whose functions are decorated with :data:`hookimpl` and named
after a spec below. Built-in plugins are registered by :func:`ascc_plugin.host.get_plugin_manager`;
third-party plugins are found through the ``ascc`` entry-point group.

A hook implementation may accept any subset of a spec's arguments, so specs can grow new
arguments without breaking plugins. Give implementations no default argument values (pluggy 1.7
passes the caller's value).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from ascc_plugin.models import Customer, GspRef, Order, OrderEvent
    from ascc_plugin.programs import Program
    from ascc_plugin.rewards import Assessment, ClaimDecision, Incentive
    from ascc_plugin.settings import Section, Settings
    from ascc_plugin.vouchers import Issuance, Voucher

PROJECT_NAME = "ascc"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def ascc_order_event(event: OrderEvent) -> None:
    """Observe every canonical order event, before any voucher is issued or voided.

    Called once per delivered storefront event (duplicates included: ``event.event_id`` tells
    them apart); ``event`` is the :class:`~ascc_plugin.models.OrderEvent` the adapter mapped.
    Use it for logging, metrics or analytics. Return nothing; an exception here is logged and
    does not stop the other plugins or the issuing.
    """


@hookspec
def ascc_programs_for_order(order: Order) -> Sequence[Program]:
    """Return the after-sales programs that may apply to ``order``.

    Every plugin's answer is collected and the lists are concatenated (a program id offered twice
    is kept once, first come). Which units a program covers is decided line by line by its
    ``match`` rule (:meth:`ascc_plugin.programs.Program.matches`), so a plugin may simply return
    all of its programs. The built-in config plugin returns the ``[[programs]]`` of ``ascc.toml``.
    """
    raise AssertionError("hookspec")  # pragma: no cover


@hookspec(firstresult=True)
def ascc_issue_vouchers(event: OrderEvent, order: Order, programs: Sequence[Program]) -> Issuance:
    """Make the vouchers issued for ``order`` equal to what its current state entitles.

    Only the active handler (chosen by ``mode`` in ``ascc.toml``) implements this hook; the first
    non-``None`` answer wins. The handler issues the vouchers that are missing, voids those no
    longer entitled (refunded or cancelled units), and answers with an
    :class:`~ascc_plugin.vouchers.Issuance`: the units the order entitles now per program, and
    the vouchers when it knows them (``status`` ``issued`` or ``previewed``) — a handler that
    forwards the event to be issued elsewhere answers ``queued`` with the counts only. It must be
    idempotent: voucher ids are derived from (platform, shop, order, line, unit, program), so
    calling it again with the same state changes nothing. ``programs`` are the programs every
    plugin offered (:func:`ascc_programs_for_order`). ``event`` is the delivery that brought this
    state (``event.gsp`` names the store, ``event.event_id`` is the idempotency key); ``order``
    is ``event.order``.
    """
    raise AssertionError("hookspec")  # pragma: no cover


@hookspec
def ascc_void_vouchers(
    event: OrderEvent, order: Order, line_ids: Sequence[str], reason: str
) -> None:
    """Void the vouchers of ``line_ids`` in ``order``: the order was cancelled or refunded.

    ``event`` is the delivery that brought this state (see :func:`ascc_issue_vouchers`).

    ``reason`` is ``"cancelled"`` or ``"refunded"``. Called before :func:`ascc_issue_vouchers`
    for the same state, so a handler may act here or leave the work to its reconciliation.
    Vouchers already in service or completed are not voided (the service was delivered).
    """


@hookspec
def ascc_voucher_issued(voucher: Voucher) -> None:
    """Observe a voucher that was just issued (after its record was committed).

    ``voucher`` is the :class:`~ascc_plugin.vouchers.Voucher` as issued, without its holder
    secret (use :func:`ascc_deliver_voucher` to reach the customer).
    Called once per voucher, never for a re-delivered event that issued nothing new. An exception
    in one implementation is logged and does not stop the others.
    """


@hookspec
def ascc_deliver_voucher(voucher: Voucher, customer: Customer | None) -> None:
    """Deliver a newly issued voucher to its customer (email, SMS, log file …).

    ``voucher`` carries the holder secret and holder URL. ``customer`` is ``None`` for guest
    orders without contact data. Each delivery channel implements this hook and is called
    directly, by name, for the channels ``[delivery] channels`` lists — never broadcast — by a
    durable deliverer: the store's courier (center mode) or the hub's handovers (gsp mode, and a
    center that delivers for a store). Raise to refuse: the voucher is kept (sealed) and handed
    again later with backoff until the channel takes it, so a channel must tolerate the rare
    repeat (a crash between its success and the record of it). A channel may offer
    ``deliver(voucher=…, customer=…)`` instead, which is preferred when present.
    """


@hookspec
def ascc_assessment_submitted(assessment: Assessment) -> None:
    """Observe a customer's assessment of a completed service.

    ``assessment`` is an :class:`~ascc_plugin.rewards.Assessment`: ``voucher_id``, ``gsp_id``,
    ``provider_id`` (who served), ``program``, ``score`` (1–5), ``comment`` (plain text, may be
    ``None``; never render it as HTML) and ``at``. Called once per service voucher, after the
    assessment, the provider's new rating and any incentive were committed; exceptions are
    logged per plugin and stop nothing.
    """


@hookspec
def ascc_incentive_issued(incentive: Incentive) -> None:
    """Observe an incentive voucher issued to a customer after an assessment.

    ``incentive`` is an :class:`~ascc_plugin.rewards.Incentive`: ``id`` (an incentive id, never
    a service voucher id), ``voucher_id`` (the service it rewards), ``provider_id`` (the only
    party who may redeem it), ``amount`` (``Decimal``) and ``currency`` (the order's),
    ``redeemable_at`` (end of the hold) and ``lapses_at``, and its signed ``token``. Deliver it
    to the customer here. Called after commit; exceptions are logged per plugin.
    """


@hookspec
def ascc_incentive_redeemed(incentive: Incentive) -> None:
    """Observe an incentive voucher redeemed by the provider who served (its service voucher is
    now ``rewarded``).

    ``incentive`` is the :class:`~ascc_plugin.rewards.Incentive` in state ``redeemed``, without
    its token. Called once, after commit; use it to pay the provider out. Exceptions are
    logged per plugin.
    """


@hookspec
def ascc_claim_decided(claim: ClaimDecision) -> None:
    """Observe a provider's cost claim decided against a program's insurance policy.

    ``claim`` is a :class:`~ascc_plugin.rewards.ClaimDecision`: ``status`` ``approved`` (by the
    coverage rule at filing, or by the operator), ``rejected`` (operator), or ``pending`` (it
    exceeds the voucher's remaining coverage and waits for the operator); ``paid`` is what the
    policy pays (``amount`` − deductible, capped by the remaining coverage). Called after
    commit, once per filing and once per decision; exceptions are logged per plugin.
    """


@hookspec
def ascc_customer_redact(
    gsp: GspRef, customer: Customer, order_ids: Sequence[str], delivery_id: str
) -> None:
    """Erase the personal data of ``customer`` held for the store ``gsp`` (a privacy request).

    Called when the store asks for a customer's data to be erased (Shopify ``customers/redact``).
    ``customer`` carries what the store sent to identify the person (``id``, ``email``,
    ``phone``); ``order_ids`` are the storefront order ids to redact (may be empty: then match
    on the customer). Remove or blank the name, email and phone in your records; keep what the
    law lets you keep (voucher ids, amounts). Must be idempotent: the request may be delivered
    again. An exception makes the store service answer 503 so the storefront retries.
    ``delivery_id`` is the storefront's id of this delivery (Shopify's ``X-Shopify-Webhook-Id``),
    the same when it is delivered again: a key for forwarding the request exactly once (the
    ``center`` handler derives its ``webhook-id`` from it). Take it only if you need it.
    """


@hookspec
def ascc_shop_redact(gsp: GspRef, delivery_id: str) -> None:
    """Erase every record held for the store ``gsp`` (Shopify ``shop/redact``, sent 48 hours
    after the app was uninstalled). Must be idempotent; an exception makes the store service
    answer 503 so the storefront retries. ``delivery_id``: the storefront's id of this delivery
    (see :func:`ascc_customer_redact`).
    """


@hookspec
def ascc_customer_data_request(
    gsp: GspRef, customer: Customer, order_ids: Sequence[str], delivery_id: str
) -> dict[str, Any] | None:
    """Return what this plugin holds about ``customer`` of the store ``gsp`` (a data request).

    Called for Shopify ``customers/data_request``. Every plugin's answer is collected (return
    ``None`` when you hold nothing); the store service records the answers for the store owner,
    who sends them to the customer. ``order_ids`` are the storefront orders the request names.
    ``delivery_id``: the storefront's id of this delivery (see :func:`ascc_customer_redact`).
    A plugin whose answer comes later returns ``None`` and keeps the answer where the store
    owner finds it (the ``center`` handler: ``ascc store outbox --json``, ``data_requests``).
    """


@hookspec
def ascc_outbox_parked(
    webhook_id: str, kind: str, order_id: str | None, reason: str, attempts: int
) -> None:
    """Observe an outbox entry the ``center`` handler gave up on (parked): alert someone.

    Called once per parked entry, after it was parked: the center refused it (a 4xx other than
    408/429), or kept failing on it (5xx) past ``[center] park_after_hours`` or
    ``park_after_attempts``. ``webhook_id`` is the entry's Standard Webhooks id, ``kind`` the
    event kind (``order.paid`` …) or ``privacy.<request>``, ``order_id`` the storefront order
    (``None`` for a privacy request), ``reason`` the center's answer (``HTTP 422: …``) and
    ``attempts`` how many times it was sent. A parked entry never holds later entries back;
    ``ascc store outbox --retry-parked`` sends it again once the cause is fixed. An exception
    here is logged and changes nothing.
    """


@hookspec
def ascc_register_commands(cli: click.Group) -> None:
    """Add command groups or commands to the ``ascc`` command line.

    ``cli`` is the root :class:`click.Group`; call ``cli.add_command(...)`` or decorate new
    commands with ``@cli.command()``. Each package contributes its own group (``ascc center``,
    ``ascc store``, ``ascc simulate``).
    """


@hookspec
def ascc_mount_apps(mount: Callable[[str, Callable[..., Any]], None]) -> None:
    """Serve more WSGI applications from the store service, beside its webhooks.

    Call ``mount`` once per path prefix: ``mount(prefix, wsgi_app)``. A request whose path
    starts with ``prefix`` (e.g. ``"/api/"``) goes to ``wsgi_app`` with its path unchanged;
    every other request stays with the store service. The ``gsp`` handler mounts the center's
    voucher API this way, so a store can run without any center. Two plugins mounting the same
    prefix are refused at start.
    """


@hookspec
def ascc_register_handlers(register: Callable[[str, Callable[[Settings], object]], None]) -> None:
    """Offer voucher handlers by name: call ``register`` once per handler.

    ``register(name, factory)`` takes the handler's name and its factory.

    The store service picks the handler named by ``mode`` in ``ascc.toml`` (``preview``,
    ``gsp``, ``center``). ``factory(settings)`` receives the loaded
    :class:`~ascc_plugin.settings.Settings` and returns a
    :class:`~ascc_plugin.handlers.Handler` (a plugin object implementing
    :func:`ascc_issue_vouchers` and the handler lifecycle); the host checks it and registers it.
    Two handlers of one name are refused at start.
    """


@hookspec
def ascc_register_settings(register: Callable[[str, type[Section]], None]) -> None:
    """Declare the settings sections this plugin reads: call ``register`` once per section.

    ``register(name, model)`` takes the table name in ``ascc.toml`` (``"hub"`` for ``[hub]``)
    and a :class:`~ascc_plugin.settings.Section` subclass (a frozen pydantic model; unknown keys
    are refused). The loader applies ``ASCC_<NAME>_<KEY>`` environment overrides (and the short
    forms the model lists in ``ENV_ALIASES``), validates, and hands the section to whoever asks
    :meth:`~ascc_plugin.settings.Settings.section`. Two plugins registering one name are
    refused; a table no plugin registered is refused as unknown.
    """


@hookspec
def ascc_register_channels(register: Callable[[str, Callable[[Settings], object]], None]) -> None:
    """Offer delivery channels by name: call ``register`` once per channel.

    ``register(name, factory)``: ``factory(settings)`` receives the loaded
    :class:`~ascc_plugin.settings.Settings` and returns a plugin object implementing
    :func:`ascc_deliver_voucher`. A store names the channels it uses in
    ``[delivery] channels``; the host registers the ones named (an unknown name is refused at
    start, listing the channels offered). The built-ins are ``log`` and ``email``.
    """


@hookspec
def ascc_register_payload_mappers(
    register: Callable[[str, Callable[..., OrderEvent]], None],
) -> None:
    """Offer storefront payload mappers by platform name: call ``register`` once per platform.

    ``register(platform, mapper)`` takes the platform's name (``"shopify"``, ``"woocommerce"``,
    the ``[store] platform`` values) and a function ``mapper(body, topic, shop)`` that maps
    ``body`` — the raw bytes of one storefront order payload, exactly as the webhook delivered
    it — to a canonical :class:`~ascc_plugin.models.OrderEvent` for the store ``shop``.
    ``topic`` is the webhook topic (``"orders/paid"``, ``"order.updated"``) or ``None`` when
    unknown (the mapper then takes the kind from the order's state). A body that is not one
    order (a refund object, a list, not JSON) raises :class:`ValueError` whose message says
    what it is. ``ascc vouchers preview --shopify FILE`` / ``--woocommerce FILE`` find their
    mapper here; the adapters package registers both built-in platforms. Two plugins
    registering one platform are refused.
    """


@hookspec(firstresult=True)
def ascc_enrich_event(config: Settings, event: OrderEvent) -> OrderEvent | None:
    """Return ``event`` with its order lines completed from the store's product catalog.

    Storefront order lines carry no product type, tags, collections or categories; a catalog
    plugin fills them (and ``vendor`` when missing) on the lines whose product it knows and
    sets their ``catalog`` flag (see :class:`~ascc_plugin.models.Line`). ``config`` is the
    store's loaded :class:`~ascc_plugin.settings.Settings` (its ``[store] state_db`` holds the
    adapters' catalog). Return ``None`` when you hold no catalog for that store: the first
    non-``None`` answer wins. Called by ``ascc vouchers preview``; the store service enriches
    from its own catalog inside each delivery's transaction. Never create files here: a preview
    reads only.
    """
