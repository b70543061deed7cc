"""Explainable matching: ``Match.explain`` reasons, and ``ascc vouchers preview`` through the
payload-mapper and catalog hooks (plugins here are test plugins, as a third party would write)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from ascc_plugin import hookimpl
from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager
from ascc_plugin.models import Line, OrderEvent
from ascc_plugin.programs import SYNC_HINT, Match
from ascc_plugin.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2] / "ascc_plugin" / "samples"


def line(**fields: object) -> Line:
    return Line.model_validate({"id": "L1", "quantity": 1, "unit_price": "80.00", **fields})


def test_a_line_matches_exactly_when_there_is_no_reason() -> None:
    rule = Match(product_type=("Electronics",), collection=("TVs", "Audio"), min_unit_price="50")
    good = line(product_id="9", product_type="Electronics", collections=("Audio",), catalog=True)
    assert rule.explain(good) == [] and rule.matches(good)
    cheap = good.model_copy(update={"unit_price": Decimal("19.99")})
    assert rule.explain(cheap) == ["min_unit_price: 19.99 is below 50"]
    assert not rule.matches(cheap)


WORDS = ("a", "b", "c")
maybe_words = st.none() | st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(tuple)
some_words = st.lists(st.sampled_from(WORDS), max_size=3).map(tuple)
maybe_word = st.none() | st.sampled_from(WORDS)
price = st.decimals("0.00", "100.00", places=2)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "sku": maybe_words,
            "product_id": maybe_words,
            "product_type": maybe_words,
            "vendor": maybe_words,
            "tag": maybe_words,
            "collection": maybe_words,
            "category": maybe_words,
            "min_unit_price": st.none() | price,
        },
    ),
    st.fixed_dictionaries(
        {"unit_price": price},
        optional={
            "sku": maybe_word,
            "product_id": maybe_word,
            "product_type": maybe_word,
            "vendor": maybe_word,
            "tags": some_words,
            "collections": some_words,
            "categories": some_words,
        },
    ),
)
def test_the_fast_match_agrees_with_the_explanation(rule: dict, facts: dict) -> None:
    match, covered = Match.model_validate(rule), line(**facts)
    assert match.matches(covered) == (match.explain(covered) == [])


def test_unknown_product_facts_say_what_to_do() -> None:
    rule = Match(product_type=("Electronics",), tag=("tv",), category=("Laptops",))
    unknown = line(product_id="123")
    assert rule.explain(unknown) == [
        f"product_type unknown: product 123 is not in the catalog; {SYNC_HINT}",
        f"tag unknown: product 123 is not in the catalog; {SYNC_HINT}",
        f"category unknown: product 123 is not in the catalog; {SYNC_HINT}",
    ]
    assert rule.explain(line()) == ["product_type unknown: the order line names no product"] + [
        f"{key} unknown: the order line names no product" for key in ("tag", "category")
    ]
    known = line(product_id="123", catalog=True, tags=("sale",), categories=("Phones",))
    assert rule.explain(known) == [
        "product_type unknown: product 123 has none in the catalog",
        "tag: none of ['sale'] is one of ['tv']",
        "category: none of ['Phones'] is one of ['Laptops']",
    ]


def test_values_that_differ_are_named() -> None:
    rule = Match(sku=("TV-55",), vendor=("Acme",))
    assert rule.explain(line(sku="HDMI", vendor="Other")) == [
        "sku: 'HDMI' is not one of ['TV-55']",
        "vendor: 'Other' is not one of ['Acme']",
    ]
    assert rule.explain(line(vendor="Acme")) == ["sku unknown: the order line has no sku"]
    assert rule.catalog_keys() == [] and Match(tag=("x",)).catalog_keys() == ["tag"]


class TextMapper:
    """A test mapper registered as "woocommerce": its payload is ``order;product;price``."""

    def __init__(self) -> None:
        self.seen: list[tuple[bytes, str | None, str]] = []

    @hookimpl
    def ascc_register_payload_mappers(self, register: object) -> None:
        register("woocommerce", self.map)  # type: ignore[operator]

    def map(self, body: bytes, topic: str | None, shop: str) -> OrderEvent:
        self.seen.append((body, topic, shop))
        if body.count(b";") != 2:
            raise ValueError("three fields separated by ';' expected")
        order_id, product_id, price = body.decode().split(";")
        line = {"id": "1", "product_id": product_id, "quantity": 2, "unit_price": price}
        order = {
            "id": order_id,
            "currency": "EUR",
            "total": price,
            "placed_at": "2026-01-01T00:00:00Z",
            "paid": True,
            "lines": [line],
        }
        return OrderEvent.model_validate(
            {
                "event_id": f"text-{order_id}",
                "kind": "order.paid",
                "occurred_at": "2026-01-01T00:00:00Z",
                "gsp": {"platform": "woocommerce", "shop": shop},
                "order": order,
            }
        )


class Catalog:
    """A catalog plugin: product 900 is Electronics."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    @hookimpl
    def ascc_enrich_event(self, config: Settings, event: OrderEvent) -> OrderEvent | None:
        self.asked.append(config.store.shop)
        lines = tuple(
            item.model_copy(update={"product_type": "Electronics", "catalog": True})
            if item.product_id == "900"
            else item
            for item in event.order.lines
        )
        return event.model_copy(update={"order": event.order.model_copy(update={"lines": lines})})


