"""A baseline load from the window: apply the reviewed plan with progress, then say what happened
in words (what was written where, what was not, the next step) and export it as CSV.

Why words and not the report dict: the person who applied the baseline signs it off; a stopped
load in particular must say plainly what is done, what is not, and that applying again continues.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.paths import app_paths
from ..config.private import write_atomic
from ..engine.baseline.export import write_plan
from . import baseline_service
from .baseline_review import OBJECTS, SYSTEMS, accepted_totals, applied_counts, counts_line, object_label, write_counts
from .session import Session
from .sync_service import jobs_elsewhere

Progress = Callable[[str, int, int], None]
STATUS_WORDS = {"ok": "finished", "interrupted": "stopped", "failed": "failed"}
NOUNS = {
    "customer": "customers",
    "product": "products",
    "pricebook": "price books",
    "opportunity": "historical opportunities",
}


def apply_reviewed(
    profile: Session | str,
    doc: dict[str, Any],
    *,
    progress: Progress = lambda entity, done, total: None,
    should_stop: Callable[[], bool] = lambda: False,
    worker: Any = None,
    source: Path | str | None = None,
) -> dict[str, Any]:
    """Write the reviewed plan as the newest plan (the record of the decisions), then apply it as
    a job of the window's worker; ``progress(object, done, total)`` after every batch.

    ``source``: the plan file ``doc`` was read from. When the worker is the window's sync process,
    only the decisions go to it, and it writes the newest plan itself (the file is 5 MB for a
    company of a few thousand records: encoding it here competed with the window for the GIL).
    """
    name = profile.name if isinstance(profile, Session) else profile
    if source and jobs_elsewhere(worker):
        accepted = [int(a["id"]) for a in doc["actions"] if a.get("accepted")]
        return baseline_service.apply_baseline(
            name, plan_path=Path(source), accepted=accepted, should_stop=should_stop, worker=worker, progress=progress
        )
    json_path, _csv = write_plan(doc, app_paths().plans_dir)
    return baseline_service.apply_baseline(
        name, plan_path=json_path, should_stop=should_stop, worker=worker, progress=progress
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def combined(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The reports of one plan's load and its continuations as one: the last run's outcome and
    progress, the records written and the API calls of all of them added up."""
    last = dict(reports[-1])
    applied: dict[str, int] = {}
    calls: dict[str, int] = {}
    for r in reports:
        for key, n in (r.get("applied") or {}).items():
            applied[key] = applied.get(key, 0) + int(n)
        for key, n in (r.get("api_calls") or {}).items():
            calls[key] = calls.get(key, 0) + int(n)
    last["applied"], last["api_calls"] = applied, calls
    last["runs"] = [{"run_id": r.get("run_id"), "status": r.get("status")} for r in reports]
    return last


def _calls(calls: dict[str, int]) -> str:
    sf, tx, req = calls.get("salesforce", 0), calls.get("intacct_transactions", 0), calls.get("intacct_requests", 0)
    intacct = f"{_plural(tx, 'transaction', 'transactions')} in {_plural(req, 'request', 'requests')}"
    return f"API use: Salesforce {_plural(sf, 'call', 'calls')}; Intacct {intacct}."


def _every(seconds: float | None) -> str:
    if not seconds:
        return "when you press Sync now (this window has no schedule)"
    if seconds < 120:
        return f"every {seconds:g} seconds"
    return f"every {seconds / 60:g} minutes"


