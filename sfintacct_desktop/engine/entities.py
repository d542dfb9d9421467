"""What differs between customers and products: connector calls, keys and blank records.

Why a small adapter: the pipeline (pairing, merge, batched writes, commit) is the same for both
entities; only these few calls differ, so they live here and nowhere else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..connectors import IntacctConnector, SalesforceConnector, WriteResult
from ..connectors.partial import FieldSets
from ..domain import Customer, Entity, Product, System
from .keys import KeyChoice, customer_id, item_id
from .mapping import EntityMapping
from .streams import IA_CUSTOMERS, IA_ITEMS, SF_CUSTOMERS, SF_PRODUCTS

Record = Customer | Product


@dataclass(frozen=True)
class EntityKind:
    entity: Entity
    sf_stream: str
    ia_stream: str

    @property
    def name(self) -> str:
        return self.entity.value

    def blank(self, system: System) -> Record:
        if self.entity is Entity.CUSTOMER:
            return Customer(system=system, key="", name="")
        return Product(system=system, key="", name="")

    def source_number(self, record: Record) -> str:
        return record.number if isinstance(record, Customer) else record.code

    def choose_key(
        self, record: Record, mapping: EntityMapping, is_taken: Callable[[str], bool], start: int
    ) -> KeyChoice:
        number = self.source_number(record)
        if self.entity is Entity.CUSTOMER:
            return customer_id(
                number,
                pattern=mapping.id_pattern,
                is_taken=is_taken,
                start=start,
                use_account_number=mapping.use_source_number,
            )
        return item_id(
            number,
            pattern=mapping.id_pattern,
            is_taken=is_taken,
            start=start,
            use_product_code=mapping.use_source_number,
        )

    def new_ia_record(self, mapping: EntityMapping, values: dict[str, Any], key: str, sf_id: str) -> Record:
        rec = mapping.apply(self.blank(System.INTACCT), values)
        extra: dict[str, Any] = {"key": key, "cross_ref": sf_id}
        if isinstance(rec, Product):
            extra["code"] = key
        return dataclasses.replace(rec, **extra)

    def new_sf_record(self, mapping: EntityMapping, values: dict[str, Any], ia_key: str) -> Record:
        rec = mapping.apply(self.blank(System.SALESFORCE), values)
        extra: dict[str, Any] = {"key": "", "cross_ref": ia_key}
        if isinstance(rec, Product):
            extra["code"] = ia_key
        return dataclasses.replace(rec, **extra)

    # ------------------------------------------------------------------ connector calls
    def sf_by_ids(self, sf: SalesforceConnector, ids: Sequence[str]) -> list[Record]:
        if not ids:
            return []
        if self.entity is Entity.CUSTOMER:
            return list(sf.customers_by_ids(list(ids)))
        return list(sf.products_by_ids(list(ids)))

    def ia_by_ids(self, ia: IntacctConnector, ids: Sequence[str]) -> list[Record]:
        if not ids:
            return []
        if self.entity is Entity.CUSTOMER:
            return list(ia.customers_by_ids(ids))
        return list(ia.products_by_ids(ids))

    def sf_write(self, sf: SalesforceConnector, records: list[Record], fields: FieldSets = None) -> list[WriteResult]:
        """``fields``: per record, the native fields an update sends besides the keys (None: all)."""
        if not records:
            return []
        if self.entity is Entity.CUSTOMER:
            return sf.upsert_customers(records, fields)  # type: ignore[arg-type]
        return sf.upsert_products(records, fields)  # type: ignore[arg-type]

    def ia_write(
        self,
        ia: IntacctConnector,
        records: list[Record],
        controlids: Sequence[str] | None = None,
        fields: FieldSets = None,
    ) -> list[WriteResult]:
        if not records:
            return []
        if self.entity is Entity.CUSTOMER:
            return ia.upsert_customers(records, controlids, fields)  # type: ignore[arg-type]
        return ia.upsert_products(records, controlids, fields)  # type: ignore[arg-type]


CUSTOMERS = EntityKind(Entity.CUSTOMER, SF_CUSTOMERS, IA_CUSTOMERS)
PRODUCTS = EntityKind(Entity.PRODUCT, SF_PRODUCTS, IA_ITEMS)
KINDS = (CUSTOMERS, PRODUCTS)


def kind_of(entity: Entity | str) -> EntityKind:
    return CUSTOMERS if Entity(entity) is Entity.CUSTOMER else PRODUCTS
