"""The baseline review table: one row per proposed action, an 'Accept' check box, sortable and
filterable through :class:`ReviewFilter`.

Why a model over prepared rows: a plan of a large company has thousands of actions; the rows are
flattened off the GUI thread (``app.baseline_review.review_rows``) and the view only asks for what
it paints. Every row's search text and sort key per column are made off the GUI thread too
(:func:`prepare`), so a sort is one sort of ready keys and a filter one pass over ready text: with
2,700 rows, building them on the GUI thread held it for 15-35 ms per click. The person's choices go
into the plan's own action dicts (``accepted``); they are written as the newest plan before it is
applied.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from ...app.baseline_review import DECISIONS, ReviewRow, review_rows
from .rows import TONES

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()
SORT_ROLE = Qt.ItemDataRole.UserRole

# (title, header tooltip); the Accept column comes first.
COLUMNS = [
    ("Accept", "Tick to apply this action"),
    ("#", "The action's number in the plan file"),
    ("Object", "customer, product or opportunity"),
    ("Proposed action", "What applying it does"),
    ("Status", "auto / suggested: proposed by the rules; review: a person must decide"),
    ("Salesforce ID", "The Salesforce record"),
    ("Salesforce", "The name in Salesforce"),
    ("Intacct ID", "The Intacct record (or the ID a create will use)"),
    ("Intacct", "The name in Intacct"),
    ("Score", "How alike the pair is, 0 to 1"),
    ("Reason", "Why it is proposed, and the fields that differ; select the row for every detail"),
]
ACCEPT, ID, ENTITY, ACTION, STATUS, SF_KEY, SF_NAME, IA_KEY, IA_NAME, SCORE, REASON = range(len(COLUMNS))

# Roles as plain ints, compared in ``data``: Qt asks it about seven roles per painted cell, and a
# repaint of the table is a few hundred cells on the GUI thread.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_CHECK = int(Qt.ItemDataRole.CheckStateRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_SORT = int(SORT_ROLE)
_LEFT = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight) | int(Qt.AlignmentFlag.AlignVCenter)
ALIGNMENT = tuple(_RIGHT if col in (ID, SCORE) else _LEFT for col in range(len(COLUMNS)))
_TIPPED = frozenset((REASON, SF_NAME, IA_NAME, SCORE))
_BASE_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _display(r: ReviewRow, col: int) -> str:
    if col == ACCEPT:
        return ""
    if col == ACTION:
        return DECISIONS.get(r.decision, r.decision)
    if col == SCORE:
        return "" if r.score is None else f"{r.score:.2f}"
    return str(
        {
            ID: r.id,
            ENTITY: r.entity,
            STATUS: "needs review" if r.needs_review else r.status,
            SF_KEY: r.sf_key,
            SF_NAME: r.sf_name,
            IA_KEY: r.ia_key,
            IA_NAME: r.ia_name,
            REASON: (f"differs: {r.differs} · " if r.differs else "") + r.reason,
        }[col]
    )


def _sort_key(r: ReviewRow, column: int) -> Any:
    if column == ID:
        return r.id
    if column == SCORE:
        return (-1.0 if r.score is None else r.score, r.id)
    return (_display(r, column).lower(), r.id)


class Prepared(NamedTuple):
    """A plan's rows with what searching and sorting them needs, all made off the GUI thread."""

    rows: list[ReviewRow]
    haystack: list[str]  # each row's searchable text, lower case
    keys: dict[int, list[Any]]  # column -> each row's sort key (the Accept column is sorted live)
    display: list[tuple[str, ...]] | None = None  # each row's text per column
    orders: dict[int, list[int]] | None = None  # column -> the rows in ascending order of their keys


