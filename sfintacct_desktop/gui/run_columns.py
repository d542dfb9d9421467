"""The Sync tab's table columns and the small formatters they share (runs, streams, inboxes, changes).

Why one module: the run list, a run's detail and the two inboxes word dates, durations and
errors the same way; dates are ISO (YYYY-MM-DD HH:MM:SS, local time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .models.rows import Column

RUN_TONES = {
    "ok": "ok",
    "partial": "warn",  # some streams failed on their own; the others synced
    "failed": "error",
    "interrupted": "warn",
    "paused": "warn",
    "running": "warn",
}


def when(value: Any) -> str:
    """An ISO moment as local 'YYYY-MM-DD HH:MM:SS' ("" for none)."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(value)


def seconds(total: float) -> str:
    """A duration for people: '8.2 s', '3 min 05 s', '1 h 02 min'."""
    if total < 60:
        return f"{total:.1f} s"
    minutes, secs = divmod(int(total), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def took(run: dict[str, Any]) -> str:
    """The run's duration; a running run's time so far (it ticks with the window's clock)."""
    try:
        start = datetime.fromisoformat(str(run.get("started_at")))
    except ValueError:
        return ""
    if run.get("status") == "running" and not run.get("finished_at"):
        return seconds(max(0.0, (datetime.now(UTC) - start).total_seconds()))
    try:
        end = datetime.fromisoformat(str(run.get("finished_at")))
    except ValueError:
        return ""
    return seconds((end - start).total_seconds())


def total(run: dict[str, Any], key: str) -> int:
    return sum(int(s.get(key, 0) or 0) for s in (run.get("streams") or {}).values() if isinstance(s, dict))


def run_error(run: dict[str, Any]) -> str:
    err = run.get("error")
    if isinstance(err, dict):
        return " — ".join(str(err.get(k)) for k in ("title", "message", "hint") if err.get(k))
    return str(err or "")


def _count(key: str) -> Any:
    return lambda r: "" if r.get("status") == "running" and not r.get("streams") else str(total(r, key))


RUN_COLUMNS = [
    Column("run_id", "#", right=True, tip="Run number"),
    Column("trigger", "Trigger", tip="What started the run: manual, schedule, baseline, retry, resolve"),
    Column("status", "Status", tone=lambda r: RUN_TONES.get(str(r.get("status")), ""), tooltip=run_error),
    Column("started_at", "Started", fmt=lambda r: when(r.get("started_at")), tip="When the run started"),
    Column("took", "Took", fmt=took, right=True, tip="Duration of the run (so far, while it runs)"),
    Column("read", "Read", fmt=_count("read"), right=True, tip="Records read on both sides"),
    Column("applied", "Appl.", fmt=_count("applied"), right=True, tip="Changes applied"),
    Column("conflicts", "Confl.", fmt=_count("conflicts"), right=True, tip="New conflicts"),
    Column(
        "errors",
        "Err.",
        fmt=_count("errors"),
        right=True,
        tone=lambda r: "error" if total(r, "errors") else "",
        tip="Records refused (see the error inbox)",
    ),
    Column(
        "sf_calls",
        "SF",
        fmt=lambda r: str((r.get("api_calls") or {}).get("salesforce", "")),
        right=True,
        tip="Salesforce API calls (count against the daily limit)",
    ),
    Column(
        "ia_tx",
        "IA tx",
        fmt=lambda r: str((r.get("api_calls") or {}).get("intacct_transactions", "")),
        right=True,
        tip="Intacct API transactions (billed)",
    ),
    Column("error", "Problem", fmt=run_error, tooltip=run_error, tip="Why the run failed or stopped"),
]


def progress_text(row: dict[str, Any]) -> str:
    """'40 of 120 written' for a running stream; '' when nothing is known yet."""
    done, of = row.get("done"), row.get("total")
    if of is None:
        return ""
    if row.get("phase") == "reading":
        return f"{done} read"
    return f"{done} of {of} done"


STREAM_COLUMNS = [
    Column("stream", "Stream", tooltip=lambda r: str(r.get("stream", "")), tip="Source system and record kind"),
    Column("progress", "Progress", fmt=progress_text, tip="Records of this stream processed so far, of those read"),
    *(
        Column(
            k,
            t,
            right=True,
            tip=tip,
            tone=(lambda r: "error" if int(r.get("errors") or 0) else "") if k == "errors" else None,
        )
        for k, t, tip in (
            ("read", "Read", "Records read"),
            ("applied", "Appl.", "Changes applied"),
            ("skipped", "Same", "Read but unchanged (nothing to write)"),
            ("conflicts", "Confl.", "New conflicts"),
            ("errors", "Err.", "Records refused"),
            ("writes_salesforce", "→SF", "Writes to Salesforce"),
            ("writes_intacct", "→IA", "Writes to Intacct"),
        )
    ),
    Column(
        "failure",
        "Problem",
        fmt=lambda r: str((r.get("failure") or {}).get("title", "")),
        tooltip=lambda r: run_error({"error": r.get("failure")}),
        tone=lambda r: "error" if r.get("failure") else "",
        tip="Why this stream could not be read (the other streams synced)",
    ),
]
ERROR_COLUMNS = [
    Column("id", "#", right=True),
    Column("entity", "Entity"),
    Column("direction", "Direction", fmt=lambda r: f"{r.get('source', '')} → {r.get('target', '')}"),
    Column("record", "Record", tooltip=lambda r: str(r.get("record") or "")),
    Column("title", "Problem", tooltip=lambda r: str(r.get("hint") or ""), tone=lambda r: "error"),
    Column("code", "Code"),
    Column("attempts", "Attempts", right=True),
    Column("last_seen", "Last seen", fmt=lambda r: when(r.get("last_seen"))),
    Column("hint", "What to do", tooltip=lambda r: str(r.get("message") or "")),
]
CONFLICT_COLUMNS = [
    Column("id", "#", right=True),
    Column("entity", "Entity"),
    Column("record", "Record", tooltip=lambda r: str(r.get("record") or "")),
    Column("field", "Field"),
    Column("base", "Before", tooltip=lambda r: str(r.get("base") or "")),
    Column("salesforce", "Salesforce value", tooltip=lambda r: str(r.get("salesforce") or "")),
    Column("intacct", "Intacct value", tooltip=lambda r: str(r.get("intacct") or "")),
    Column("created_at", "Since", fmt=lambda r: when(r.get("created_at"))),
]
OPERATION_WORDS = {
    "create": "created",
    "update": "updated",
    "deactivate": "deactivated",
    "reactivate": "reactivated",
    "link": "linked",
    "conflict": "conflict",
    "overwrite_back": "overwritten back",
    "skip": "skipped",
}
CHANGE_COLUMNS = [
    Column("entity", "Entity", tip="Record kind"),
    Column(
        "operation",
        "What",
        fmt=lambda r: OPERATION_WORDS.get(str(r.get("operation")), str(r.get("operation", ""))),
        tone=lambda r: "warn" if r.get("operation") in ("conflict", "overwrite_back") else "",
    ),
    Column("target", "In", tip="The system written to"),
    Column("name", "Name", tooltip=lambda r: str(r.get("name") or "")),
    Column("record", "Record", tooltip=lambda r: str(r.get("record") or ""), tip="The record's id or key"),
    Column("fields", "Fields", fmt=lambda r: ", ".join(r.get("fields") or []), tooltip=lambda r: str(r.get("reason"))),
    Column("at", "At", fmt=lambda r: when(r.get("at"))),
]
