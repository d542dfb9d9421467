"""``sfintacct-desktop --screenshot PNG`` and ``--version`` from the source tree, and the window icon.

The packaged build's smoke test and start-up benchmark rely on ``--screenshot``; here it runs from the source tree
(a real subprocess, offscreen, a fresh home so the welcome page is the first window).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from tests.support.cli_env import REPO, cli_env


def test_screenshot_saves_the_first_painted_window_and_quits(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json", QT_QPA_PLATFORM="offscreen")
    shot = tmp_path / "shots" / "first.png"
    proc = subprocess.run(
        [sys.executable, "-m", "sfintacct_desktop", "--screenshot", str(shot)],
        capture_output=True, text=True, env=env, cwd=str(REPO), timeout=90, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() > 400 and image.height() > 300
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}
    assert len(colours) > 10  # the welcome page's text and buttons, not an empty frame
    assert not shot.with_name(shot.name + ".part").exists()


def test_version_is_the_installed_metadata(tmp_path: Path) -> None:
    from importlib.metadata import version

    env = cli_env(tmp_path / "home", tmp_path / "keyring.json")
    proc = subprocess.run(
        [sys.executable, "-m", "sfintacct_desktop", "--version"],
        capture_output=True, text=True, env=env, cwd=str(REPO), timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout.strip() == f"sfintacct-desktop {version('sfintacct-desktop')}", proc.stderr


def test_the_window_icon_comes_from_the_checkouts_resources(qapp) -> None:  # type: ignore[no-untyped-def]
    from sfintacct_desktop.gui.app_icon import DESKTOP_ID, app_icon, icon_folder, install

    assert icon_folder() == REPO / "resources" / "icons"
    sizes = {s.width() for s in app_icon().availableSizes()}
    assert {16, 32, 48, 256} <= sizes
    install(qapp)
    assert qapp.desktopFileName() == DESKTOP_ID
    assert (REPO / "packaging" / "linux" / f"{DESKTOP_ID}.desktop").exists()  # the entry that id names
    assert not qapp.windowIcon().isNull()
