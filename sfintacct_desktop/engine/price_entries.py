"""Price book entries kept in step: product, price and active flag, per linked book and list.

Why keyed by (book, product): Salesforce allows one entry per product in a book (per currency in a
multi-currency org) and the sync copies only plain Intacct entries (value type ``Actual``, no
quantity break), so inside a linked pair of books an entry is found on the other side by its
product's link. An unlinked entry is first looked for there and only created when missing, so a
lost answer ends in a link, not a second entry.

Ownership comes from the mapping file (``[pricebook]``): finance owns the price by default, so a
price changed in Salesforce is put back to the price list's and logged (``overwrite_back``);
``active`` is ``both`` by default (one side changed: take it; both changed differently: Intacct's).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..connectors.ia_price_lists import IntacctPriceLists
from ..connectors.sf_pricebooks import SalesforcePriceBooks
from ..domain import AuditOperation, Entity, ErrorInfo, ErrorKind, Link, PriceEntry, System
from .mapping import Owner
from .run import RunContext
from .streams import IA_PRICE_ENTRIES, SF_PRICEBOOKS

ENTRY = Entity.PRICE_ENTRY.value


def as_price(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def decide(owner: Owner, base: Any, sf: Any, ia: Any) -> tuple[Any, bool]:
    """The agreed value and whether Salesforce's change was put back (see ``engine/pricebooks``)."""
    sf_changed, ia_changed = sf != base, ia != base
    if owner is Owner.INTACCT:
        return ia, sf_changed and sf != ia
    if owner is Owner.SALESFORCE:
        return sf, False
    if ia_changed:
        return ia, sf_changed and sf != ia
    return sf, False


@dataclass
class EntryPair:
    link: Link | None
    sf: PriceEntry | None = None
    ia: PriceEntry | None = None


@dataclass
class _Outcome:
    pair: EntryPair
    price: Decimal | None
    active: bool
    sf_write: bool
    ia_write: bool
    put_back: list[str]


