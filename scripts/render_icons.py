"""Render resources/icons/sfintacct-desktop.svg into the PNG sizes, the Windows .ico and the macOS .icns.

Run ``QT_QPA_PLATFORM=offscreen python scripts/render_icons.py`` after editing the SVG and commit the
outputs (the build does not render them: it must not depend on a display or on QtSvg at build time).
Why by hand for .ico and .icns: both are a small header around PNG images (Windows Vista+ and
macOS 10.7+ read PNG entries), so twenty lines of ``struct`` beat a new imaging dependency.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
NAME = "sfintacct-desktop"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an .ico entry can declare
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per size + the PNG images (width/height 0 means 256)."""
    sizes = [s for s in ICO_SIZES if s in pngs]
    head = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(head) + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        blob = pngs[s]
        entries += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(blob), offset + len(blobs))
        blobs += blob
    return head + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """'icns' + total length, then (OSType, length incl. 8-byte header, PNG) per size."""
    body = b"".join(kind + struct.pack(">I", len(pngs[s]) + 8) + pngs[s] for s, kind in ICNS_TYPES.items())
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / f"{NAME}.svg"))
    if not renderer.isValid():
        print("the SVG does not parse", file=sys.stderr)
        return 1
    pngs = {size: render_png(renderer, size) for size in SIZES}
    for size, blob in pngs.items():
        (ICONS / f"{NAME}-{size}.png").write_bytes(blob)
    (ICONS / f"{NAME}.ico").write_bytes(ico(pngs))
    (ICONS / f"{NAME}.icns").write_bytes(icns(pngs))
    del app
    print(f"wrote {len(pngs)} PNGs, {NAME}.ico and {NAME}.icns into {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
