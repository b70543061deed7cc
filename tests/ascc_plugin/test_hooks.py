"""Every hook is documented and exercised; the host dispatches and isolates as documented."""

from __future__ import annotations

import inspect
import logging
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ascc_plugin import hooks
from ascc_plugin.handlers import BaseHandler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import configure, get_plugin_manager, notify, process_event
from ascc_plugin.models import OrderEvent
from ascc_plugin.registry import PluginError
from ascc_plugin.rewards import Assessment, Incentive
from ascc_plugin.settings import Section, Settings, SettingsError, settings_from_mapping
from ascc_plugin.vouchers import Issuance
from simulator.services import run_command

HOOK_NAMES = sorted(name for name in dir(hooks) if name.startswith("ascc_"))
TESTS = Path(__file__).resolve().parents[1]


def test_the_minimum_hook_set_exists() -> None:
    assert set(HOOK_NAMES) >= {
        "ascc_order_event",
        "ascc_programs_for_order",
        "ascc_issue_vouchers",
        "ascc_void_vouchers",
        "ascc_voucher_issued",
        "ascc_deliver_voucher",
        "ascc_assessment_submitted",
        "ascc_incentive_issued",
        "ascc_register_commands",
        "ascc_register_handlers",
    }


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_is_documented(name: str) -> None:
    doc = inspect.getdoc(getattr(hooks, name)) or ""
    assert len(doc.split()) >= 20, f"{name} needs a docstring that is its reference documentation"
    for parameter in inspect.signature(getattr(hooks, name)).parameters:
        assert f"``{parameter}``" in doc, f"{name}: document the ``{parameter}`` argument"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_is_implemented_by_a_test_plugin(name: str) -> None:
    for path in TESTS.rglob("test_*.py"):
        if f"def {name}(" in path.read_text():
            return
    pytest.fail(f"no test implements {name}: write one that proves the host calls it")


AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ASSESSMENT = Assessment(
    voucher_id="V", gsp_id="g", provider_id="p", program="repair-12m", score=5, at=AT
)
INCENTIVE = Incentive(
    id="I",
    voucher_id="V",
    gsp_id="g",
    provider_id="p",
    program="repair-12m",
    amount=Decimal("10.00"),
    currency="EUR",
    state="issued",
    issued_at=AT,
    redeemable_at=AT,
    lapses_at=AT,
)


def test_reward_hook_models_are_typed_and_money_is_a_string() -> None:
    assert INCENTIVE.model_dump(mode="json")["amount"] == "10.00"
    with pytest.raises(ValueError, match="score"):
        Assessment.model_validate({**ASSESSMENT.model_dump(), "score": 6})
    with pytest.raises(ValueError, match="float"):
        Incentive.model_validate({**INCENTIVE.model_dump(), "amount": 10.0})


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    @hookimpl
    def ascc_order_event(self, event: OrderEvent) -> None:
        self.calls.append(("event", event.event_id))

    @hookimpl
    def ascc_void_vouchers(self, order: object, line_ids: list[str], reason: str) -> None:
        self.calls.append(("void", (tuple(line_ids), reason)))

    @hookimpl
    def ascc_assessment_submitted(self, assessment: Assessment) -> None:
        self.calls.append(("assessment", assessment.score))

    @hookimpl
    def ascc_incentive_issued(self, incentive: Incentive) -> None:
        self.calls.append(("incentive", str(incentive.amount)))


class Broken:
    @hookimpl
    def ascc_order_event(self, event: OrderEvent) -> None:
        raise RuntimeError("boom")

    @hookimpl
    def ascc_assessment_submitted(self, assessment: Assessment) -> None:
        raise RuntimeError("boom")


def _config(**store: object) -> Settings:
    return settings_from_mapping(
        {"store": store, "programs": [{"id": "support", "kind": "support", "term_months": 12}]},
        get_plugin_manager(entrypoints=False),
        env={},
    )