def prepare(actions: list[dict[str, Any]], rows: list[ReviewRow] | None = None) -> Prepared:
    """Everything :meth:`PlanModel.set_rows` needs; plain Python, so a task thread can run it."""
    rows = rows if rows is not None else review_rows({"actions": actions})
    haystack = [
        " ".join((r.sf_key, r.sf_name, r.ia_key, r.ia_name, r.reason, r.differs, str(r.id))).lower() for r in rows
    ]
    keys = {c: [_sort_key(r, c) for r in rows] for c in range(len(COLUMNS)) if c != ACCEPT}
    orders = {c: sorted(range(len(rows)), key=k.__getitem__) for c, k in keys.items()}
    return Prepared(rows, haystack, keys, _texts(rows), orders)


def _texts(rows: list[ReviewRow]) -> list[tuple[str, ...]]:
    columns = range(len(COLUMNS))
    return [tuple(_display(r, c) for c in columns) for r in rows]


class PlanModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[ReviewRow] = []
        self.actions: list[dict[str, Any]] = []  # the plan's own action dicts: ``accepted`` is written here
        self.haystack: list[str] = []  # each row's searchable text, lower case
        self.display: list[tuple[str, ...]] = []  # each row's text per column (what ``data`` shows)
        self.keys: dict[int, list[Any]] = {}  # column -> each row's sort key, in the order prepared
        self.orders: dict[int, list[int]] = {}  # column -> the prepared rows in ascending key order
        self.origin: list[int] = []  # each row's place in the order prepared (its keys' index)
        self.order: tuple[int, Qt.SortOrder] = (ID, Qt.SortOrder.AscendingOrder)
        self.generation = 0  # changes whenever the rows change order (a filter's cached answers go stale)
        self._criteria = ("", "", "")  # the review's filter: text (lower case), decision, status
        self._keep: list[bool] | None = None  # per row: passes the criteria that a tick cannot change
        self._accepted: int | None = None  # how many are accepted (None: to count again)
        self._where: tuple[int, list[int]] | None = None  # (generation, rows_by_origin())

    def set_rows(self, actions: list[dict[str, Any]], rows: list[ReviewRow] | Prepared | None = None) -> None:
        """Show ``actions``; ``rows``: their :func:`prepare` d rows (or only the flattened rows) when
        made off the GUI thread already."""
        ready = rows if isinstance(rows, Prepared) else prepare(actions, rows)
        self.beginResetModel()
        self.actions = actions
        self.rows, self.haystack, self.keys = ready.rows, ready.haystack, ready.keys
        self.orders = dict(ready.orders or {})
        self.display = ready.display if ready.display is not None else _texts(ready.rows)
        self.origin = list(range(len(self.rows)))
        self._accepted = None
        self.generation += 1  # new rows: what was derived from the old ones is stale
        self._reorder(*self.order)
        self.endResetModel()

    # ------------------------------------------------------------------ sorting
    def _key(self, column: int) -> Any:
        """A row's sort key by its current row number."""
        if column == ACCEPT:
            return lambda i: (bool(self.actions[i].get("accepted")), self.rows[i].id)
        keys = self.keys.get(column)
        if keys is not None and len(keys) == len(self.rows):
            return lambda i: keys[self.origin[i]]
        return lambda i: _sort_key(self.rows[i], column)

    def _reorder(self, column: int, order: Qt.SortOrder) -> list[int]:
        """Put the parallel lists in the column's order; returns new row -> old row.

        A prepared column's order was sorted once, off the GUI thread (its keys are unique: each
        ends in the action's number), so a click only moves the lists into it; the prepared keys
        stay in their own order, looked up by each row's origin."""
        reverse = order == Qt.SortOrder.DescendingOrder
        keys = self.keys.get(column)
        if keys is not None and len(keys) == len(self.rows):
            ascending = self.orders.get(column)
            if ascending is None or len(ascending) != len(keys):
                ascending = self.orders[column] = sorted(range(len(keys)), key=keys.__getitem__)
            where = self.rows_by_origin()
            perm = list(map(where.__getitem__, reversed(ascending) if reverse else ascending))
        else:
            perm = sorted(range(len(self.rows)), key=self._key(column), reverse=reverse)
        # ``map`` over the permutation: each list moved in one C loop (a sort of 2,700 rows moves six)
        self.rows = list(map(self.rows.__getitem__, perm))
        self.actions = list(map(self.actions.__getitem__, perm))
        self.haystack = list(map(self.haystack.__getitem__, perm))
        self.display = list(map(self.display.__getitem__, perm))
        self.origin = list(map(self.origin.__getitem__, perm))
        if self._keep is not None:  # the filter's answers move with their rows
            self._keep = list(map(self._keep.__getitem__, perm))
        self.generation += 1
        return perm

    def rows_by_origin(self) -> list[int]:
        """Each row's current row number, by its place in the order prepared (``origin``); made
        once per order of the rows."""
        if self._where is None or self._where[0] != self.generation:
            where = [0] * len(self.origin)
            for row, origin in enumerate(self.origin):
                where[origin] = row
            self._where = (self.generation, where)
        return self._where[1]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted here, not in the proxy: one keyed sort instead of a comparison per pair through
        ``data()``, which keeps a 2,700-row plan responsive."""
        if column < 0:
            return
        if (column, order) == self.order and column != ACCEPT and self.rows:
            # in that order already (a prepared column's keys never change; ticks do, so the
            # Accept column sorts again): QTableView.sortByColumn asks twice for a new column
            return
        self.order = (column, order)
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        perm = self._reorder(column, order)
        if old:
            where = {was: now for now, was in enumerate(perm)}
            self.changePersistentIndexList(old, [self.index(where[i.row()], i.column()) for i in old])
        self.layoutChanged.emit()

    # ------------------------------------------------------------------ filtering
    @property
    def criteria(self) -> tuple[str, str, str]:
        return self._criteria

    @criteria.setter
    def criteria(self, value: tuple[str, str, str]) -> None:
        self._criteria, self._keep = value, None

    def passes(self, row: int) -> bool:
        """Whether ``row`` passes the review's filter (:attr:`criteria`). The text, the action and
        "needs review" are judged for every row in one pass when they or the rows' order change;
        accepted or not is asked live (a tick changes it)."""
        keep = self._keep
        if keep is None:
            text, decision, status = self._criteria
            review = status == "review"
            keep = self._keep = [
                (not decision or r.decision == decision) and (not review or r.needs_review) and (not text or text in h)
                for r, h in zip(self.rows, self.haystack, strict=True)
            ]
        if not keep[row]:
            return False
        status = self._criteria[2]
        if status in ("accepted", "not_accepted"):
            accepted = bool(self.actions[row].get("accepted")) and self.rows[row].decidable
            return accepted == (status == "accepted")
        return True

    def passing(self) -> list[int]:
        """The rows passing the review's filter, in the model's order: one comprehension over the
        judged rows, not a call of :meth:`passes` per row (each filter and sort runs this)."""
        if not self.rows:
            return []
        self.passes(0)  # judges every row for the criteria a tick cannot change, once per change
        keep = self._keep
        assert keep is not None
        status = self._criteria[2]
        if status in ("accepted", "not_accepted"):
            want = status == "accepted"
            return [
                i
                for i, (k, r, a) in enumerate(zip(keep, self.rows, self.actions, strict=True))
                if k and (bool(a.get("accepted")) and r.decidable) == want
            ]
        return list(itertools.compress(range(len(keep)), keep))

    # ------------------------------------------------------------------ Qt
    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return self.flags_at(index.row(), index.column()) if index.isValid() else _BASE_FLAGS

    def flags_at(self, row: int, col: int) -> Qt.ItemFlag:
        if col == ACCEPT and self.rows[row].decidable:
            return _BASE_FLAGS | Qt.ItemFlag.ItemIsUserCheckable
        return _BASE_FLAGS

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        return None if row < 0 else self.cell(row, index.column(), role)

    def cell(self, row: int, col: int, role: int = _DISPLAY) -> Any:
        """The hot path of every repaint: plain int roles, prepared texts, no work for other roles."""
        if role == _DISPLAY:
            return self.display[row][col]
        if role == _ALIGN:
            return ALIGNMENT[col]
        if role == _CHECK:
            if col != ACCEPT:
                return None
            return Qt.CheckState.Checked if self.actions[row].get("accepted") else Qt.CheckState.Unchecked
        if role == _FOREGROUND:
            if col != STATUS:
                return None
            r = self.rows[row]
            tone = "warn" if r.needs_review else ("ok" if r.status == "existing" else "")
            return QBrush(TONES[tone]) if tone else None
        if role == _SORT:
            return self._key(col)(row)
        if role == _TOOLTIP and col in _TIPPED:
            return self.rows[row].details
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (index.isValid() and index.column() == ACCEPT and role == Qt.ItemDataRole.CheckStateRole):
            return False
        if not self.rows[index.row()].decidable:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        self.actions[index.row()]["accepted"] = bool(checked)
        self._accepted = None
        self.dataChanged.emit(index, index)
        return True

    # ------------------------------------------------------------------ bulk decisions
    def _changed(self) -> None:
        self._accepted = None
        if self.rows:
            self.dataChanged.emit(self.index(0, ACCEPT), self.index(len(self.rows) - 1, ACCEPT))

    def set_all(self, accepted: bool, *, suggested_only: bool = True) -> int:
        """Accept (or reject) every decidable action; ``suggested_only`` skips those needing review."""
        n = 0
        for r, a in zip(self.rows, self.actions, strict=True):
            if not r.decidable or (suggested_only and accepted and r.needs_review):
                continue
            a["accepted"] = accepted
            n += 1
        self._changed()
        return n

    def accept_above(self, score: float) -> int:
        """Accept every decidable action scored at least ``score`` (review ones too: a person chose
        the bar); returns how many were newly accepted."""
        n = 0
        for r, a in zip(self.rows, self.actions, strict=True):
            if r.decidable and r.score is not None and r.score >= score and not a.get("accepted"):
                a["accepted"] = True
                n += 1
        self._changed()
        return n

    def accepted_count(self) -> int:
        """Counted once per change of the ticks (the review shows it after every sort and filter)."""
        if self._accepted is None:
            self._accepted = sum(
                1 for r, a in zip(self.rows, self.actions, strict=True) if r.decidable and a.get("accepted")
            )
        return self._accepted


class ReviewFilter(QAbstractTableModel):
    """The rows of a :class:`PlanModel` that pass the review's filter (the text, the proposed action
    and the status chosen above the table), in the model's order; sorting is the model's.

    Why not a QSortFilterProxyModel: it maps every painted cell to the model through Python calls
    (the model's ``index``, ``rowCount``, ``columnCount`` and ``data``), a fifth of each repaint of
    the table, and asks Python's ``filterAcceptsRow`` once per row (2,700 calls) on each change.
    Here the rows shown are one list of the model's rows, and a cell is one Python call. Rows keep
    their selection through sorting and filtering (each row is known by its place in the order the
    model was given, ``PlanModel.origin``)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.decision = ""  # a key of DECISIONS, "" for every kind
        self.status = ""  # "" | "review" | "accepted" | "not_accepted"
        self._column, self._order = -1, Qt.SortOrder.AscendingOrder
        self._plan: PlanModel | None = None
        self.shown: list[int] = []  # the model's rows shown, in order
        self._at: dict[int, int] | None = None  # model row -> row here (made when asked)
        self._saved: list[tuple[QModelIndex, int, int]] = []  # persistent index, row identity, column

    # ------------------------------------------------------------------ the model behind
    def setSourceModel(self, model: PlanModel) -> None:
        self.beginResetModel()
        if self._plan is not None:
            for signal, slot in self._wiring(self._plan):
                signal.disconnect(slot)
        self._plan = model
        for signal, slot in self._wiring(model):
            signal.connect(slot)
        self._set_shown()
        self.endResetModel()

    def _wiring(self, model: PlanModel) -> list[tuple[Any, Any]]:
        return [
            (model.modelReset, self._reset),
            (model.layoutAboutToBeChanged, self._before_layout),
            (model.layoutChanged, self._after_layout),
            (model.dataChanged, self._changed),
        ]

    def sourceModel(self) -> PlanModel | None:
        return self._plan

    def _set_shown(self) -> None:
        self.shown = self._plan.passing() if self._plan is not None else []
        self._at = None

    def _reset(self) -> None:
        self.beginResetModel()
        self._set_shown()
        self.endResetModel()

    def _before_layout(self) -> None:
        """Remember each persistent index (the selection, the current row) by its row's identity."""
        self.layoutAboutToBeChanged.emit()
        plan = self._plan
        assert plan is not None
        self._saved = [
            (i, plan.origin[self.shown[i.row()]], i.column())
            for i in self.persistentIndexList()
            if i.isValid() and i.row() < len(self.shown)
        ]

    def _after_layout(self) -> None:
        plan = self._plan
        assert plan is not None
        self._set_shown()
        if self._saved:
            where, shown = plan.rows_by_origin(), self.shown
            old, new = [], []
            for index, origin, col in self._saved:
                src = where[origin]
                row = bisect.bisect_left(shown, src)  # the rows shown are in the model's order
                old.append(index)
                new.append(self.index(row, col) if row < len(shown) and shown[row] == src else QModelIndex())
            self.changePersistentIndexList(old, new)
            self._saved = []
        self.layoutChanged.emit()

    def _changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Any = ()) -> None:
        """Ticks: shown again where they are; when only accepted (or not) rows are shown, refiltered."""
        if self.status in ("accepted", "not_accepted"):
            self._before_layout()
            self._after_layout()
            return
        if not self.shown:
            return
        first, last = top_left.row(), bottom_right.row()
        if first == last:
            row = self.row_of(first)
            if row is None:
                return
            self.dataChanged.emit(self.index(row, top_left.column()), self.index(row, bottom_right.column()))
            return
        self.dataChanged.emit(self.index(0, top_left.column()), self.index(len(self.shown) - 1, bottom_right.column()))

    def row_of(self, source_row: int) -> int | None:
        if self._at is None:
            self._at = {src: row for row, src in enumerate(self.shown)}
        return self._at.get(source_row)

    def mapToSource(self, index: Index) -> QModelIndex:
        if not index.isValid() or self._plan is None or index.row() >= len(self.shown):
            return QModelIndex()
        return self._plan.index(self.shown[index.row()], index.column())

    def mapFromSource(self, index: Index) -> QModelIndex:
        row = self.row_of(index.row()) if index.isValid() else None
        return QModelIndex() if row is None else self.index(row, index.column())

    # ------------------------------------------------------------------ sorting and filtering
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._column, self._order = column, order
        if self._plan is not None:
            self._plan.sort(column, order)

    def sortColumn(self) -> int:
        return self._column

    def sortOrder(self) -> Qt.SortOrder:
        return self._order

    def set_filter(self, *, text: str | None = None, decision: str | None = None, status: str | None = None) -> None:
        if text is not None:
            self.text = text.strip().lower()
        if decision is not None:
            self.decision = decision
        if status is not None:
            self.status = status
        if self._plan is None:
            return
        self._before_layout()
        self._plan.criteria = (self.text, self.decision, self.status)
        self._after_layout()

    # ------------------------------------------------------------------ Qt
    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return None if self._plan is None else self._plan.headerData(section, orientation, role)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row = index.row()
        if row < 0 or self._plan is None:
            return None
        return self._plan.cell(self.shown[row], index.column(), role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or self._plan is None:
            return _BASE_FLAGS
        return self._plan.flags_at(self.shown[index.row()], index.column())

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        source = self.mapToSource(index)
        return self._plan is not None and source.isValid() and self._plan.setData(source, value, role)
