"""The README is the store owner's guide: its complete store example runs as written, and its
canonical event section lists every field of the models, with an example that validates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from adapters.emulation_server import LoopbackServer
from adapters.store.app import create_app
from ascc_plugin.delivery.settings import DeliverySection
from ascc_plugin.models import Customer, GspRef, Line, Order, OrderEvent, Refund, RefundLine
from ascc_plugin.settings import load_settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    start = README.index(f"\n## {heading}")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_the_complete_store_example_issues_the_example_programs(tmp_path: Path) -> None:
    store = section("Store configuration: `ascc.toml`")
    [toml] = blocks(store, "toml")
    [python] = blocks(store, "python")
    (tmp_path / "ascc.toml").write_text(toml)
    config = load_settings(tmp_path / "ascc.toml")
    assert config.store.webhook_secret and config.section(DeliverySection).channels == ("log",)
    with LoopbackServer(create_app(config)) as served:
        script = python.replace('"http://127.0.0.1:8000"', repr(served.url))
        assert script != python
        exec(compile(script, "README.md", "exec"), {})  # noqa: S102 (our own README's example)
    [entry] = [json.loads(line) for line in config.store.events_log.read_text().splitlines()]
    assert sorted(v["program"] for v in entry["vouchers"]) == ["repair-12m", "support-24m"]
    [line] = entry["event"]["order"]["lines"]
    assert line["product_type"] == "Electronics" and line["catalog"] is True


def test_the_canonical_event_section_documents_every_field() -> None:
    text = section("Canonical order events")
    for model in (OrderEvent, GspRef, Customer, Order, Line, Refund, RefundLine):
        assert f"**{model.__name__}**" in text
        for name in model.model_fields:
            assert f"`{name}`" in text, f"{model.__name__}.{name} is not documented"
    [example] = blocks(text, "json")
    event = OrderEvent.model_validate_json(example)
    assert event.order.lines[0].catalog and event.order.lines[0].collections == ("Home cinema",)