def _processed(report: dict[str, Any], doc: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(object, processed, accepted) per object; objects the load never reached count 0."""
    totals = accepted_totals(doc)
    seen = report.get("progress") or {}
    return [(e, int((seen.get(e) or {}).get("done", 0)), totals[e]) for e in OBJECTS if totals[e]]


def report_text(report: dict[str, Any], doc: dict[str, Any], *, interval: float | None = None) -> str:
    """The load's report for people (``report``: one run's, or :func:`combined` runs'): plain text,
    one fact a line, ending with the next step; ``interval``: the live sync's schedule in seconds."""
    status = report.get("status")
    written = applied_counts(report.get("applied") or {})
    head = {
        "ok": "Baseline load finished.",
        "interrupted": "Baseline load stopped after the current batch, as asked.",
    }.get(str(status), "Baseline load failed before it finished.")
    runs = report.get("runs") or [{"run_id": report.get("run_id"), "status": status}]
    which = ", ".join(f"run {r['run_id']} {STATUS_WORDS.get(str(r['status']), r['status'])}" for r in runs)
    lines = [head, f"Plan {Path(str(report.get('plan') or '')).name}; {which}.", ""]
    total = " in total" if len(runs) > 1 else ""
    lines.append(f"Written{total}:" if status == "ok" else f"Written{total} before it ended:")
    lines += [f"  {counts_line(s, written.get(s) or {})}" for s in SYSTEMS]
    receivables = (written.get("salesforce") or {}).get("receivables", {}).get("write", 0)
    if receivables:
        lines.append(f"  Invoices and payments copied onto their Salesforce Accounts: {receivables:,} records")
    lines.append("")
    processed = _processed(report, doc)
    lines.append(
        "Processed: " + "; ".join(f"{NOUNS[e]} {done:,} of {total:,}" for e, done, total in processed)
        if processed
        else "Processed: nothing was accepted."
    )
    left = [(e, total - done) for e, done, total in processed if total > done]
    if status != "ok" and left:
        lines.append("Not written yet: " + ", ".join(f"{n:,} {NOUNS[e]}" for e, n in left) + ".")
    links = report.get("links") or {}
    linked = f"{links.get('customer', 0):,} customers, {links.get('product', 0):,} products"
    if status == "ok":
        lines.append(f"Links now: {linked}.")
    else:
        lines.append(f"Links recorded so far: {linked} (a pair is linked before its batch is written).")
    if status == "ok":
        lines.append(f"Historical opportunities marked: {report.get('historical_marked', 0):,}.")
    if report.get("not_applied"):
        lines.append(
            f"Not applied: {_plural(report['not_applied'], 'action', 'actions')} of the plan (not accepted, or "
            "nothing to do); the live sync leaves those records alone until a later plan accepts them."
        )
    if report.get("api_calls"):
        lines.append(_calls(report["api_calls"]))
    problems = report.get("problems") or []
    if problems:
        lines.append("")
        lines.append(f"Problems ({len(problems)}):")
        lines += [f"  action {p.get('id')} ({p.get('entity')} {p.get('action')}): {p.get('message')}" for p in problems]
    error = report.get("error") or {}
    if status not in ("ok", "interrupted") and error:
        lines += ["", f"Error: {error.get('title', '')}: {error.get('message', '')}"]
    lines.append("")
    if status == "ok":
        lines.append(
            f"Next step: the live sync is ready (cut-over date {report.get('cutover_date')}). It syncs "
            f"{_every(interval)}; open the Sync tab to watch it."
        )
    else:
        lines.append(
            "Next step: press 'Apply again (continue)' below (the same plan): it continues where "
            "the load ended; records already written are recognised and not written twice. Until it finishes, "
            "the live sync stays refused so that nothing is duplicated."
        )
    return "\n".join(lines)


def report_rows(report: dict[str, Any], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as rows: per system, object and operation the planned and written records, then
    the per-object progress and every problem."""
    planned, written = write_counts(doc), applied_counts(report.get("applied") or {})
    rows: list[dict[str, Any]] = []
    for system in SYSTEMS:
        for entity in OBJECTS:
            plan_ops = (planned.get(system) or {}).get(entity) or {}
            done_ops = (written.get(system) or {}).get(entity) or {}
            for op in sorted(set(plan_ops) | set(done_ops)):
                rows.append(
                    {
                        "section": "written",
                        "system": SYSTEMS[system],
                        "object": object_label(entity, system, 2),
                        "operation": op,
                        "planned": plan_ops.get(op, 0),
                        "done": done_ops.get(op, 0),
                        "note": "",
                    }
                )
    receivables = (written.get("salesforce") or {}).get("receivables", {}).get("write", 0)
    if receivables:
        rows.append(
            {"section": "written", "system": "Salesforce", "object": "invoices and payments", "operation": "write",
             "planned": "", "done": receivables, "note": "copied onto their Accounts"}
        )  # fmt: skip
    for entity, done, total in _processed(report, doc):
        rows.append(
            {"section": "processed", "system": "", "object": NOUNS[entity], "operation": "", "planned": total,
             "done": done, "note": "" if done >= total else "not finished: apply again to continue"}
        )  # fmt: skip
    for p in report.get("problems") or []:
        rows.append(
            {"section": "problem", "system": "", "object": p.get("entity", ""), "operation": p.get("action", ""),
             "planned": "", "done": "", "note": f"action {p.get('id')}: {p.get('message')}"}
        )  # fmt: skip
    rows.append(
        {"section": "status", "system": "", "object": "", "operation": "", "planned": "", "done": "",
         "note": str(report.get("status"))}
    )  # fmt: skip
    return rows


REPORT_COLUMNS = ("section", "system", "object", "operation", "planned", "done", "note")


def export_report(report: dict[str, Any], doc: dict[str, Any], path: Path | str) -> int:
    """The report as CSV (``REPORT_COLUMNS``); returns the number of rows."""
    rows = report_rows(report, doc)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(REPORT_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(Path(path), buf.getvalue())
    return len(rows)


__all__ = ["REPORT_COLUMNS", "apply_reviewed", "combined", "export_report", "report_rows", "report_text"]
