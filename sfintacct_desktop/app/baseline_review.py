"""The baseline review as the window shows it: one flat row per proposed action, what an apply
would write where, and the review exported as CSV.

Why here and not in the GUI: the rows for a 2,700-action plan are built off the GUI thread (the
table only reads them), and the confirmation's counts must be the same arithmetic the report and
the tests use, so they live in one place below Qt.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, NamedTuple

from ..config.private import write_atomic
from ..engine.baseline.export import CSV_COLUMNS, csv_rows, partner_text
from ..engine.baseline.review import is_applied

# Each object as each system names it (singular, plural); opportunities live in Salesforce only.
OBJECTS: dict[str, dict[str, tuple[str, str]]] = {
    "customer": {"salesforce": ("Account", "Accounts"), "intacct": ("CUSTOMER", "CUSTOMERs")},
    "product": {"salesforce": ("Product", "Products"), "intacct": ("ITEM", "ITEMs")},
    "pricebook": {"salesforce": ("price book", "price books"), "intacct": ("price list", "price lists")},
    "opportunity": {"salesforce": ("Opportunity", "Opportunities")},
}
SYSTEMS = {"salesforce": "Salesforce", "intacct": "Intacct"}
OPERATIONS = {"create": "created", "update": "updated"}  # anything else is shown by its own name

# The review's "Show" filter: a decision kind per row.
DECISIONS = {
    "link": "Link the pair",
    "review": "Link? (needs a person)",
    "create_intacct": "Create in Intacct",
    "create_salesforce": "Create in Salesforce",
    "leave_out": "Leave out",
    "historical": "Mark historical",
    "existing": "Already linked",
}


class ReviewRow(NamedTuple):
    """One action, flattened for the table: display text plus the raw values it sorts by."""

    id: int
    entity: str
    decision: str  # a key of DECISIONS
    status: str
    needs_review: bool
    decidable: bool
    sf_key: str
    sf_name: str
    ia_key: str
    ia_name: str
    score: float | None
    differs: str  # the fields whose values differ, "name; address.city"
    reason: str  # one line
    details: str  # every reason, field and write: the detail pane and the tooltip
    writes_sf: int
    writes_ia: int


def decidable(a: dict[str, Any]) -> bool:
    """Whether a person decides this action (links already in the state store are information)."""
    return a["action"] in ("link", "create", "review", "leave_out", "historical") and a.get("status") != "existing"


def needs_review(a: dict[str, Any]) -> bool:
    return a["action"] == "review" or a.get("status") == "review"


def _decision(a: dict[str, Any]) -> str:
    if a.get("status") == "existing":
        return "existing"
    if a["action"] == "create":
        return f"create_{a.get('target', '')}"
    if a["action"] == "link" and a.get("status") == "review":
        return "review"
    return str(a["action"])


def _sides(a: dict[str, Any]) -> tuple[str, str, str, str]:
    """(Salesforce key, name, Intacct key, name) of an action: each side's own name where known."""
    name = str(a.get("name") or "")
    if a["action"] == "leave_out":
        return (a["key"], name, "", "") if a.get("system") == "salesforce" else ("", "", a["key"], name)
    if a["action"] == "create" and a.get("target") == "intacct":
        return a.get("salesforce") or "", name, a.get("proposed_key") or "", "(new) " + name
    if a["action"] == "create":
        return "", "(new) " + name, a.get("intacct") or "", name
    if a["entity"] == "opportunity":
        return a.get("salesforce") or "", name, a.get("intacct") or "", ""
    return a.get("salesforce") or "", name, a.get("intacct") or "", str(a.get("intacct_name") or name)


def _reason(a: dict[str, Any]) -> str:
    if a.get("reason"):
        return str(a["reason"])
    reasons = a.get("reasons")
    if isinstance(reasons, dict):
        first = str(reasons.get("review_because") or "")
        rest = ", ".join(f"{k}: {v}" for k, v in reasons.items() if k != "review_because")
        return f"{first} ({rest})" if first and rest else first or rest
    if isinstance(reasons, list):
        return ", ".join(str(r) for r in reasons)
    return ""


def _differs(a: dict[str, Any]) -> str:
    return "; ".join(sorted(a.get("fields") or {}))


def _details(a: dict[str, Any], sides: tuple[str, str, str, str]) -> str:
    sf_key, sf_name, ia_key, ia_name = sides
    lines = [f"#{a.get('id')} {a['entity']}: {DECISIONS.get(_decision(a), a['action'])} ({a.get('status') or '-'})"]
    lines.append(f"Salesforce: {sf_key or '-'}  {sf_name}")
    lines.append(f"Intacct: {ia_key or '-'}  {ia_name}")
    if isinstance(a.get("score"), int | float):
        lines.append(f"Score: {a['score']:.3f}" + (f" (matched by {a['method']})" if a.get("method") else ""))
    reasons = a.get("reasons")
    if isinstance(reasons, dict):
        if reasons.get("review_because"):
            lines.append(f"Needs review because: {reasons['review_because']}")
        lines += [f"  {k}: {v}" for k, v in reasons.items() if k != "review_because"]
    if a.get("reason"):
        lines.append(f"Reason: {a['reason']}")
    for field, c in sorted((a.get("fields") or {}).items()):
        lines.append(
            f"Differs, {field}: Salesforce {c.get('salesforce')!r}, Intacct {c.get('intacct')!r}; "
            f"proposed {c.get('value')!r} ({c.get('reason', '')})"
        )
    if a.get("partner"):
        lines.append(f"Plausible partner: {partner_text(a['partner'])}")
    for w in a.get("writes") or []:
        fields = ", ".join(sorted((w.get("after") or {}).keys()))
        lines.append(f"Writes: {SYSTEMS[w['system']]} {w['operation']} {w.get('key') or '(new)'}: {fields}")
    return "\n".join(lines)


