"""The baseline's price books: custom Salesforce price books and Intacct price lists, linked by name.

Why by name: a price list's NAME is its key in Intacct (entries name their list by it) and a price
book has no other identifier both systems share, so the plan proposes a link for a book and a list
of the same name (case, spacing and punctuation ignored) and a create for the others, with the
dry-run diff of each: the active flag that differs, the entries whose prices differ (the mapping's
owner wins; finance by default), and the entries each side lacks. An entry is placed on the other
side through its product's link (existing, or proposed by this plan); entries whose product has
none, and Intacct entries that are not a plain price (discount, markup, quantity break), are counted
with the reason and not written. The load applies the accepted actions with the live sync's own
writers (``engine/pricebooks.py``), so the bases it stores are what the next cycle compares with.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ...domain import Link, PriceBook, PriceEntry
from ...domain.pricebooks import book_name_key
from ..mapping import Mapping, Owner

ENTITY = "pricebook"
LINK_RULE = (
    "a Salesforce price book and an Intacct price list of the same name (case, spacing and punctuation "
    "ignored) are linked; a differing entry price takes its owner's value ({owner} by default)"
)


def jsonable(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _write(system: str, operation: str, key: str | None, before: dict | None, after: dict) -> dict[str, Any]:
    return {"system": system, "operation": operation, "key": key, "before": before, "after": after}


class PriceBookPlanner:
    """Plans price books from the extract, the store's price book links and the product links."""

    def __init__(
        self,
        mapping: Mapping,
        sf_books: Sequence[PriceBook],
        sf_entries: Sequence[PriceEntry],
        ia_lists: Sequence[PriceBook],
        ia_entries: Sequence[PriceEntry],
        links: Sequence[Link],
        item_of_product: dict[str, str],
        held_out: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.owners = mapping.pricebook
        self.sf = {b.key: b for b in sf_books if not b.standard}
        self.ia = {b.key: b for b in ia_lists}
        self.sf_entries: dict[str, list[PriceEntry]] = {}
        for e in sf_entries:
            if not e.deleted:
                self.sf_entries.setdefault(e.book, []).append(e)
        self.ia_entries: dict[str, list[PriceEntry]] = {}
        for e in ia_entries:
            self.ia_entries.setdefault(e.book, []).append(e)
        self.links = list(links)
        self.item_of = dict(item_of_product)  # Product2 Id -> ITEMID (linked or proposed)
        self.product_of = {v: k for k, v in self.item_of.items()}
        self.held_out = held_out or {}
        self.actions: list[dict[str, Any]] = []

    def plan(self) -> list[dict[str, Any]]:
        linked_sf = {lk.sf_id for lk in self.links}
        linked_ia = {lk.ia_key for lk in self.links}
        for lk in self.links:
            b = self.sf.get(lk.sf_id)
            self._action(
                "link",
                salesforce=lk.sf_id,
                intacct=lk.ia_key,
                name=b.name if b else lk.ia_key,
                status="existing",
                accepted=True,
                fields={},
                writes=[],
            )
        free_ia = {book_name_key(b.name): b for k, b in self.ia.items() if k not in linked_ia}
        for key, book in sorted(self.sf.items(), key=lambda kv: kv[1].name):
            if key in linked_sf or book.deleted:
                continue
            earlier = self.held_out.get("salesforce", {}).get(key)
            if earlier:
                self._leave_out("salesforce", book, f"left out by an earlier baseline: {earlier}")
                continue
            lst = free_ia.pop(book_name_key(book.name), None)
            if lst is not None:
                self._link(book, lst)
            elif not book.active:
                self._leave_out("salesforce", book, "inactive")
            else:
                self._create_in_intacct(book)
        for lst in sorted(free_ia.values(), key=lambda b: b.name):
            earlier = self.held_out.get("intacct", {}).get(lst.key)
            if earlier:
                self._leave_out("intacct", lst, f"left out by an earlier baseline: {earlier}")
            elif not lst.active:
                self._leave_out("intacct", lst, "inactive")
            else:
                self._create_in_salesforce(lst)
        return self.actions

    # ------------------------------------------------------------------------ actions
    def _action(self, action: str, **extra: Any) -> dict[str, Any]:
        row = {"entity": ENTITY, "action": action, "accepted": False, **extra}
        self.actions.append(row)
        return row

    def _leave_out(self, side: str, book: PriceBook, reason: str) -> None:
        self._action("leave_out", system=side, key=book.key, name=book.name, reason=reason, writes=[])

    def _link(self, book: PriceBook, lst: PriceBook) -> None:
        fields: dict[str, Any] = {}
        writes: list[dict[str, Any]] = []
        if book.active != lst.active:
            # as the live sync links them: the owner's value; for "both", Intacct's (finance's catalogue)
            winner = "salesforce" if self.owners.active is Owner.SALESFORCE else "intacct"
            value = lst.active if winner == "intacct" else book.active
            fields["active"] = {
                "salesforce": book.active,
                "intacct": lst.active,
                "owner": self.owners.active.value,
                "winner": winner,
                "value": value,
                "reason": "Salesforce owns the field"
                if winner == "salesforce"
                else "Intacct's value is kept when a book and a list are linked",
            }
            loser, key = ("salesforce", book.key) if winner == "intacct" else ("intacct", lst.key)
            was = book.active if loser == "salesforce" else lst.active
            writes.append(_write(loser, "update", key, {"active": was}, {"active": value}))
        entries, notes = self._entry_writes(book, lst)
        self._action(
            "link",
            status="auto",
            salesforce=book.key,
            intacct=lst.key,
            name=book.name,
            intacct_name=lst.name,
            score=1.0,
            method="name",
            reasons=["same name"] if book.name == lst.name else ["same name, spelled differently"],
            fields=fields,
            entry_notes=notes,
            writes=writes + entries,
        )

    def _entry_writes(self, book: PriceBook, lst: PriceBook) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """The entry writes of linking ``book`` and ``lst``, and what is left alone (counted)."""
        notes = {"not_plain": 0, "product_not_linked": 0, "several_entries": 0}
        ia_by_item: dict[str, list[PriceEntry]] = {}
        for e in self.ia_entries.get(lst.key, []):
            if not e.plain:
                notes["not_plain"] += 1
                continue
            ia_by_item.setdefault(e.product, []).append(e)
        writes: list[dict[str, Any]] = []
        seen: set[str] = set()
        for e in self.sf_entries.get(book.key, []):
            item = self.item_of.get(e.product)
            if item is None:
                notes["product_not_linked"] += 1
                continue
            seen.add(item)
            found = ia_by_item.get(item, [])
            if len(found) > 1:
                notes["several_entries"] += 1
                continue
            if not found:
                after = {"PRICELISTID": lst.key, "ITEMID": item, "VALUE": jsonable(e.price), "active": e.active}
                writes.append(_write("intacct", "create", None, None, after))
                continue
            ia = found[0]
            if ia.price != e.price:
                if self.owners.price is Owner.SALESFORCE:
                    writes.append(
                        _write("intacct", "update", ia.key, {"price": jsonable(ia.price)}, {"price": jsonable(e.price)})
                    )
                else:
                    writes.append(
                        _write(
                            "salesforce", "update", e.key, {"price": jsonable(e.price)}, {"price": jsonable(ia.price)}
                        )
                    )
        for item, found in sorted(ia_by_item.items()):
            if item in seen:
                continue
            product = self.product_of.get(item)
            if product is None:
                notes["product_not_linked"] += len(found)
                continue
            for ia in found:
                after = {"Pricebook2Id": book.key, "Product2Id": product, "UnitPrice": jsonable(ia.price)}
                writes.append(_write("salesforce", "create", None, None, after))
        return writes, {k: v for k, v in notes.items() if v}

    def _create_in_intacct(self, book: PriceBook) -> None:
        new = PriceBook(book.system, key=book.name, name=book.name, active=book.active)
        writes, notes = self._entry_writes(book, new)
        self._action(
            "create",
            target="intacct",
            status="suggested",
            salesforce=book.key,
            name=book.name,
            proposed_key=book.name,
            entry_notes=notes,
            writes=[_write("intacct", "create", book.name, None, {"NAME": book.name, "active": book.active}), *writes],
        )

    def _create_in_salesforce(self, lst: PriceBook) -> None:
        new = PriceBook(lst.system, key="(the new price book's Id)", name=lst.name, active=lst.active)
        writes, notes = self._entry_writes(new, lst)
        self._action(
            "create",
            target="salesforce",
            status="suggested",
            intacct=lst.key,
            name=lst.name,
            entry_notes=notes,
            writes=[_write("salesforce", "create", None, None, {"Name": lst.name, "IsActive": lst.active}), *writes],
        )


def plan_pricebooks(
    mapping: Mapping,
    sf_books: Sequence[PriceBook],
    sf_entries: Sequence[PriceEntry],
    ia_lists: Sequence[PriceBook],
    ia_entries: Sequence[PriceEntry],
    links: Sequence[Link],
    item_of_product: dict[str, str],
    held_out: dict[str, dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """The price book actions of the plan (pure: reads only its arguments)."""
    planner = PriceBookPlanner(mapping, sf_books, sf_entries, ia_lists, ia_entries, links, item_of_product, held_out)
    return planner.plan()


__all__ = ["ENTITY", "LINK_RULE", "PriceBookPlanner", "plan_pricebooks"]
