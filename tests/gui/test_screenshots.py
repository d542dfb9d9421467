"""Render every tab on the demo sandbox to PNG (scripts/screenshot_gui.py), as a smoke test of the look."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshot_gui.py"


def test_every_tab_renders_to_a_png(qapp, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("screenshot_gui", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shots = module.shoot(tmp_path / "shots")
    assert [p.name for p in shots] == ["1-connections.png", "2-baseline.png", "3-sync.png", "4-invoices.png"]
    assert all(p.stat().st_size > 10_000 for p in shots)
