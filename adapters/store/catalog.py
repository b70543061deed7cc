"""The store's product catalog, read and written inside one caller-owned transaction.

* :meth:`CatalogRecords.apply` takes a product webhook or a synced product: the newest facts win
  (by the product's own modification time), so a late or repeated delivery changes nothing, and
  a sync never overwrites what a newer webhook said; a deletion is kept as a tombstone;
* :meth:`CatalogRecords.enrich` completes an order's lines. The facts a line is first matched
  with are frozen for that order line (``order_line_products``), so a later catalog change —
  a product re-typed or deleted — cannot void vouchers the order already entitled.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Table, bindparam, func, select
from sqlalchemy.orm import Session

from adapters.products import Product, ProductUpdate, enrich_order, stamp
from adapters.store.models import LineProductRecord, ProductRecord
from ascc_plugin.in_lists import InList
from ascc_plugin.models import GspRef, Order

PRODUCTS: Table = ProductRecord.__table__  # type: ignore[assignment]
LINE_PRODUCTS: Table = LineProductRecord.__table__  # type: ignore[assignment]
KNOWN_PRODUCTS = InList(
    lambda product_ids: select(PRODUCTS.c.product_id, PRODUCTS.c.facts).where(
        PRODUCTS.c.platform == bindparam("platform"),
        PRODUCTS.c.shop == bindparam("shop"),
        PRODUCTS.c.product_id.in_(product_ids),
        PRODUCTS.c.deleted.is_(False),
    )
)
FROZEN_LINES = select(LINE_PRODUCTS.c.line_id, LINE_PRODUCTS.c.facts).where(
    LINE_PRODUCTS.c.platform == bindparam("platform"),
    LINE_PRODUCTS.c.shop == bindparam("shop"),
    LINE_PRODUCTS.c.order_id == bindparam("order_id"),
)
FREEZE_LINE = LINE_PRODUCTS.insert()


def to_json(product: Product) -> str:
    return json.dumps(dataclasses.asdict(product), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> Product:
    """Stored facts (collections always resolved: never ``None`` once stored)."""
    data = json.loads(text)
    lists = {key: tuple(data.get(key) or ()) for key in ("tags", "collections", "categories")}
    return Product(**{**data, **lists})


def parsed(facts: dict[str, str]) -> dict[str, Product]:
    """Stored facts (JSON) read, under the same keys."""
    return {key: from_json(text) for key, text in facts.items()}


class CatalogRecords:
    """The catalog of one shop, read and written through ``session``."""

    def __init__(self, session: Session, gsp: GspRef) -> None:
        self.session, self.gsp = session, gsp

    def _where(
        self, model: type[ProductRecord] | type[LineProductRecord]
    ) -> list[ColumnElement[bool]]:
        return [model.platform == self.gsp.platform, model.shop == self.gsp.shop]

    def _record(self, product_id: str) -> ProductRecord | None:
        return self.session.scalar(
            select(ProductRecord).where(
                *self._where(ProductRecord), ProductRecord.product_id == product_id
            )
        )

    def apply(self, update: ProductUpdate, now: datetime) -> bool:
        """Take ``update`` unless the stored facts are newer; whether the catalog changed."""
        record = self._record(update.product_id)
        version = stamp(update.modified)
        if record is not None and record.version > version and not update.restored:
            return False
        if record is None:
            record = ProductRecord(
                platform=self.gsp.platform, shop=self.gsp.shop, product_id=update.product_id
            )
            self.session.add(record)
        before = (record.facts, record.deleted)
        record.version, record.received_at = version, now
        record.deleted = update.deleted
        if update.product is not None:
            record.facts = to_json(self._merged(update.product, record.facts))
        elif record.facts is None:
            record.facts = to_json(Product(id=update.product_id))
        return (record.facts, record.deleted) != before

    @staticmethod
    def _merged(product: Product, stored: str | None) -> Product:
        """Collections a payload did not tell (``None``) are kept from the stored facts."""
        if product.collections is not None:
            return product
        known = from_json(stored).collections if stored else None
        return dataclasses.replace(product, collections=known or ())

    def products(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """The known, not deleted products among ``product_ids``."""
        return parsed(self._facts(product_ids))

    def _facts(self, product_ids: Iterable[str]) -> dict[str, str]:
        """:meth:`products` as stored (JSON), by product id."""
        wanted = sorted(set(product_ids))
        if not wanted:
            return {}
        connection, shop = self._connection(), self._shop()
        return {
            key: facts
            for statement, values in KNOWN_PRODUCTS.batches(wanted)
            for key, facts in connection.execute(statement, {**shop, **values})
        }

    def count(self) -> int:
        """How many products the catalog knows (deleted ones not counted)."""
        query = select(func.count(ProductRecord.id)).where(
            *self._where(ProductRecord), ProductRecord.deleted.is_(False)
        )
        return int(self.session.scalar(query) or 0)

    def line_products(
        self, order: Order, *, new_order: bool = False
    ) -> tuple[dict[str, Product], dict[str, Product]]:
        """Per line id: the facts frozen for it, and those newly found in the catalog.

        ``new_order``: the store holds no snapshot of the order yet, so no line of it has frozen
        facts (they are frozen only by :meth:`enrich`, for an order with a snapshot): not read.
        """
        frozen, found = self._line_facts(order, new_order)
        return parsed(frozen), parsed(found)

    def _line_facts(self, order: Order, new_order: bool) -> tuple[dict[str, str], dict[str, str]]:
        """:meth:`line_products` as stored (JSON), by line id."""
        frozen = {} if new_order else self._frozen(order.id)
        open_lines = [line for line in order.lines if line.id not in frozen and line.product_id]
        known = self._facts(line.product_id or "" for line in open_lines)
        found = {line.id: known[line.product_id] for line in open_lines if line.product_id in known}
        return frozen, found

    def _frozen(self, order_id: str) -> dict[str, str]:
        rows = self._connection().execute(FROZEN_LINES, {**self._shop(), "order_id": order_id})
        return {key: facts for key, facts in rows}

    def _connection(self) -> Connection:
        """The session's connection, products this session added or changed flushed to it."""
        self.session.flush()
        return self.session.connection()

    def _shop(self) -> dict[str, str]:
        return {"platform": self.gsp.platform, "shop": self.gsp.shop}

    def enrich(self, order: Order, *, freeze: bool = True, new_order: bool = False) -> Order:
        """``order`` with its lines completed; newly used facts are frozen unless ``freeze`` is
        false (a preview only reads). ``new_order`` as in :meth:`line_products`."""
        frozen, found = self._line_facts(order, new_order)
        if freeze and found:
            rows = [
                {**self._shop(), "order_id": order.id, "line_id": line_id, "facts": facts}
                for line_id, facts in found.items()
            ]
            self._connection().execute(FREEZE_LINE, rows)
        return enrich_order(order, parsed({**found, **frozen}))
