"""The Metadata API's XML schema, taken from the recorded WSDL, to validate metadata files and answers.

Why from the WSDL: it is the one published definition of every metadata type and of DeployResult.
Its ``xsd:schema`` uses the ``tns`` prefix declared on the WSDL's root and has no imports, so it is
copied under a root declaring that prefix. Metadata files have no global element of their own in
it (``<CustomField>`` is only a type), so one global element per type used is added.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
WSDL = CORPUS / "salesforce" / "metadata-api" / "metadata.wsdl"
XSD = "http://www.w3.org/2001/XMLSchema"
MD = "http://soap.sforce.com/2006/04/metadata"
ROOT_TYPES = (
    "AsyncResult", "CompactLayout", "CustomField", "CustomObject", "CustomTab", "DeployResult", "Layout",
    "ListView", "Package", "PermissionSet", "ReportType",
)  # fmt: skip


@lru_cache(maxsize=1)
def _schema(path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    wsdl = etree.parse(path, parser).getroot()
    found = wsdl.find(f".//{{{XSD}}}schema")
    assert found is not None, "the WSDL has no xsd:schema"
    schema = etree.Element(f"{{{XSD}}}schema", nsmap={"xsd": XSD, "tns": MD}, attrib=dict(found.attrib))
    for child in found:
        schema.append(copy.deepcopy(child))
    globals_ = {el.get("name") for el in schema.findall(f"{{{XSD}}}element")}
    for name in ROOT_TYPES:
        if name not in globals_:
            etree.SubElement(schema, f"{{{XSD}}}element", name=name, type=f"tns:{name}")
    return etree.XMLSchema(schema)


def metadata_schema() -> etree.XMLSchema:
    """The compiled schema (a few seconds, once per process); skips when the corpus is absent."""
    if not WSDL.is_file():
        pytest.skip(f"the Metadata API WSDL is not available at {WSDL} (../shared/corpus beside the checkout)")
    return _schema(str(WSDL))


def errors(schema: etree.XMLSchema, element: etree._Element) -> list[str]:
    """Validation errors of ``element`` as a document of its own ([] when valid)."""
    doc = etree.ElementTree(copy.deepcopy(element))
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