def review_row(a: dict[str, Any]) -> ReviewRow:
    sides = _sides(a)
    writes = a.get("writes") or []
    score = a.get("score")
    return ReviewRow(
        int(a.get("id") or 0),
        str(a["entity"]),
        _decision(a),
        str(a.get("status") or ""),
        needs_review(a),
        decidable(a),
        *sides,
        float(score) if isinstance(score, int | float) else None,
        _differs(a),
        _reason(a),
        _details(a, sides),
        sum(1 for w in writes if w["system"] == "salesforce"),
        sum(1 for w in writes if w["system"] == "intacct"),
    )


def review_rows(doc: dict[str, Any]) -> list[ReviewRow]:
    """Every action of the plan as a table row (call it off the GUI thread: thousands of rows)."""
    return [review_row(a) for a in doc["actions"]]


# ------------------------------------------------------------------ what an apply writes
def object_label(entity: str, system: str, n: int) -> str:
    one, many = OBJECTS.get(entity, {}).get(system, (entity, entity + "s"))
    return one if n == 1 else many


def write_counts(doc: dict[str, Any], *, accept_suggested: bool = False) -> dict[str, dict[str, dict[str, int]]]:
    """What applying the reviewed plan writes: ``{system: {entity: {operation: records}}}``.

    From the accepted actions' proposed writes (a link's cross-reference update included), so
    the confirmation names exactly what the load is asked to do."""
    out: dict[str, dict[str, dict[str, int]]] = {s: {} for s in SYSTEMS}
    for a in doc["actions"]:
        if not is_applied(a, accept_suggested) or a["action"] == "leave_out" or a.get("status") == "existing":
            continue
        for w in a.get("writes") or []:
            ops = out[w["system"]].setdefault(a["entity"], {})
            ops[w["operation"]] = ops.get(w["operation"], 0) + 1
    return out


def applied_counts(applied: dict[str, int]) -> dict[str, dict[str, dict[str, int]]]:
    """A load report's ``applied`` ("entity system operation": n) in the shape of :func:`write_counts`."""
    out: dict[str, dict[str, dict[str, int]]] = {s: {} for s in SYSTEMS}
    for key, n in applied.items():
        entity, system, operation = key.split(" ", 2)
        ops = out.setdefault(system, {}).setdefault(entity, {})
        ops[operation] = ops.get(operation, 0) + n
    return out


def counts_line(system: str, per_entity: dict[str, dict[str, int]]) -> str:
    """'Salesforce: 35 Accounts created, 100 updated; 14 Opportunities updated' (or 'nothing')."""
    parts = []
    for entity in OBJECTS:
        ops = per_entity.get(entity) or {}
        done = [(OPERATIONS.get(op, op), n) for op, n in sorted(ops.items(), key=lambda x: x[0]) if n]
        if not done:
            continue
        first_n = done[0][1]
        words = [f"{first_n:,} {object_label(entity, system, first_n)} {done[0][0]}"]
        words += [f"{n:,} {op}" for op, n in done[1:]]
        parts.append(", ".join(words))
    return f"{SYSTEMS[system]}: " + ("; ".join(parts) if parts else "nothing")


def accepted_totals(doc: dict[str, Any], *, accept_suggested: bool = False) -> dict[str, int]:
    """Per object, the accepted actions an apply works through (what its progress counts up to)."""
    out = {entity: 0 for entity in OBJECTS}
    for a in doc["actions"]:
        if is_applied(a, accept_suggested) and a["action"] != "leave_out" and a.get("status") != "existing":
            out[a["entity"]] = out.get(a["entity"], 0) + 1
    return out


def confirmation(doc: dict[str, Any]) -> dict[str, Any]:
    """What the confirmation dialog says before an apply: counts per system and object, in words.

    One pass over the actions (the same rules as :func:`write_counts` and :func:`accepted_totals`):
    the window builds the dialog on its GUI thread the moment Apply is pressed, and four passes over
    a 2,700-action plan held it for 5-20 ms."""
    counts: dict[str, dict[str, dict[str, int]]] = {s: {} for s in SYSTEMS}
    totals = {entity: 0 for entity in OBJECTS}
    decided = accepted = left_out = 0
    for a in doc["actions"]:
        chosen = is_applied(a, False)
        if decidable(a):
            decided += 1
            if chosen:
                accepted += 1
                left_out += a["action"] == "leave_out"
        if not chosen or a["action"] == "leave_out" or a.get("status") == "existing":
            continue
        totals[a["entity"]] = totals.get(a["entity"], 0) + 1
        for w in a.get("writes") or []:
            ops = counts[w["system"]].setdefault(a["entity"], {})
            ops[w["operation"]] = ops.get(w["operation"], 0) + 1
    return {
        "counts": counts,
        "lines": [counts_line(s, counts[s]) for s in SYSTEMS],
        "accepted": accepted,
        "records": sum(totals.values()),
        "left_out": left_out,
        "not_applied": decided - accepted,
        "totals": totals,
    }


# ------------------------------------------------------------------ CSV
def export_review(doc: dict[str, Any], path: Path | str) -> int:
    """The review (every action with its decision, reasons and proposed writes) as CSV; returns rows."""
    rows = csv_rows(doc)
    details = {a.get("id"): review_row(a).details for a in doc["actions"]}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*CSV_COLUMNS, "details"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "details": details.get(row["id"], "")})
    write_atomic(Path(path), buf.getvalue())
    return len(rows)


__all__ = [
    "DECISIONS",
    "OBJECTS",
    "ReviewRow",
    "accepted_totals",
    "applied_counts",
    "confirmation",
    "counts_line",
    "export_review",
    "review_row",
    "review_rows",
    "write_counts",
]
