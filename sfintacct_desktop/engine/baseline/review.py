"""Validate a plan the operator edited, and decide which of its actions a load applies.

Why strict: the plan is a hand-edited file that drives writes to two financial systems; a typo must
stop the load with a message naming the action and the problem, never be guessed around.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .plan import PLAN_FORMAT, PLAN_VERSION

ACTIONS = {
    "customer": ("link", "create", "leave_out", "review"),
    "product": ("link", "create", "leave_out", "review"),
    "pricebook": ("link", "create", "leave_out", "review"),
    "opportunity": ("historical",),
}
WINNERS = ("salesforce", "intacct", "value")


class PlanError(Exception):
    """The plan cannot be applied; ``problems`` lists every problem found (one line each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        self.problems = problems


def _str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_action(a: Any, where: str) -> list[str]:
    if not isinstance(a, dict):
        return [f"{where}: not an object"]
    entity, action = a.get("entity"), a.get("action")
    if entity not in ACTIONS:
        return [f"{where}: entity must be one of {', '.join(ACTIONS)}, not {entity!r}"]
    if action not in ACTIONS[entity]:
        return [f"{where}: action for a {entity} must be one of {', '.join(ACTIONS[entity])}, not {action!r}"]
    problems = []
    if not isinstance(a.get("accepted"), bool):
        problems.append(f"{where}: accepted must be true or false")
    if action in ("link", "review", "historical") and not _str(a.get("salesforce")):
        problems.append(f"{where}: a {action} needs the Salesforce Id in 'salesforce'")
    if action in ("link", "review") and not _str(a.get("intacct")):
        problems.append(f"{where}: a {action} needs the Intacct key in 'intacct'")
    if action == "historical" and a.get("intacct") is not None and not _str(a.get("intacct")):
        problems.append(f"{where}: 'intacct' must be a sales order DOCID or null")
    if action == "create":
        target = a.get("target")
        source = {"intacct": "salesforce", "salesforce": "intacct"}.get(str(target))
        if source is None:
            problems.append(f"{where}: target must be 'intacct' or 'salesforce', not {target!r}")
        elif not _str(a.get(source)):
            problems.append(f"{where}: a create in {target} needs the source key in {source!r}")
    if action == "leave_out":
        if a.get("system") not in ("salesforce", "intacct"):
            problems.append(f"{where}: system must be 'salesforce' or 'intacct'")
        if not _str(a.get("key")):
            problems.append(f"{where}: a leave_out needs the record's 'key'")
    fields = a.get("fields") or {}
    if not isinstance(fields, dict):
        problems.append(f"{where}: fields must be an object")
    else:
        for name, choice in fields.items():
            if not isinstance(choice, dict) or choice.get("winner") not in WINNERS or "value" not in choice:
                problems.append(f"{where}: field {name!r} needs winner ({'|'.join(WINNERS)}) and value")
    return problems


def record_keys(a: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(entity, system, key) of every record an action decides about."""
    if a["action"] == "leave_out":
        return [(a["entity"], a["system"], a["key"])]
    out = []
    if a.get("salesforce"):
        out.append((a["entity"], "salesforce", a["salesforce"]))
    if a.get("intacct") and a["entity"] != "opportunity":
        out.append((a["entity"], "intacct", a["intacct"]))
    return out


def validate_plan(doc: Any, *, profile: str | None = None) -> list[str]:
    """Every problem of a plan document ([] when it can be applied)."""
    if not isinstance(doc, dict):
        return ["the plan is not a JSON object"]
    problems = []
    if doc.get("format") != PLAN_FORMAT:
        problems.append(f"format must be {PLAN_FORMAT!r} (is this a baseline plan?)")
    if doc.get("version") != PLAN_VERSION:
        problems.append(f"version {doc.get('version')!r} is not supported (expected {PLAN_VERSION})")
    if profile is not None and doc.get("profile") != profile:
        problems.append(f"the plan is for profile {doc.get('profile')!r}, not {profile!r}")
    try:
        date.fromisoformat(str(doc.get("cutover_date")))
    except ValueError:
        problems.append(f"cutover_date {doc.get('cutover_date')!r} is not a date (YYYY-MM-DD)")
    actions = doc.get("actions")
    if not isinstance(actions, list):
        return [*problems, "actions must be a list"]
    seen: dict[tuple[str, str, str], str] = {}
    for n, a in enumerate(actions):
        where = f"action {a.get('id', n + 1) if isinstance(a, dict) else n + 1}"
        mine = _check_action(a, where)
        problems += mine
        if mine:
            continue
        for rk in record_keys(a):
            if rk in seen:
                problems.append(f"{where}: {rk[0]} {rk[2]} ({rk[1]}) is already decided by {seen[rk]}")
            else:
                seen[rk] = where
    return problems


def is_applied(a: dict[str, Any], accept_suggested: bool) -> bool:
    """Whether a load applies an action: accepted by a person, or any non-review suggestion in bulk."""
    return bool(a.get("accepted")) or (accept_suggested and a["action"] != "review" and a.get("status") != "review")