class EntrySync:
    """One cycle's entries of linked books: link or create the unlinked ones, merge the linked."""

    def __init__(self, run: RunContext, book_links: Sequence[Link]) -> None:
        self.run = run
        self.store = run.store
        self.owners = run.mapping.pricebook
        self.book_of_sf = {lk.sf_id: lk for lk in book_links}
        self.book_of_ia = {lk.ia_key: lk for lk in book_links}
        self.sf_books = SalesforcePriceBooks(run.sf)
        self.ia_lists = IntacctPriceLists(run.ia)
        self._product_of: dict[str, str] = {}  # product <-> item keys of the entries paired this cycle

    def sync(self, sf_entries: Iterable[PriceEntry], ia_entries: Iterable[PriceEntry]) -> None:
        sf_list = [e for e in sf_entries if e.book in self.book_of_sf]
        ia_all = [e for e in ia_entries if e.book in self.book_of_ia]
        ia_list = [e for e in ia_all if e.plain]
        for e in ia_all:
            if not e.plain:
                self._skip(e, "a discount, markup or quantity-break entry: Salesforce price books hold plain prices")
        with self.store.read() as r:
            by_sf = r.links.many_by_sf_id(Entity.PRICE_ENTRY, [e.key for e in sf_list])
            by_ia = r.links.many_by_ia_key(Entity.PRICE_ENTRY, [e.key for e in ia_list])
        pairs: dict[int, EntryPair] = {}
        for e in sf_list:
            if e.key in by_sf:
                pairs.setdefault(by_sf[e.key].id, EntryPair(by_sf[e.key])).sf = e
        for e in ia_list:
            if e.key in by_ia:
                pairs.setdefault(by_ia[e.key].id, EntryPair(by_ia[e.key])).ia = e
        new_pairs = self._pair_unlinked(
            [e for e in sf_list if e.key not in by_sf and not e.deleted], [e for e in ia_list if e.key not in by_ia]
        )
        outcomes = [o for o in (self._merge(p) for p in [*pairs.values(), *new_pairs]) if o is not None]
        self._write(outcomes)

    # ------------------------------------------------------------------------ pairing
    def _pair_unlinked(self, sf_new: list[PriceEntry], ia_new: list[PriceEntry]) -> list[EntryPair]:
        """Unlinked entries paired with their counterpart (by book link and product link) or alone."""
        if not sf_new and not ia_new:
            return []
        with self.store.read() as r:
            items = r.links.many_by_sf_id(Entity.PRODUCT, [e.product for e in sf_new], bases=False)
            products = r.links.many_by_ia_key(Entity.PRODUCT, [e.product for e in ia_new], bases=False)
        out: list[EntryPair] = []
        ia_pool = {e.key: e for e in ia_new}
        if sf_new:  # the lists' current entries, to find each counterpart: one request
            lists = sorted({self.book_of_sf[e.book].ia_key for e in sf_new})
            current = [e for e in self.ia_lists.entries(lists) if e.plain]
            with self.store.read() as r:
                linked_ia = r.links.many_by_ia_key(Entity.PRICE_ENTRY, [e.key for e in current], bases=False)
            for e in current:
                if e.key not in linked_ia:
                    ia_pool.setdefault(e.key, e)
        ia_index: dict[tuple[str, str], list[PriceEntry]] = {}
        for e in ia_pool.values():
            ia_index.setdefault((e.book, e.product), []).append(e)
        used_ia: set[str] = set()
        for e in sf_new:
            item = items.get(e.product)
            if item is None:
                self._blocked(e, "its product is not linked to an Intacct item yet")
                continue
            found = ia_index.get((self.book_of_sf[e.book].ia_key, item.ia_key), [])
            if len(found) > 1:
                self._skip(e, f"the price list holds {len(found)} plain entries for item {item.ia_key}")
                continue
            if found:
                used_ia.add(found[0].key)
            out.append(EntryPair(None, e, found[0] if found else None))
        rest = [e for e in ia_new if e.key not in used_ia]
        if rest:  # the books' current entries, to find each counterpart: one query
            books = sorted({self.book_of_ia[e.book].sf_id for e in rest})
            sf_pool = [e for e in self.sf_books.entries_of(books) if not e.deleted]
            sf_index = {(e.book, e.product): e for e in sf_pool}
            with self.store.read() as r:
                linked_sf = r.links.many_by_sf_id(Entity.PRICE_ENTRY, [e.key for e in sf_pool], bases=False)
            for e in rest:
                product = products.get(e.product)
                if product is None:
                    self._blocked(e, "its item is not linked to a Salesforce product yet")
                    continue
                match = sf_index.get((self.book_of_ia[e.book].sf_id, product.sf_id))
                if match is not None and match.key in linked_sf:
                    self._skip(e, "the Salesforce entry of this product is linked to another price list entry")
                    continue
                out.append(EntryPair(None, match, e))
        self._product_of.update({k: v.ia_key for k, v in items.items()})
        self._product_of.update({k: v.sf_id for k, v in products.items()})
        return out

    # -------------------------------------------------------------------------- merge
    def _merge(self, p: EntryPair) -> _Outcome | None:
        link = p.link
        sf_base = link.sf_base if link else {}
        base_price, base_active = as_price(sf_base.get("price")), sf_base.get("active")
        sf_price = p.sf.price if p.sf else base_price
        sf_active = (p.sf.active and not p.sf.deleted) if p.sf else base_active
        ia_price = p.ia.price if p.ia else base_price
        ia_active = p.ia.active if p.ia else base_active
        if link is None and p.sf is not None and p.ia is None:  # new on the Salesforce side only
            return _Outcome(p, sf_price, bool(sf_active), False, True, [])
        if link is None and p.ia is not None and p.sf is None:  # new on the Intacct side only
            return _Outcome(p, ia_price, bool(ia_active), True, False, [])
        price, price_back = decide(self.owners.price, base_price, sf_price, ia_price)
        active, active_back = decide(self.owners.active, base_active, sf_active, ia_active)
        put_back = [n for n, back in (("price", price_back), ("active", active_back)) if back]
        sf_deleted = p.sf is not None and p.sf.deleted
        sf_write = not sf_deleted and (sf_price != price or sf_active != active)
        ia_write = ia_price != price or ia_active != active
        if link is not None and not sf_write and not ia_write and (base_price, base_active) == (price, active):
            return None
        return _Outcome(p, price, bool(active), sf_write, ia_write, put_back)

    # -------------------------------------------------------------------------- writes
    def _write(self, outcomes: list[_Outcome]) -> None:
        ia_out = [o for o in outcomes if o.ia_write]
        sf_out = [o for o in outcomes if o.sf_write]
        ia_res = self.ia_lists.write_entries([self._ia_record(o) for o in ia_out])
        sf_res = self.sf_books.write_entries([self._sf_record(o) for o in sf_out])
        ia_ok = {id(o): r for o, r in zip(ia_out, ia_res, strict=True)}
        sf_ok = {id(o): r for o, r in zip(sf_out, sf_res, strict=True)}
        with self.store.write() as tx:
            for o in outcomes:
                ia_r, sf_r = ia_ok.get(id(o)), sf_ok.get(id(o))
                failed = [r for r in (ia_r, sf_r) if r is not None and not r.ok]
                for r, target in ((ia_r, System.INTACCT), (sf_r, System.SALESFORCE)):
                    if r is not None and not r.ok:
                        self._refused(tx, o, target, r.error)
                if failed:
                    continue
                self._settle(tx, o, ia_r, sf_r)

    def _ia_record(self, o: _Outcome) -> PriceEntry:
        p = o.pair
        if p.ia is not None or p.link is not None:
            key = p.ia.key if p.ia else p.link.ia_key  # type: ignore[union-attr]
            return PriceEntry(System.INTACCT, key, "", "", o.price, o.active)
        sf = p.sf
        assert sf is not None
        return PriceEntry(
            System.INTACCT, "", self.book_of_sf[sf.book].ia_key, self._product_of[sf.product], o.price, o.active
        )

    def _sf_record(self, o: _Outcome) -> PriceEntry:
        p = o.pair
        if p.sf is not None or p.link is not None:
            key = p.sf.key if p.sf else p.link.sf_id  # type: ignore[union-attr]
            return PriceEntry(System.SALESFORCE, key, "", "", o.price, o.active)
        ia = p.ia
        assert ia is not None
        return PriceEntry(
            System.SALESFORCE, "", self.book_of_ia[ia.book].sf_id, self._product_of[ia.product], o.price, o.active
        )

    def _settle(self, tx: Any, o: _Outcome, ia_r: Any, sf_r: Any) -> None:
        p = o.pair
        base = {"price": None if o.price is None else str(o.price), "active": o.active}
        sf_id = p.sf.key if p.sf else (p.link.sf_id if p.link else (sf_r.id if sf_r else ""))
        ia_key = p.ia.key if p.ia else (p.link.ia_key if p.link else ((ia_r.record_no or ia_r.id) if ia_r else ""))
        if p.link is None:
            link = tx.links.create(Entity.PRICE_ENTRY, sf_id, ia_key, ia_record_no=ia_key, sf_base=base, ia_base=base)
            created = (ia_r is not None and ia_r.created) or (sf_r is not None and sf_r.created)
            op = AuditOperation.CREATE if created else AuditOperation.LINK
            tx.audit.add(ENTRY, op, link_id=link.id, record_key=ia_key, run_id=self.run.run_id, after=base)
        else:
            link = p.link
            tx.links.update(link.id, sf_base=base, ia_base=base)
            before = {"salesforce": self._values(p.sf), "intacct": self._values(p.ia), "base": dict(link.sf_base)}
            for target, r in ((System.INTACCT, ia_r), (System.SALESFORCE, sf_r)):
                if r is None:
                    continue
                back = target is System.SALESFORCE and bool(o.put_back)
                tx.audit.add(
                    ENTRY,
                    AuditOperation.OVERWRITE_BACK if back else AuditOperation.UPDATE,
                    target=target,
                    link_id=link.id,
                    record_key=link.ia_key,
                    run_id=self.run.run_id,
                    before=before,
                    after=base,
                    reason=f"{', '.join(o.put_back)} owned by Intacct: Salesforce put back" if back else "",
                )
        tx.inbox.resolve_many(ENTRY, "sync", [k for k in (sf_id, ia_key) if k])
        stream = IA_PRICE_ENTRIES if p.ia is not None else SF_PRICEBOOKS
        tally = self.run.tally(stream)
        tally.applied += 1
        tally.writes_intacct += 1 if ia_r is not None else 0
        tally.writes_salesforce += 1 if sf_r is not None else 0

    @staticmethod
    def _values(e: PriceEntry | None) -> dict[str, Any] | None:
        return None if e is None else {"price": None if e.price is None else str(e.price), "active": e.active}

    # ------------------------------------------------------------------------- reports
    def _stream(self, e: PriceEntry) -> str:
        return SF_PRICEBOOKS if e.system is System.SALESFORCE else IA_PRICE_ENTRIES

    def _skip(self, e: PriceEntry, reason: str) -> None:
        with self.store.write() as tx:
            tx.audit.add(ENTRY, AuditOperation.SKIP, record_key=e.key, run_id=self.run.run_id, reason=reason)
        self.run.tally(self._stream(e)).skipped += 1

    def _blocked(self, e: PriceEntry, reason: str) -> None:
        """An entry that cannot be placed yet: in the inbox, until a later cycle places it."""
        other = System.INTACCT if e.system is System.SALESFORCE else System.SALESFORCE
        info = ErrorInfo(
            ErrorKind.NOT_FOUND,
            "Price book entry waits for its product",
            f"The price book entry {e.key} is not copied: {reason}.",
            "Sync or link the product first; the entry is copied when it next changes.",
            e.system,
        )
        with self.store.write() as tx:
            tx.inbox.record(ENTRY, e.system, other, e.key, "sync", info, {"book": e.book}, run_id=self.run.run_id)
        self.run.tally(self._stream(e)).errors += 1

    def _refused(self, tx: Any, o: _Outcome, target: System, error: ErrorInfo | None) -> None:
        if error is None:
            return
        p = o.pair
        key = (p.sf.key if p.sf else "") or (p.ia.key if p.ia else "") or (p.link.ia_key if p.link else "")
        source = System.SALESFORCE if target is System.INTACCT else System.INTACCT
        tx.inbox.record(ENTRY, source, target, key, "sync", error, run_id=self.run.run_id)
        self.run.tally(IA_PRICE_ENTRIES if p.ia is not None else SF_PRICEBOOKS).errors += 1


__all__ = ["EntryPair", "EntrySync", "as_price", "decide"]