def test_an_event_reaches_observers_then_the_handler(sample_event: OrderEvent) -> None:
    pm = get_plugin_manager(entrypoints=False)
    recorder = Recorder()
    pm.register(recorder)
    configure(pm, _config())
    answer = process_event(pm, sample_event)
    assert recorder.calls == [("event", "sample-0001")]
    assert answer.status == "previewed" and len(answer.vouchers) == 3  # one per unit: 1 + 2


def test_cancelled_orders_are_voided_line_by_line(sample_event: OrderEvent) -> None:
    pm = get_plugin_manager(entrypoints=False)
    recorder = Recorder()
    pm.register(recorder)
    configure(pm, _config())
    cancelled = sample_event.model_copy(
        update={"order": sample_event.order.model_copy(update={"cancelled": True})}
    )
    assert process_event(pm, cancelled).vouchers == ()
    assert ("void", (("L1", "L2"), "cancelled")) in recorder.calls


def test_a_failing_observer_does_not_stop_the_others(
    sample_event: OrderEvent, caplog: pytest.LogCaptureFixture
) -> None:
    pm = get_plugin_manager(entrypoints=False)
    recorder = Recorder()
    pm.register(Broken())
    pm.register(recorder)
    configure(pm, _config())
    with caplog.at_level(logging.ERROR):
        assert process_event(pm, sample_event).count == 3
        notify(pm, "ascc_assessment_submitted", assessment=ASSESSMENT)
        notify(pm, "ascc_incentive_issued", incentive=INCENTIVE)
    assert ("event", "sample-0001") in recorder.calls
    assert ("assessment", 5) in recorder.calls and ("incentive", "10.00") in recorder.calls
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert "failed in ascc_order_event" in failures[0]


def test_an_unknown_mode_names_the_available_handlers() -> None:
    pm = get_plugin_manager(entrypoints=False)
    with pytest.raises(
        SettingsError, match=r"store.mode: no handler named 'nope' \(available: .*preview"
    ):
        configure(pm, _config(mode="nope"))


def test_two_handlers_of_one_name_are_refused() -> None:
    class Twin:
        @hookimpl
        def ascc_register_handlers(self, register: object) -> None:
            register("preview", object)  # type: ignore[operator]

    pm = get_plugin_manager(entrypoints=False)
    pm.register(Twin())
    with pytest.raises(PluginError, match="two plugins offer a handler named 'preview'"):
        configure(pm, _config())


def test_without_a_handler_processing_fails_clearly(sample_event: OrderEvent) -> None:
    pm = get_plugin_manager(entrypoints=False)
    with pytest.raises(PluginError, match="configure"):
        process_event(pm, sample_event)


def test_misspelled_hooks_are_caught_at_start() -> None:
    class Typo:
        @hookimpl
        def ascc_voucher_isued(self, voucher: object) -> None: ...

    pm = get_plugin_manager(entrypoints=False)
    pm.register(Typo())
    with pytest.raises(Exception, match="unknown hook"):
        pm.check_pending()


class CountingHandler(BaseHandler):
    """A third-party handler: issues nothing, counts what it was asked."""

    def __init__(self, config: Settings) -> None:
        self.asked: list[tuple[str, list[str]]] = []

    @hookimpl
    def ascc_issue_vouchers(self, event: OrderEvent, order: object, programs: list) -> Issuance:
        self.asked.append((event.event_id, [p.id for p in programs]))
        return Issuance(status="queued")


class OffersCounting:
    @hookimpl
    def ascc_register_handlers(self, register: object) -> None:
        register("counting", CountingHandler)  # type: ignore[operator]


def test_the_handler_named_by_mode_answers(sample_event: OrderEvent) -> None:
    pm = get_plugin_manager(entrypoints=False)
    pm.register(OffersCounting())
    handler = configure(pm, _config(mode="counting"))
    assert isinstance(handler, CountingHandler)
    assert process_event(pm, sample_event) == Issuance(status="queued")
    assert handler.asked == [("sample-0001", ["support"])]


