"""Render every page and state of the window on the demo sandbox (scripts/screenshot_gui.py), as a
smoke test of the look: each state reached, each picture written at both sizes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshot_gui.py"
STATES = [
    "welcome-first-run",
    "connections-checklist",
    "connections-setup-needed",
    "connections-deploy-check",
    "connections-deployed",
    "profile-editor-new",
    "baseline-plan",
    "baseline-review",
    "baseline-confirmation",
    "baseline-applying",
    "baseline-report",
    "sync-up-to-date",
    "sync-syncing",
    "sync-failing",
    "sync-needs-attention",
    "sync-error-inbox",
    "sync-conflicts",
    "sync-paused",
    "sync-run-detail",
    "invoices-search",
    "customers-fields",
    "customers-invoices",
    "pipeline-refresh",
    "state-restore-choose",
    "state-move-choose",
    "connections-sync-rules",
    "service-confirm",
    "service-attached",
    "service-stopped",
]


def test_every_page_and_state_renders_to_a_png(qapp, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("screenshot_gui", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shots = module.shoot(tmp_path / "shots")
    expected = [f"{n:02d}-{state}-{w}x{h}.png" for n, state in enumerate(STATES, 1) for w, h in module.SIZES]
    assert [p.name for p in shots] == expected
    assert all(p.stat().st_size > 10_000 for p in shots)
