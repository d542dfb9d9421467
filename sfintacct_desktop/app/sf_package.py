"""The shipped Salesforce metadata (``resources/salesforce``, DX source format) as a Metadata API zip.

Why a conversion: the Metadata API takes the *metadata* format only. In it a custom field is not a
file of its own: ``objects/Account/fields/X__c.field-meta.xml`` becomes a ``<fields>`` element of
``objects/Account.object`` (list views and compact layouts likewise), while ``package.xml`` names
each field as a ``CustomField`` member ``Account.X__c``. That is what ``sf project convert source``
produces and what Salesforce accepts; a standard object's file then holds only our fields, and
deploying it adds them without touching the object's other settings. Other components lose the
``-meta.xml`` suffix (``layouts/X.layout``). ``package.xml`` is the shipped manifest itself.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from lxml import etree

from ..wire.xml_safe import UnsafeXmlError, parse_untrusted

MD_NS = "http://soap.sforce.com/2006/04/metadata"
SOURCE_ENV = "SFINTACCT_SF_METADATA"  # another copy of the folder (an admin's own changes)
# source sub-folder of an object -> (file suffix, element name in the object's metadata file)
OBJECT_CHILDREN = {
    "fields": (".field-meta.xml", "fields"),
    "listViews": (".listView-meta.xml", "listViews"),
    "compactLayouts": (".compactLayout-meta.xml", "compactLayouts"),
}
# top-level folders whose files are whole components: source suffix -> metadata suffix
FILE_FOLDERS = {
    "layouts": (".layout-meta.xml", ".layout"),
    "tabs": (".tab-meta.xml", ".tab"),
    "reportTypes": (".reportType-meta.xml", ".reportType"),
    "permissionsets": (".permissionset-meta.xml", ".permissionset"),
}


class PackageError(Exception):
    """The metadata folder is missing or unreadable (a broken install or a bad copy)."""


def source_dir() -> Path:
    """The ``resources/salesforce`` folder (``SFINTACCT_SF_METADATA`` names another copy)."""
    override = os.environ.get(SOURCE_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "resources" / "salesforce"


def _read(path: Path) -> etree._Element:
    try:
        return parse_untrusted(path.read_bytes(), path.name)
    except (OSError, UnsafeXmlError) as exc:
        raise PackageError(f"{path.name} cannot be read: {exc}") from None


def _object_file(obj_dir: Path) -> etree._Element:
    """One object's metadata-format file: its own settings (if shipped) and every child element."""
    own = obj_dir / f"{obj_dir.name}.object-meta.xml"
    root = _read(own) if own.exists() else etree.Element(f"{{{MD_NS}}}CustomObject", nsmap={None: MD_NS})
    for folder, (suffix, element) in OBJECT_CHILDREN.items():
        for path in sorted((obj_dir / folder).glob(f"*{suffix}")):
            child = _read(path)
            child.tag = f"{{{MD_NS}}}{element}"
            root.append(child)
    # The schema's sequence is in ASCII order of the element names (fullName, from Metadata, first).
    kids = sorted(root, key=lambda el: (etree.QName(el).localname != "fullName", etree.QName(el).localname))
    for kid in kids:
        root.append(kid)
    return root


def metadata_files(source: Path | None = None) -> dict[str, bytes]:
    """Zip path -> bytes of every file of the deploy, ``package.xml`` included."""
    base = source or source_dir()
    default = base / "force-app" / "main" / "default"
    manifest = base / "manifest" / "package.xml"
    if not default.is_dir() or not manifest.is_file():
        raise PackageError(f"the Salesforce metadata folder {base} is missing or incomplete")
    out: dict[str, bytes] = {"package.xml": etree.tostring(_read(manifest), xml_declaration=True, encoding="UTF-8")}
    for obj_dir in sorted(p for p in (default / "objects").iterdir() if p.is_dir()):
        out[f"objects/{obj_dir.name}.object"] = etree.tostring(
            _object_file(obj_dir), xml_declaration=True, encoding="UTF-8", pretty_print=True
        )
    for folder, (src_suffix, md_suffix) in FILE_FOLDERS.items():
        for path in sorted((default / folder).glob(f"*{src_suffix}")):
            name = path.name[: -len(src_suffix)]
            out[f"{folder}/{name}{md_suffix}"] = etree.tostring(
                _read(path), xml_declaration=True, encoding="UTF-8", pretty_print=True
            )
    return out


def build_zip(source: Path | None = None) -> bytes:
    """The deploy zip (``singlePackage``: ``package.xml`` at its root)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in metadata_files(source).items():
            archive.writestr(name, data)
    return buffer.getvalue()