def preview(tmp_path: Path, *plugins: object, args: tuple[str, ...]) -> Result:
    pm = get_plugin_manager(entrypoints=False)
    for plugin in plugins:
        pm.register(plugin)
    config = tmp_path / "ascc.toml"
    config.write_text((SAMPLES / "ascc.toml").read_text())
    all_args = ["vouchers", "preview", *args, "--config", str(config)]
    return CliRunner().invoke(build_cli(pm), all_args, obj=pm)


def test_a_payload_goes_to_its_platform_mapper_then_the_catalog(tmp_path: Path) -> None:
    mapper, catalog = TextMapper(), Catalog()
    payload = tmp_path / "order.txt"
    payload.write_bytes(b"77;900;99.00")
    args = ("--json", "--woocommerce", str(payload), "--topic", "order.updated")
    result = preview(tmp_path, mapper, catalog, args=args)
    assert result.exit_code == 0, result.stderr
    assert mapper.seen == [(b"77;900;99.00", "order.updated", "demo.myshopify.com")]
    assert catalog.asked == ["demo.myshopify.com"]
    report = json.loads(result.stdout)
    [reported] = report["lines"]
    assert reported["catalog"] is True
    assert {p["id"]: p["vouchers"] for p in reported["programs"]} == {
        "repair-12m": 2,
        "install-1m": 0,
        "support-24m": 2,
    }
    assert [v["program"] for v in report["vouchers"]] == ["repair-12m", "support-24m"] * 2


def test_without_the_catalog_the_preview_says_why_not(tmp_path: Path) -> None:
    payload = tmp_path / "order.txt"
    payload.write_bytes(b"78;555;99.00")
    result = preview(tmp_path, TextMapper(), Catalog(), args=("--woocommerce", str(payload)))
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "order 78 of woocommerce demo.myshopify.com: 2 vouchers" in text
    assert (
        f"✗ repair-12m: product_type unknown: product 555 is not in the catalog; {SYNC_HINT}"
        in text
    )
    assert "✗ install-1m: sku unknown: the order line has no sku" in text
    assert "✓ support-24m: 2 vouchers" in text


def test_a_payload_the_mapper_refuses_is_a_clear_error(tmp_path: Path) -> None:
    payload = tmp_path / "refund.txt"
    payload.write_bytes(b"not an order")
    result = preview(tmp_path, TextMapper(), args=("--woocommerce", str(payload)))
    assert result.exit_code == 1
    assert f"{payload}: not a woocommerce order payload: three fields" in result.stderr
    no_mapper = preview(tmp_path, args=("--shopify", str(payload)))
    assert no_mapper.exit_code == 1
    assert "no plugin maps shopify payloads" in no_mapper.stderr


def test_exactly_one_source_is_taken(tmp_path: Path) -> None:
    event = str(SAMPLES / "order-paid.json")
    both = preview(tmp_path, args=("--event", event, "--shopify", event))
    none = preview(tmp_path, args=())
    for result in (both, none):
        assert result.exit_code == 2
        assert "give exactly one of --event, --shopify, --woocommerce" in result.stderr


def test_the_readable_report_of_an_unpaid_order_says_so(tmp_path: Path) -> None:
    event = json.loads((SAMPLES / "order-paid.json").read_text())
    event["order"]["paid"] = False
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = preview(tmp_path, args=("--event", str(path)))
    assert result.exit_code == 0, result.stderr
    assert 'no vouchers: the order is not paid (issue_on = "paid")' in result.stdout
    assert "✓ repair-12m: 0 vouchers" in result.stdout


def test_two_mappers_for_one_platform_are_refused(tmp_path: Path) -> None:
    payload = tmp_path / "order.txt"
    payload.write_bytes(b"1;2;3.00")
    result = preview(tmp_path, TextMapper(), TextMapper(), args=("--woocommerce", str(payload)))
    assert result.exit_code == 1
    assert "two plugins map payloads of platform 'woocommerce'" in result.stderr
