"""Price books both ways: custom Salesforce price books <-> Intacct Order Entry price lists.

Why this shape: a price book is linked to the price list of the same name (case and spacing
ignored), never duplicated: an unlinked book is first looked for by name on the other side and only
created there when no list of that name exists, so a lost answer or a lost state database ends in
a link, not a second list. Books and lists are never deleted: a deactivated (or deleted) book
deactivates its list and the other way round. Entries are then kept in step one by one
(``engine/price_entries.py``). Reads ride in the cycle's reads (books come with the products query,
lists with the audit trail probe); writes are batched (200 records a Salesforce call, 100 an
Intacct request).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..connectors.ia_price_lists import IntacctPriceLists
from ..connectors.sf_pricebooks import SalesforcePriceBooks
from ..domain import AuditOperation, Entity, ErrorInfo, Link, PriceBook, PriceEntry, System
from ..domain.pricebooks import book_name_key
from .price_entries import EntrySync, decide
from .run import RunContext
from .streams import IA_PRICE_ENTRIES, IA_PRICE_LISTS, SF_PRICEBOOKS

BOOK = Entity.PRICEBOOK.value
HELD_OUT_META = "baseline_left_out"  # written by the baseline load: {entity: {side: {key: reason}}}


@dataclass
class BookPair:
    link: Link
    sf: PriceBook | None = None
    ia: PriceBook | None = None
    fresh: bool = False  # linked in this cycle: every entry of both sides is compared


class PriceBookSync:
    """One cycle's price book work over a run context."""

    def __init__(self, run: RunContext) -> None:
        self.run = run
        self.store = run.store
        self.sf_books = SalesforcePriceBooks(run.sf)
        self.ia_lists = IntacctPriceLists(run.ia)
        self.owners = run.mapping.pricebook
        self.force = False  # a retry: refused creates are tried again even if nothing changed

    # ------------------------------------------------------------------------ the cycle
    def run_cycle(
        self,
        sf_books: Iterable[PriceBook],
        sf_entries: Iterable[PriceEntry],
        ia_lists: Iterable[PriceBook],
        ia_entries: Iterable[PriceEntry],
    ) -> None:
        sf_all = [b for b in sf_books if not b.standard]
        ia_changed = list(ia_lists)
        with self.store.read() as r:
            links = r.links.list(Entity.PRICEBOOK)
            held = (r.meta.get(HELD_OUT_META) or {}).get(BOOK) or {}
        by_sf = {link.sf_id: link for link in links}
        by_ia = {link.ia_key: link for link in links}
        pairs: dict[int, BookPair] = {}
        for b in sf_all:
            if b.key in by_sf:
                pairs.setdefault(by_sf[b.key].id, BookPair(by_sf[b.key])).sf = b
        for lst in ia_changed:
            if lst.key in by_ia:
                pairs.setdefault(by_ia[lst.key].id, BookPair(by_ia[lst.key])).ia = lst
        self.run.tally(IA_PRICE_LISTS).read += len(ia_changed)
        held_sf, held_ia = held.get("salesforce") or {}, held.get("intacct") or {}
        if not self.force:  # a book whose create was refused waits for a change (or a retry)
            held_sf = {**held_sf, **self._refused_unchanged(sf_all)}
        unlinked_sf = [b for b in sf_all if b.key not in by_sf and not b.deleted and b.key not in held_sf]
        unlinked_ia = [lst for lst in ia_changed if lst.key not in by_ia and lst.key not in held_ia]
        for pair in self._link_new(unlinked_sf, unlinked_ia, sf_all):
            pairs[pair.link.id] = pair
        changed_books = [p for p in pairs.values() if p.fresh or self._book_changed(p)]
        self.run.tally(SF_PRICEBOOKS).read += sum(1 for p in changed_books if p.sf is not None and not p.fresh)
        self._sync_active(changed_books)
        sf_list = list(sf_entries)
        ia_list = list(ia_entries)
        fresh = [p for p in pairs.values() if p.fresh]
        if fresh:  # every entry of newly linked books and lists, in one read per side
            sf_list += self._sf_entries_of({p.link.sf_id for p in fresh}, sf_list)
            known = {e.key for e in ia_list}
            ia_list += [e for e in self.ia_lists.entries([p.link.ia_key for p in fresh]) if e.key not in known]
        self.run.tally(SF_PRICEBOOKS).read += len(sf_list)
        self.run.tally(IA_PRICE_ENTRIES).read += len(ia_list)
        with self.store.read() as r:
            book_links = r.links.list(Entity.PRICEBOOK)
        EntrySync(self.run, book_links).sync(sf_list, ia_list)

    def _refused_unchanged(self, books: list[PriceBook]) -> dict[str, str]:
        with self.store.read() as r:
            items = r.inbox.list(entity=BOOK)
        stamps = {i.record_key: i.payload.get("stamp") for i in items if i.operation == "create"}
        return {
            b.key: "its create was refused"
            for b in books
            if b.key in stamps and stamps[b.key] == (b.modified_at.isoformat() if b.modified_at else None)
        }

    def retry(self) -> None:
        """The operator's retry of price book items: every book and list, every entry, compared again."""
        self.force = True
        books, sf_entries = self.sf_books.books()
        lists = self.ia_lists.lists()
        with self.store.read() as r:
            linked = [lk.ia_key for lk in r.links.list(Entity.PRICEBOOK)]
        self.run_cycle(books, sf_entries, lists, self.ia_lists.entries(linked))

    def load(self, sf_keys: set[str], ia_keys: set[str]) -> None:
        """The baseline load of accepted price book actions: those books and lists linked by name
        (or their missing side created), then every entry of each pair, as a cycle does."""
        books, _ = self.sf_books.books()
        lists = self.ia_lists.lists()
        self.run_cycle([b for b in books if b.key in sf_keys], [], [b for b in lists if b.key in ia_keys], [])

    def _sf_entries_of(self, book_ids: set[str], have: list[PriceEntry]) -> list[PriceEntry]:
        known = {e.key for e in have}
        return [e for e in self.sf_books.entries_of(sorted(book_ids)) if e.key not in known]

    # ----------------------------------------------------------------------- linking
    def _link_new(
        self, unlinked_sf: list[PriceBook], unlinked_ia: list[PriceBook], sf_all: list[PriceBook]
    ) -> list[BookPair]:
        """Link unlinked books and lists by name; create the missing side of the others."""
        if not unlinked_sf and not unlinked_ia:
            return []
        with self.store.read() as r:
            links = r.links.list(Entity.PRICEBOOK)
        linked_ia = {lk.ia_key for lk in links}
        ia_by_name = {book_name_key(lst.name): lst for lst in unlinked_ia}
        if unlinked_sf:  # lists of those names that did not change lately: one read of every list
            for lst in self.ia_lists.lists():
                if lst.key not in linked_ia:
                    ia_by_name.setdefault(book_name_key(lst.name), lst)
        sf_by_name = {book_name_key(b.name): b for b in sf_all if not b.deleted}
        matched: list[tuple[PriceBook, PriceBook]] = []
        create_ia: list[tuple[PriceBook, PriceBook]] = []  # (the Salesforce book, the list to create)
        for b in unlinked_sf:
            lst = ia_by_name.pop(book_name_key(b.name), None)
            if lst is not None:
                matched.append((b, lst))
            else:
                create_ia.append((b, PriceBook(System.INTACCT, key=b.name, name=b.name, active=b.active)))
        done_ia = {lst.key for _, lst in matched}
        create_sf: list[tuple[PriceBook, PriceBook]] = []  # (the list, the book to create)
        for lst in unlinked_ia:
            if lst.key in done_ia:
                continue
            b = sf_by_name.get(book_name_key(lst.name))
            if b is not None:  # its namesake is linked to another list already: never a second book
                self._skip(lst, f"the Salesforce price book {b.name!r} is linked to another price list")
                continue
            create_sf.append((lst, PriceBook(System.SALESFORCE, key="", name=lst.name, active=lst.active)))
        ia_made = self.ia_lists.create_lists([new for _, new in create_ia])
        sf_made = self.sf_books.write_books([new for _, new in create_sf])
        specs: list[tuple[PriceBook, PriceBook, str]] = [(b, lst, "matched by name") for b, lst in matched]
        pairs: list[BookPair] = []
        with self.store.write() as tx:
            for res, (src, new) in zip(ia_made, create_ia, strict=True):
                if not res.ok:
                    stamp = src.modified_at.isoformat() if src.modified_at else None
                    self._refused(tx, src.key, System.INTACCT, res.error, {"name": src.name, "stamp": stamp})
                    continue
                specs.append((src, replace(new, key=res.id or new.name, record_no=res.record_no), "created"))
                self.run.tally(SF_PRICEBOOKS).writes_intacct += 1
            for res, (src, new) in zip(sf_made, create_sf, strict=True):
                if not res.ok:
                    self._refused(tx, src.key, System.SALESFORCE, res.error, {"name": src.name})
                    continue
                specs.append((replace(new, key=res.id), src, "created"))
                self.run.tally(IA_PRICE_LISTS).writes_salesforce += 1
            for sf, ia, how in specs:
                base = {"active": sf.active and not sf.deleted}
                link = tx.links.create(
                    Entity.PRICEBOOK, sf.key, ia.key, ia_record_no=ia.record_no or None, sf_base=base, ia_base=base
                )
                tx.audit.add(
                    BOOK,
                    AuditOperation.CREATE if how == "created" else AuditOperation.LINK,
                    link_id=link.id,
                    record_key=sf.name,
                    run_id=self.run.run_id,
                    after={"salesforce": sf.key, "intacct": ia.key, "active": sf.active},
                    reason=f"price book {how}",
                )
                pairs.append(BookPair(link, sf, ia, fresh=True))
            tx.inbox.resolve_many(BOOK, "create", [k for sf, ia, _ in specs for k in (sf.key, ia.key)])
        return pairs

    def _skip(self, lst: PriceBook, reason: str) -> None:
        with self.store.write() as tx:
            tx.audit.add(BOOK, AuditOperation.SKIP, record_key=lst.key, run_id=self.run.run_id, reason=reason)
        self.run.tally(IA_PRICE_LISTS).skipped += 1

    def _refused(self, tx: Any, key: str, target: System, error: ErrorInfo | None, payload: dict[str, Any]) -> None:
        if error is None:
            return
        source = System.SALESFORCE if target is System.INTACCT else System.INTACCT
        tx.inbox.record(BOOK, source, target, key, "create", error, payload, run_id=self.run.run_id)
        stream = SF_PRICEBOOKS if target is System.INTACCT else IA_PRICE_LISTS
        self.run.tally(stream).errors += 1

    # ------------------------------------------------------------------- active flag
    @staticmethod
    def _book_changed(pair: BookPair) -> bool:
        base = pair.link.sf_base.get("active")
        return (pair.sf is not None and (pair.sf.active and not pair.sf.deleted) != base) or (
            pair.ia is not None and pair.ia.active != pair.link.ia_base.get("active")
        )

    def _sync_active(self, pairs: list[BookPair]) -> None:
        """A book deactivated (or deleted) on one side is deactivated on the other; nothing is deleted."""
        to_ia: list[tuple[BookPair, bool]] = []
        to_sf: list[tuple[BookPair, bool, bool]] = []
        settled: list[tuple[BookPair, bool]] = []
        for p in pairs:
            base = p.link.sf_base.get("active", True)
            sf = (p.sf.active and not p.sf.deleted) if p.sf is not None else base
            ia = p.ia.active if p.ia is not None else base
            value, put_back = decide(self.owners.active, base, sf, ia)
            if sf != value and not (p.sf is not None and p.sf.deleted):
                to_sf.append((p, value, put_back))
            if ia != value:
                to_ia.append((p, value))
            settled.append((p, value))
        ia_res = self.ia_lists.update_lists(
            [PriceBook(System.INTACCT, p.link.ia_key, p.link.ia_key, v) for p, v in to_ia]
        )
        sf_res = self.sf_books.write_books([PriceBook(System.SALESFORCE, p.link.sf_id, "", v) for p, v, _ in to_sf])
        failed: set[int] = set()
        with self.store.write() as tx:
            for (p, v), res in zip(to_ia, ia_res, strict=True):
                if not res.ok:
                    failed.add(p.link.id)
                    self._update_refused(tx, p.link.ia_key, System.INTACCT, res.error)
                    continue
                self.run.tally(SF_PRICEBOOKS).writes_intacct += 1
                self._audit(tx, p, System.INTACCT, v, put_back=False)
            for (p, v, put_back), res in zip(to_sf, sf_res, strict=True):
                if not res.ok:
                    failed.add(p.link.id)
                    self._update_refused(tx, p.link.sf_id, System.SALESFORCE, res.error)
                    continue
                self.run.tally(IA_PRICE_LISTS).writes_salesforce += 1
                self._audit(tx, p, System.SALESFORCE, v, put_back=put_back)
            tx.links.update_many(
                {"id": p.link.id, "sf_base": {"active": v}, "ia_base": {"active": v}}
                for p, v in settled
                if p.link.id not in failed
            )

    def _update_refused(self, tx: Any, key: str, target: System, error: ErrorInfo | None) -> None:
        if error is not None:
            source = System.SALESFORCE if target is System.INTACCT else System.INTACCT
            tx.inbox.record(BOOK, source, target, key, "update", error, run_id=self.run.run_id)

    def _audit(self, tx: Any, pair: BookPair, target: System, active: bool, *, put_back: bool) -> None:
        op = (
            AuditOperation.OVERWRITE_BACK
            if put_back
            else (AuditOperation.REACTIVATE if active else AuditOperation.DEACTIVATE)
        )
        tx.audit.add(
            BOOK,
            op,
            target=target,
            link_id=pair.link.id,
            record_key=pair.link.ia_key,
            run_id=self.run.run_id,
            after={"active": active},
            reason="the active flag is owned by Intacct: Salesforce put back" if put_back else "",
        )


__all__ = ["BookPair", "PriceBookSync", "book_name_key"]
