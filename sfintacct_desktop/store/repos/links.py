"""Links: the record pairs and the merge bases. Lookups come in bulk too, for 1,000-record batches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ...domain.records import System
from ...domain.state import Entity, Link, LinkState
from ..errors import DuplicateError
from ..models import LinkRow
from ..types import to_json, utcnow
from ._base import Repo

_CHUNK = 500  # stay well below SQLite's bound-parameter limit in IN (...) lookups
_UPDATABLE = frozenset({"sf_base", "ia_base", "sf_seen", "ia_seen", "ia_record_no"})
_ENTITY = {e.value: e for e in Entity}  # a dict lookup per row: Enum(value) was a tenth of to_link
_STATE = {s.value: s for s in LinkState}


def to_link(row: Any, *, bases: bool = True) -> Link:
    """A link from a row (ORM or plain); ``bases=False`` for rows read without the merge bases."""
    return Link(
        id=row.id,
        entity=_ENTITY[row.entity],
        sf_id=row.sf_id,
        ia_key=row.ia_key,
        ia_record_no=row.ia_record_no,
        sf_base=dict(row.sf_base or {}) if bases else {},
        ia_base=dict(row.ia_base or {}) if bases else {},
        sf_seen=row.sf_seen,
        ia_seen=row.ia_seen,
        sf_deleted_at=row.sf_deleted_at,
        ia_deleted_at=row.ia_deleted_at,
        state=_STATE[row.state],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class LinkRepo(Repo):
    def create(
        self,
        entity: Entity | str,
        sf_id: str,
        ia_key: str,
        *,
        ia_record_no: str | None = None,
        sf_base: Mapping[str, Any] | None = None,
        ia_base: Mapping[str, Any] | None = None,
        sf_seen: str | None = None,
        ia_seen: str | None = None,
    ) -> Link:
        """Link two records; refuses a second link for either record (DuplicateError)."""
        entity = Entity(entity)
        if len(sf_id) != 18:
            raise ValueError(f"Salesforce Id must be the 18-character form, got {sf_id!r}")
        clash = self._s.scalar(
            sa.select(LinkRow).where(
                LinkRow.entity == entity.value, sa.or_(LinkRow.sf_id == sf_id, LinkRow.ia_key == ia_key)
            )
        )
        if clash is not None:
            raise DuplicateError(f"{entity} already linked: {clash.sf_id} <-> {clash.ia_key} (link {clash.id})")
        row = LinkRow(
            entity=entity.value,
            sf_id=sf_id,
            ia_key=ia_key,
            ia_record_no=ia_record_no,
            sf_base=to_json(dict(sf_base or {})),
            ia_base=to_json(dict(ia_base or {})),
            sf_seen=sf_seen,
            ia_seen=ia_seen,
            state=LinkState.ACTIVE.value,
        )
        self._s.add(row)
        self._s.flush()
        return to_link(row)

    def create_many(self, entity: Entity | str, specs: Iterable[Mapping[str, Any]]) -> list[Link]:
        """:meth:`create` for a batch, in order: one clash query and one id query per 500 links, one insert.

        Each spec has ``sf_id``, ``ia_key`` and optionally ``ia_record_no``, ``sf_base``, ``ia_base``.
        A second link for any record (stored, or twice in the batch) is refused (DuplicateError)
        before anything is written.
        """
        entity = Entity(entity)
        items = list(specs)
        for spec in items:
            if len(spec["sf_id"]) != 18:
                raise ValueError(f"Salesforce Id must be the 18-character form, got {spec['sf_id']!r}")
        sf_ids = [spec["sf_id"] for spec in items]
        ia_keys = [spec["ia_key"] for spec in items]
        if len(set(sf_ids)) != len(sf_ids) or len(set(ia_keys)) != len(ia_keys):
            raise DuplicateError(f"{entity}: the same record twice in one batch of links")
        table = LinkRow.__table__
        cols = (table.c.id, table.c.sf_id, table.c.ia_key)
        for i in range(0, len(items), _CHUNK):  # one query per 500 pairs, each key on its own index
            by_sf = sa.select(*cols).where(table.c.entity == entity.value, table.c.sf_id.in_(sf_ids[i : i + _CHUNK]))
            by_ia = sa.select(*cols).where(table.c.entity == entity.value, table.c.ia_key.in_(ia_keys[i : i + _CHUNK]))
            clash = self._s.execute(sa.union_all(by_sf, by_ia).limit(1)).first()
            if clash is not None:
                raise DuplicateError(f"{entity} already linked: {clash.sf_id} <-> {clash.ia_key} (link {clash.id})")
        now = utcnow()
        rows = []
        for spec in items:
            sf_base = to_json(dict(spec.get("sf_base") or {}))
            # a new pair's bases are most often the same values: converted once
            same = spec.get("ia_base") is spec.get("sf_base")
            ia_base = sf_base if same else to_json(dict(spec.get("ia_base") or {}))
            rows.append(
                {
                    "entity": entity.value,
                    "sf_id": spec["sf_id"],
                    "ia_key": spec["ia_key"],
                    "ia_record_no": spec.get("ia_record_no"),
                    "sf_base": sf_base,
                    "ia_base": ia_base,
                    "state": LinkState.ACTIVE.value,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if not rows:
            return []
        self._s.execute(sa.insert(table), rows)  # one executemany (the ORM inserted row by row)
        # read back the new ids only: the rest of each link is what was just written (reading the
        # links back, bases decoded again, was a third of a busy cycle's link writing)
        ids = self._ids(entity, sf_ids)
        state = LinkState.ACTIVE
        return [
            Link(
                id=ids[row["sf_id"]],
                entity=entity,
                sf_id=row["sf_id"],
                ia_key=row["ia_key"],
                ia_record_no=row["ia_record_no"],
                sf_base=dict(row["sf_base"]),
                ia_base=dict(row["ia_base"]),
                sf_seen=None,
                ia_seen=None,
                sf_deleted_at=None,
                ia_deleted_at=None,
                state=state,
                created_at=now,
                updated_at=now,
            )
            for row in rows
        ]

    def _ids(self, entity: Entity, sf_ids: Iterable[str]) -> dict[str, int]:
        """``{sf_id: link id}`` of the linked ones (plain columns, one query per 500)."""
        wanted = sorted(set(sf_ids))
        t = LinkRow.__table__
        found: dict[str, int] = {}
        for i in range(0, len(wanted), _CHUNK):
            query = sa.select(t.c.sf_id, t.c.id).where(
                t.c.entity == entity.value, t.c.sf_id.in_(wanted[i : i + _CHUNK])
            )
            found.update((sf_id, link_id) for sf_id, link_id in self._s.execute(query))
        return found

    def ia_keys(self, entity: Entity | str) -> set[str]:
        """Every Intacct key linked for ``entity`` (keys only: new keys must not collide with them)."""
        return set(self._s.scalars(sa.select(LinkRow.ia_key).where(LinkRow.entity == Entity(entity).value)))

    def get(self, link_id: int) -> Link:
        return to_link(self._get(LinkRow, link_id))

    def by_sf_id(self, entity: Entity | str, sf_id: str) -> Link | None:
        row = self._s.scalar(sa.select(LinkRow).where(LinkRow.entity == Entity(entity).value, LinkRow.sf_id == sf_id))
        return to_link(row) if row else None

    def by_ia_key(self, entity: Entity | str, ia_key: str) -> Link | None:
        row = self._s.scalar(sa.select(LinkRow).where(LinkRow.entity == Entity(entity).value, LinkRow.ia_key == ia_key))
        return to_link(row) if row else None

    def many_by_sf_id(self, entity: Entity | str, sf_ids: Iterable[str], *, bases: bool = True) -> dict[str, Link]:
        return {link.sf_id: link for link in self._many(entity, LinkRow.sf_id, sf_ids, bases)}

    def many_by_ia_key(self, entity: Entity | str, ia_keys: Iterable[str], *, bases: bool = True) -> dict[str, Link]:
        return {link.ia_key: link for link in self._many(entity, LinkRow.ia_key, ia_keys, bases)}

    def mark(self, entity: Entity | str) -> tuple[int, int, datetime | None]:
        """The links' count, highest id and newest ``updated_at``: a link created, removed or updated
        moves it (every write of a link sets ``updated_at``), so a cache of links can tell it is stale."""
        t = LinkRow.__table__
        query = sa.select(sa.func.count(), sa.func.max(t.c.id), sa.func.max(t.c.updated_at))
        count, top, newest = self._s.execute(query.where(t.c.entity == Entity(entity).value)).one()
        return int(count or 0), int(top or 0), newest

    def sf_ids_updated_since(self, entity: Entity | str, since: datetime) -> set[str]:
        """The Salesforce Ids of the links updated at or after ``since``."""
        t = LinkRow.__table__
        query = sa.select(t.c.sf_id).where(t.c.entity == Entity(entity).value, t.c.updated_at >= since)
        return set(self._s.scalars(query))

    def sf_seen_marks(self, entity: Entity | str, sf_ids: Iterable[str]) -> dict[str, tuple[str, bool, str]]:
        """``{sf_id: (sf_seen, deleted in Salesforce, ia_key)}`` of the linked ones: all that deciding
        whether a re-read Account is as last seen needs, as plain values (no Link, no timestamps to parse)."""
        wanted = sorted(set(sf_ids))
        t = LinkRow.__table__
        cols = (t.c.sf_id, t.c.sf_seen, t.c.sf_deleted_at.is_not(None), t.c.ia_key)
        found: dict[str, tuple[str, bool, str]] = {}
        for i in range(0, len(wanted), _CHUNK):
            query = sa.select(*cols).where(t.c.entity == Entity(entity).value, t.c.sf_id.in_(wanted[i : i + _CHUNK]))
            for sf_id, seen, deleted, ia_key in self._s.execute(query):
                found[sf_id] = (seen or "", bool(deleted), ia_key)
        return found

    def many_by_ia_record_no(self, entity: Entity | str, record_nos: Iterable[str]) -> dict[str, Link]:
        """Links by the Intacct RECORDNO last seen (an audit trail OBJECTKEY may be either key)."""
        return {link.ia_record_no or "": link for link in self._many(entity, LinkRow.ia_record_no, record_nos)}

    def many_by_id(self, link_ids: Iterable[int]) -> dict[int, Link]:
        """Links by id, bases included (one query per 500 ids)."""
        wanted = sorted(set(link_ids))
        table = LinkRow.__table__
        found: dict[int, Link] = {}
        for i in range(0, len(wanted), _CHUNK):
            for row in self._s.execute(sa.select(table).where(table.c.id.in_(wanted[i : i + _CHUNK]))):
                found[row.id] = to_link(row)
        return found

    def _many(self, entity: Entity | str, column: Any, keys: Iterable[str], bases: bool = True) -> list[Link]:
        """Links by many keys, read as plain rows (no ORM identity work: a cycle reads thousands).

        ``bases=False`` leaves the merge bases out (empty): deciding which re-read records are
        unchanged needs only the seen marks, and decoding thousands of JSON bases was most of an
        idle cycle's own time. Such links must not be merged: read the kept ones with :meth:`many_by_id`.
        """
        wanted = sorted(set(keys))
        found: list[Link] = []
        table = LinkRow.__table__
        columns = list(table.c) if bases else [c for c in table.c if c.name not in ("sf_base", "ia_base")]
        for i in range(0, len(wanted), _CHUNK):
            rows = self._s.execute(
                sa.select(*columns).where(table.c.entity == Entity(entity).value, column.in_(wanted[i : i + _CHUNK]))
            )
            found.extend(to_link(r, bases=bases) for r in rows)
        return found

    def list(self, entity: Entity | str | None = None, state: LinkState | str | None = None) -> list[Link]:
        query = sa.select(LinkRow).order_by(LinkRow.id)
        if entity is not None:
            query = query.where(LinkRow.entity == Entity(entity).value)
        if state is not None:
            query = query.where(LinkRow.state == LinkState(state).value)
        return [to_link(r) for r in self._s.scalars(query)]

    def count(self, entity: Entity | str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(LinkRow)
        if entity is not None:
            query = query.where(LinkRow.entity == Entity(entity).value)
        return int(self._s.scalar(query) or 0)

    def update(
        self,
        link_id: int,
        *,
        sf_base: Mapping[str, Any] | None = None,
        ia_base: Mapping[str, Any] | None = None,
        sf_seen: str | None = None,
        ia_seen: str | None = None,
        ia_record_no: str | None = None,
    ) -> Link:
        """Replace the given bases / seen marks (None leaves a value as it is)."""
        row = self._get(LinkRow, link_id)
        if sf_base is not None:
            row.sf_base = to_json(dict(sf_base))
        if ia_base is not None:
            row.ia_base = to_json(dict(ia_base))
        if sf_seen is not None:
            row.sf_seen = sf_seen
        if ia_seen is not None:
            row.ia_seen = ia_seen
        if ia_record_no is not None:
            row.ia_record_no = ia_record_no
        row.updated_at = utcnow()
        self._s.flush()
        return to_link(row)

    def update_many(self, changes: Iterable[Mapping[str, Any]]) -> int:
        """Apply many :meth:`update` calls in one statement per shape (a batch's links at once).

        Each change has ``id`` and any of ``sf_base``, ``ia_base``, ``sf_seen``, ``ia_seen``,
        ``ia_record_no``; a missing or None value leaves the column as it is. Why Core and not
        the ORM: a batch of 200 quiet merges was 200 SELECTs and 200 flushes; this is one
        executemany. Rows already loaded in the session are not refreshed (callers only write).
        """
        table = LinkRow.__table__
        now = utcnow()
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for change in changes:
            row = {k: v for k, v in change.items() if k != "id" and v is not None and k in _UPDATABLE}
            for name in ("sf_base", "ia_base"):
                if name in row:
                    row[name] = to_json(dict(row[name]))
            row["updated_at"] = now
            row["_id"] = change["id"]
            shapes.setdefault(tuple(sorted(row)), []).append(row)
        count = 0
        for shape, rows in shapes.items():
            values = {k: sa.bindparam(k) for k in shape if k != "_id"}
            stmt = sa.update(table).where(table.c.id == sa.bindparam("_id")).values(values)
            self._s.execute(stmt, rows)
            count += len(rows)
        return count

    def mark_deleted(self, link_id: int, side: System | str, at: datetime | None = None) -> Link:
        """Record that one side deleted (or deactivated) its record: the link becomes a tombstone."""
        row = self._get(LinkRow, link_id)
        when = at or utcnow()
        if System(side) is System.SALESFORCE:
            row.sf_deleted_at = when
        else:
            row.ia_deleted_at = when
        row.state = LinkState.TOMBSTONED.value
        row.updated_at = utcnow()
        self._s.flush()
        return to_link(row)

    def mark_restored(self, link_id: int, side: System | str) -> Link:
        """Undelete on one side; the link is active again once neither side is deleted."""
        row = self._get(LinkRow, link_id)
        if System(side) is System.SALESFORCE:
            row.sf_deleted_at = None
        else:
            row.ia_deleted_at = None
        if row.sf_deleted_at is None and row.ia_deleted_at is None:
            row.state = LinkState.ACTIVE.value
        row.updated_at = utcnow()
        self._s.flush()
        return to_link(row)
