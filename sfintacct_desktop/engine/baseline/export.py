"""Plan files: JSON to review and edit, a CSV export for spreadsheets, the newest plan of a profile.

Files are ``<plans_dir>/<profile>-<UTC timestamp>.json`` (and ``.csv`` beside it); the timestamp
sorts, so the newest plan is the last name. Writes go through a temporary file and a rename, so a
crash never leaves half a plan that a later ``apply`` would pick up.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...config.private import ensure_dir, write_atomic
from . import plan_json
from .review import PlanError, validate_plan

CSV_COLUMNS = (
    "id",
    "entity",
    "action",
    "status",
    "accepted",
    "salesforce",
    "intacct",
    "target",
    "name",
    "score",
    "reason",
    "plausible_partner",
    "writes_salesforce",
    "writes_intacct",
    "differing_fields",
)


def _atomic_write(path: Path, text: str) -> None:
    """Private (0600: plans name customers) and atomic (a temporary file, then a rename)."""
    write_atomic(path, text)


def partner_text(partner: dict[str, Any] | None) -> str:
    """A create's plausible partner in one line: "C-5 (Northwind Traders): same phone; not proposed: ..."."""
    if not partner:
        return ""
    return f"{partner['key']} ({partner['name']}): {', '.join(partner.get('evidence') or [])}; {partner.get('why', '')}"


def csv_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for a in doc["actions"]:
        writes = a.get("writes") or []
        key = a.get("key", "")
        rows.append(
            {
                "id": a.get("id", ""),
                "entity": a["entity"],
                "action": a["action"],
                "status": a.get("status", ""),
                "accepted": "true" if a.get("accepted") else "false",
                "salesforce": a.get("salesforce") or (key if a.get("system") == "salesforce" else ""),
                "intacct": a.get("intacct") or (key if a.get("system") == "intacct" else ""),
                "target": a.get("target", ""),
                "name": a.get("name", ""),
                "score": a.get("score", ""),
                "reason": a.get("reason") or (a.get("reasons") or {}).get("review_because", ""),
                "plausible_partner": partner_text(a.get("partner")),
                "writes_salesforce": sum(1 for w in writes if w["system"] == "salesforce"),
                "writes_intacct": sum(1 for w in writes if w["system"] == "intacct"),
                "differing_fields": " ".join(sorted(a.get("fields") or {})),
            }
        )
    return rows


def write_plan(doc: dict[str, Any], plans_dir: Path, *, now: datetime | None = None) -> tuple[Path, Path]:
    """Write the plan's JSON and CSV; returns both paths."""
    ensure_dir(plans_dir)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    base = plans_dir / f"{doc['profile']}-{stamp}"
    json_path, csv_path = base.with_suffix(".json"), base.with_suffix(".csv")
    _atomic_write(json_path, json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(csv_rows(doc))
    _atomic_write(csv_path, buf.getvalue())
    return json_path, csv_path


def newest_plan(plans_dir: Path, profile: str) -> Path | None:
    pattern = re.compile(rf"^{re.escape(profile)}-\d{{8}}T\d+Z\.json$")
    if not plans_dir.exists():
        return None
    found = sorted(p for p in plans_dir.glob(f"{profile}-*.json") if pattern.match(p.name))
    return found[-1] if found else None


def read_plan(path: Path, *, profile: str | None = None) -> dict[str, Any]:
    """Load and validate a plan file; raises :class:`PlanError` listing every problem."""
    try:
        doc = plan_json.loads(path.read_text(encoding="utf-8"))  # the GIL changes hands between actions
    except OSError as exc:
        raise PlanError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    except json.JSONDecodeError as exc:
        raise PlanError([f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]) from None
    problems = validate_plan(doc, profile=profile)
    if problems:
        raise PlanError(problems)
    return doc
