"""The baseline use case (CLI now, the GUI wizard later): plan to a reviewable file, then apply it.

Why here and not in the engine: a profile names the connections, the state store and the plans
folder; the engine modules stay pure or take ready-made connectors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ..config.paths import app_paths
from ..domain import Entity
from ..engine.baseline.export import newest_plan, read_plan, write_plan
from ..engine.baseline.extract import ExtractCancelled, extract
from ..engine.baseline.load import LEFT_OUT_META, apply_plan
from ..engine.baseline.match import MatchConfig
from ..engine.baseline.plan import build_plan
from ..engine.baseline.review import PlanError
from ..engine.cycle import BASELINE_REQUIRED, SyncEngine
from . import state_service
from .profiles import StoreFactory, default_store
from .sync_service import build_engine, jobs_elsewhere, run_job

Progress = Callable[[str, int], None]

__all__ = ["ExtractCancelled", "PlanError", "apply_baseline", "plan_baseline", "plan_with_engine"]


def plan_with_engine(
    engine: SyncEngine,
    *,
    cutover: date | None = None,
    config: MatchConfig | None = None,
    progress: Progress = lambda stream, n: None,
) -> dict[str, Any]:
    """Extract both sides and build the plan document (nothing is written anywhere)."""
    ex = extract(engine.sf, engine.ia, progress=progress, should_stop=engine.should_stop)
    with engine.store.read() as r:
        links = {e.value: r.links.list(e) for e in Entity}
        left_out = r.meta.get(LEFT_OUT_META) or {}
    return build_plan(
        ex,
        links,
        engine.mapping,
        profile=engine.settings.profile,
        cutover=cutover or date.today(),
        config=config,
        left_out=left_out,
    )


def plan_baseline(
    profile: str,
    *,
    cutover: date | None = None,
    progress: Progress = lambda stream, n: None,
    should_stop: Callable[[], bool] = lambda: False,
    plans_dir: Path | None = None,
    store_factory: StoreFactory = default_store,
    session: Any = None,
) -> tuple[dict[str, Any], Path, Path]:
    """Plan and write ``<plans_dir>/<profile>-<timestamp>.json`` and ``.csv``; returns (plan, json, csv).

    Read-only on both systems and the state store, so it does not take the profile's writer lock."""
    engine = build_engine(profile, should_stop=should_stop, store_factory=store_factory, writer=False, session=session)
    try:
        doc = plan_with_engine(engine.engine, cutover=cutover, progress=progress)
    finally:
        engine.close()
    json_path, csv_path = write_plan(doc, plans_dir or app_paths().plans_dir)
    return doc, json_path, csv_path


def reviewed_plan(source: Path, accepted: list[int], *, profile: str, plans_dir: Path | None = None) -> Path:
    """Write ``source`` again as the newest plan with a person's decisions: the actions whose ids
    are in ``accepted`` accepted, every other one not. Returns the new plan file.

    Why here: the window sends only the decisions; its sync process, which applies the plan,
    writes the plan file (re-encoding a large plan in the window's process held the GIL that the
    window's GUI thread needs, for a third of a second, just as the load started).
    """
    doc = read_plan(source, profile=profile)
    chosen = {int(i) for i in accepted}
    known = {a.get("id") for a in doc["actions"]}
    unknown = sorted(chosen - known)
    if unknown:
        raise PlanError([f"{source.name} has no action {', '.join(map(str, unknown[:5]))}"])
    for action in doc["actions"]:
        action["accepted"] = action.get("id") in chosen
    json_path, _csv = write_plan(doc, plans_dir or app_paths().plans_dir)
    return json_path


def settled_by(report: dict[str, Any]) -> tuple[str, ...]:
    """A completed load settles "baseline needed": a worker paused by that refusal syncs again."""
    return (BASELINE_REQUIRED,) if report.get("status") == "ok" else ()


def apply_baseline(
    profile: str,
    *,
    plan_path: Path | None = None,
    accept_suggested: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    plans_dir: Path | None = None,
    store_factory: StoreFactory = default_store,
    worker: Any = None,
    progress: Callable[[str, int, int], None] = lambda entity, done, total: None,
    accepted: list[int] | None = None,
) -> dict[str, Any]:
    """Load the given plan (default: the profile's newest) and apply it; returns the report.

    ``progress(object, done, total)`` is called on the worker's thread after every batch.
    ``accepted``: the ids of the actions a person accepted in that plan (the others are not): the
    plan is first written again with those decisions as the newest plan (:func:`reviewed_plan`).

    The load runs as a job of the profile's sync worker (``worker``: the window's; None: a
    short-lived one under the profile's lock), so it never writes beside a running cycle.
    """
    folder = plans_dir or app_paths().plans_dir
    path = plan_path or newest_plan(folder, profile)
    if path is None:
        raise PlanError([f"no plan for profile {profile!r} in {folder}; run `sfintacct baseline plan` first"])
    if jobs_elsewhere(worker):  # the window's sync process loads it, as its worker's job
        params: dict[str, Any] = {"plan_path": str(path)}
        if accepted is not None:
            params["accepted"] = list(accepted)
        return dict(
            worker.run_job(
                "baseline_apply",
                params,
                progress=lambda value: progress(*value),
                should_stop=should_stop,
            )
        )
    if accepted is not None:
        path = reviewed_plan(path, accepted, profile=profile, plans_dir=folder)
    doc = read_plan(path, profile=profile)

    def load(engine: Any) -> dict[str, Any]:
        return apply_plan(engine.engine, doc, accept_suggested=accept_suggested, plan_path=str(path), progress=progress)

    report: dict[str, Any] = run_job(
        profile,
        "baseline load",
        load,
        worker=worker,
        should_stop=should_stop,
        store_factory=store_factory,
        lifts=settled_by,
    )
    if report["status"] == "ok":  # the profile now has a sync state that must never silently vanish
        state_service.note_synced(profile, cutover=report["cutover_date"], baseline_applied=True)
    elif report.get("writes"):
        state_service.note_synced(profile)
    return report
