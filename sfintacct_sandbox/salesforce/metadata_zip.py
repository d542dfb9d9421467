"""A Metadata API deploy zip read into components: ``package.xml`` and the files in metadata format.

Why a module of its own: reading the zip (which files hold which members, CustomFields nested in
their object's ``objects/X.object``) is independent of what a deploy then does to the org, and the
problems it finds are reported exactly as Salesforce reports them, per component.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from .auth import PARSER

MD_NS = "http://soap.sforce.com/2006/04/metadata"
# folder, file suffix, metadata type, whose members are whole files in that folder
FILE_TYPES: dict[str, tuple[str, str]] = {
    "objects": (".object", "CustomObject"),
    "layouts": (".layout", "Layout"),
    "tabs": (".tab", "CustomTab"),
    "reportTypes": (".reportType", "ReportType"),
    "permissionsets": (".permissionset", "PermissionSet"),
}
# types whose members live inside an object's file: CustomObject child element -> type
CHILD_TYPES = {"fields": "CustomField", "listViews": "ListView", "compactLayouts": "CompactLayout"}
MAX_ZIP_BYTES = 39 * 1024 * 1024  # Salesforce's limit on a deploy zip (about 39 MB base64-decoded)


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def child_text(el: etree._Element, name: str) -> str:
    for c in el:
        if local(c) == name:
            return (c.text or "").strip()
    return ""


@dataclass
class Component:
    """One member named in package.xml and the element that defines it (None: not in the zip)."""

    type: str
    full_name: str
    file_name: str
    element: etree._Element | None = None


@dataclass
class DeployPackage:
    components: list[Component] = field(default_factory=list)
    problem: str = ""  # a problem with the package itself (reported against package.xml)
    root: str = ""  # the folder holding package.xml inside the zip ("" or "unpackaged/")


def _parse(raw: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(raw, PARSER)
    except etree.XMLSyntaxError:
        return None


def read_zip(raw: bytes) -> DeployPackage:
    """The components of a deploy zip; problems go into ``problem`` (whole package) or are left to the deploy."""
    if len(raw) > MAX_ZIP_BYTES:
        return DeployPackage(problem="Maximum size of request reached. Maximum size of request is 52428800 bytes.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return DeployPackage(problem="Error parsing file: Unable to read the zip file")
    manifests = [n for n in names if n == "package.xml" or (n.count("/") == 1 and n.endswith("/package.xml"))]
    if not manifests:
        return DeployPackage(problem="No package.xml found")
    root = manifests[0][: -len("package.xml")]
    manifest = _parse(archive.read(manifests[0]))
    if manifest is None or local(manifest) != "Package":
        return DeployPackage(problem="Error parsing file: package.xml is not a Package", root=root)
    files: dict[str, etree._Element | None] = {}

    def doc(path: str) -> etree._Element | None:
        if path not in files:
            files[path] = _parse(archive.read(root + path)) if root + path in names else None
        return files[path]

    out = DeployPackage(root=root)
    for types in manifest:
        if local(types) != "types":
            continue
        type_name = child_text(types, "name")
        for member in (c for c in types if local(c) == "members"):
            full_name = (member.text or "").strip()
            out.components.append(_component(type_name, full_name, doc))
    return out


def _component(type_name: str, full_name: str, doc: object) -> Component:
    load = doc  # type: ignore[assignment]
    for folder, (suffix, kind) in FILE_TYPES.items():
        if kind == type_name:
            path = f"{folder}/{full_name}{suffix}"
            return Component(type_name, full_name, path, load(path))  # type: ignore[operator]
    for child, kind in CHILD_TYPES.items():
        if kind == type_name and "." in full_name:
            obj, name = full_name.split(".", 1)
            path = f"objects/{obj}.object"
            parent = load(path)  # type: ignore[operator]
            found = None
            if parent is not None:
                found = next(
                    (c for c in parent if local(c) == child and child_text(c, "fullName") == name),
                    None,
                )
            return Component(type_name, full_name, path, found)
    return Component(type_name, full_name, "package.xml", None)
