"""The baseline plan's actions with an 'Accept' check box a person ticks or clears.

Why editable here: the review step is where a person decides; the choices go back into the plan
document (``accepted``), which the app writes as the newest plan before applying it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from .rows import Column, RowsModel

Index = QModelIndex | QPersistentModelIndex

# Actions a person can decide on (links already in the state store are informational).
DECIDABLE = {"link", "create", "review", "leave_out", "historical"}


def _what(a: dict[str, Any]) -> str:
    if a["action"] == "create":
        return f"create in {a.get('target', '').capitalize()}"
    return {"leave_out": "leave out", "review": "link? (review)"}.get(a["action"], a["action"])


def _records(a: dict[str, Any]) -> str:
    sf = a.get("salesforce") or (a.get("key") if a.get("system") == "salesforce" else "")
    ia = a.get("intacct") or a.get("proposed_key") or (a.get("key") if a.get("system") == "intacct" else "")
    return " ↔ ".join(x for x in (sf or "", ia or "") if x)


def _reason(a: dict[str, Any]) -> str:
    if a.get("reason"):
        return str(a["reason"])
    reasons = a.get("reasons")
    if isinstance(reasons, dict) and reasons.get("review_because"):
        return f"{reasons['review_because']} (" + ", ".join(f"{k}: {v}" for k, v in reasons.items()) + ")"
    if isinstance(reasons, dict):
        return ", ".join(f"{k}: {v}" for k, v in reasons.items())
    if isinstance(reasons, list):
        return ", ".join(str(r) for r in reasons)
    return ""


def _partner(a: dict[str, Any]) -> str:
    """A create's plausible partner on the other side: its key, name, the evidence, why not paired."""
    p = a.get("partner")
    if not isinstance(p, dict):
        return ""
    return f"{p.get('key', '')} ({p.get('name', '')}): {', '.join(p.get('evidence') or [])}; {p.get('why', '')}"


def _tone(a: dict[str, Any]) -> str:
    status = a.get("status")
    return "warn" if status == "review" or a["action"] == "review" else ("ok" if status == "existing" else "")


def _score(a: dict[str, Any]) -> str:
    return f"{a['score']:.2f}" if isinstance(a.get("score"), int | float) else ""


COLUMNS = [
    Column("accepted", "Accept", fmt=lambda a: ""),
    Column("id", "#", right=True),
    Column("entity", "Entity"),
    Column("action", "Proposed action", fmt=_what),
    Column("status", "Status", tone=_tone),
    Column("name", "Name"),
    Column("records", "Salesforce ↔ Intacct", fmt=_records),
    Column("score", "Score", fmt=_score, right=True),
    Column("reason", "Reason", fmt=_reason, tooltip=_reason),
    Column("partner", "Plausible partner", fmt=_partner, tooltip=_partner),
    Column("writes", "Writes", fmt=lambda a: str(len(a.get("writes") or [])), right=True),
]


class PlanModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)

    @staticmethod
    def decidable(action: dict[str, Any]) -> bool:
        return action["action"] in DECIDABLE and action.get("status") != "existing"

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == 0 and self.decidable(self.rows[index.row()]):
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if self.rows[index.row()].get("accepted") else Qt.CheckState.Unchecked
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (index.isValid() and index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole):
            return False
        row = self.rows[index.row()]
        if not self.decidable(row):
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        row["accepted"] = bool(checked)
        self.dataChanged.emit(index, index.siblingAtColumn(len(self.columns) - 1))
        return True

    def set_all(self, accepted: bool, *, suggested_only: bool = True) -> int:
        """Accept (or reject) every decidable action; ``suggested_only`` skips those needing review."""
        n = 0
        for row in self.rows:
            if not self.decidable(row):
                continue
            if suggested_only and accepted and (row.get("status") == "review" or row["action"] == "review"):
                continue
            row["accepted"] = accepted
            n += 1
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))
        return n

    def accepted_count(self) -> int:
        return sum(1 for r in self.rows if r.get("accepted") and self.decidable(r))