def test_a_handler_without_the_lifecycle_is_refused_at_start() -> None:
    class Bare:
        def __init__(self, config: Settings) -> None: ...

        @hookimpl
        def ascc_issue_vouchers(self, event: object, order: object, programs: list) -> None: ...

    class OffersBare:
        @hookimpl
        def ascc_register_handlers(self, register: object) -> None:
            register("bare", Bare)  # type: ignore[operator]

    pm = get_plugin_manager(entrypoints=False)
    pm.register(OffersBare())
    with pytest.raises(PluginError, match=r"'bare' handler \(Bare\) lacks the handler lifecycle"):
        configure(pm, _config(mode="bare"))


class Loyalty(Section):
    points_per_voucher: int = 1
    ENV_ALIASES = {"ASCC_POINTS": "points_per_voucher"}  # noqa: RUF012 (read-only by contract)


class OffersLoyalty:
    @hookimpl
    def ascc_register_settings(self, register: object) -> None:
        register("loyalty", Loyalty)  # type: ignore[operator]


def test_a_plugin_section_is_loaded_validated_and_overridden(tmp_path: Path) -> None:
    pm = get_plugin_manager(entrypoints=False)
    pm.register(OffersLoyalty())
    raw = {"loyalty": {"points_per_voucher": 3}}
    assert settings_from_mapping(raw, pm, env={}).section(Loyalty).points_per_voucher == 3
    env = {"ASCC_LOYALTY_POINTS_PER_VOUCHER": "7"}
    found = settings_from_mapping(raw, pm, env=env)
    assert found.section(Loyalty).points_per_voucher == 7
    assert found.sources["loyalty.points_per_voucher"] == "env ASCC_LOYALTY_POINTS_PER_VOUCHER"
    assert (
        settings_from_mapping({}, pm, env={"ASCC_POINTS": "9"}).section(Loyalty).points_per_voucher
        == 9
    )
    with pytest.raises(
        SettingsError,
        match=r"ASCC_POINTS: loyalty\.points_per_voucher: Input should be a valid integer",
    ):
        settings_from_mapping({}, pm, env={"ASCC_POINTS": "many"})
    with pytest.raises(SettingsError, match=r"\[loyalty\]: unknown section"):
        settings_from_mapping(raw, get_plugin_manager(entrypoints=False), env={})


class Channels:
    def __init__(self) -> None:
        self.delivered: list[tuple[str, str | None]] = []
        self.issued: list[str] = []

    @hookimpl
    def ascc_voucher_issued(self, voucher: object) -> None:
        self.issued.append(voucher.id)  # type: ignore[attr-defined]

    @hookimpl
    def ascc_deliver_voucher(self, voucher: object, customer: object) -> None:
        self.delivered.append((voucher.id, customer and customer.email))  # type: ignore[attr-defined]


def test_notifications_reach_every_delivery_channel(sample_event: OrderEvent) -> None:
    pm = get_plugin_manager(entrypoints=False)
    first, second = Channels(), Channels()
    pm.register(first)
    pm.register(Broken())
    pm.register(second)
    configure(pm, _config())
    [voucher, *_] = process_event(pm, sample_event).vouchers
    notify(pm, "ascc_voucher_issued", voucher=voucher)
    notify(pm, "ascc_deliver_voucher", voucher=voucher, customer=sample_event.order.customer)
    for channel in (first, second):
        assert channel.issued == [voucher.id]
        assert channel.delivered == [(voucher.id, "ada@example.com")]


def test_building_a_plugin_manager_imports_no_channel_and_no_handler() -> None:
    """Channels and handlers are imported when a store names them, not with the host."""
    probe = (
        "import sys\n"
        "from ascc_plugin.host import get_plugin_manager\n"
        "get_plugin_manager()\n"
        "heavy = ('smtplib', 'segno', 'ascc_plugin.delivery.email', 'ascc_plugin.client.handler',"
        " 'center.gsp', 'center.app', 'flask')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = run_command([sys.executable, "-c", probe])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
