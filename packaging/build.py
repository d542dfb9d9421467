"""Build the desktop app: ``python packaging/build.py`` (docs/packaging.md).

One command on Linux, Windows and macOS: PyInstaller runs ``packaging/sfintacct.spec`` into
``dist/sfintacct-desktop/`` (a folder: start ``sfintacct-desktop`` or ``sfintacct`` inside it; on
macOS also ``dist/sfintacct-desktop.app``). On Linux it then packs
``dist/sfintacct-desktop-<version>-linux-<arch>.tar.gz``: the folder plus a ``.desktop`` entry, the
AppStream metainfo, the icons and ``install.sh`` (links them into ``~/.local``).

Needs the ``packaging`` extra: ``pip install -e '.[packaging]'``. The version is the installed
package's metadata, which the frozen app reads too; a pyproject version the installation has not
caught up with stops the build rather than ship a wrong ``--version``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "sfintacct.spec"
LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "resources" / "icons"
NAME = "sfintacct-desktop"
APP_ID = "io.github.sfintacct.SfintacctDesktop"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def package_version() -> str:
    """The installed metadata's version, refused when it differs from pyproject.toml's."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    try:
        installed = importlib.metadata.version(NAME)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"{NAME} is not installed in this Python: run pip install -e '.[packaging]'") from None
    if installed != declared:
        raise SystemExit(
            f"pyproject.toml says {declared} but the installed metadata says {installed}: "
            "run pip install -e '.[packaging]' again so the app reports the right version"
        )
    return installed


def run_pyinstaller(dist: Path, work: Path) -> None:
    """A build from scratch in ``work``, without ``--clean``.

    Why not ``--clean``: it also empties PyInstaller's per-user cache, under any other build running
    at the time (the test suite builds while a developer may). The work folder is this build's own,
    emptied here, so nothing stale from an earlier build of another checkout is reused.
    """
    shutil.rmtree(work, ignore_errors=True)
    cmd = [
        sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=ROOT)  # noqa: S603 - this Python's PyInstaller, our spec


def metainfo(version: str, date: str) -> str:
    text = (LINUX / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    return text.replace("@VERSION@", version).replace("@DATE@", date)


INSTALL_SH = """\
#!/bin/sh
# Put sfintacct-desktop in the application menu of this user: links the programs into ~/.local/bin,
# the .desktop entry, the metainfo and the icons into ~/.local/share. Run it from the unpacked folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$HOME/.local/bin" "$data/applications" "$data/metainfo"
ln -sf "$here/sfintacct-desktop" "$HOME/.local/bin/sfintacct-desktop"
ln -sf "$here/sfintacct-desktop" "$HOME/.local/bin/sfintacct"
sed "s|^Exec=.*|Exec=$here/sfintacct-desktop|" "$here/share/applications/APP_ID.desktop" \\
  > "$data/applications/APP_ID.desktop"
cp "$here/share/metainfo/APP_ID.metainfo.xml" "$data/metainfo/"
cp -R "$here/share/icons" "$data/"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "installed: sfintacct-desktop is in the application menu; sfintacct and sfintacct-desktop in ~/.local/bin"
""".replace("APP_ID", APP_ID)


def linux_archive(dist: Path, version: str, level: int = 6) -> Path:
    """The tar.gz users unpack: the built folder, desktop integration files, install.sh."""
    arch = platform.machine() or "unknown"
    stem = f"{NAME}-{version}-linux-{arch}"
    tree = dist / stem
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(dist / NAME, tree, symlinks=True)
    share = tree / "share"
    (share / "applications").mkdir(parents=True)
    (share / "metainfo").mkdir()
    shutil.copy2(LINUX / f"{APP_ID}.desktop", share / "applications")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    (share / "metainfo" / f"{APP_ID}.metainfo.xml").write_text(metainfo(version, today), encoding="utf-8")
    for size in ICON_SIZES:
        folder = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy2(ICONS / f"{NAME}-{size}.png", folder / f"{NAME}.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(ICONS / f"{NAME}.svg", scalable / f"{NAME}.svg")
    (tree / "install.sh").write_text(INSTALL_SH, encoding="utf-8")
    (tree / "install.sh").chmod(0o755)
    archive = dist / f"{stem}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=level) as tar:
        tar.add(tree, arcname=stem)  # symlinks stay symlinks (sfintacct -> sfintacct-desktop)
    shutil.rmtree(tree)
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder (default: build/)")
    parser.add_argument("--no-archive", action="store_true", help="Linux: build the folder only, no tar.gz")
    parser.add_argument(
        "--gzip-level", type=int, default=6, choices=range(1, 10), metavar="1-9",
        help="Linux: the archive's compression (default 6; 1 packs 3x faster, 7%% larger: the tests use it)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    version = package_version()
    started = time.monotonic()
    run_pyinstaller(args.dist.resolve(), args.work.resolve())
    built = time.monotonic() - started
    print(f"built {args.dist / NAME} (version {version}) in {built:.1f} s")
    if sys.platform.startswith("linux") and not args.no_archive:
        started = time.monotonic()
        archive = linux_archive(args.dist.resolve(), version, args.gzip_level)
        print(f"packed {archive} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
