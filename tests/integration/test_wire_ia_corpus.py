"""Every recorded real Intacct response, read by the wire client's parser into the right typed outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfintacct_desktop.wire.intacct import (
    IntacctAuthError,
    IntacctControlError,
    IntacctHostileResponseError,
    parse_response,
    parse_xml,
)

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "intacct"


def load(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"recorded corpus not available at {path} (../shared/corpus beside the checkout)")
    return path.read_bytes()


def test_every_corpus_file_is_covered() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"recorded corpus not available at {CORPUS}")
    assert {p.name for p in CORPUS.glob("*.xml")} <= set(SUCCESS) | set(FAILS)


# file -> the function of its first result (None: several kinds)
SUCCESS = {
    "craibuc__Create-Session.Response.xml": "getAPISession",
    "craibuc__Find-IntacctObject.Response.xml": "readByQuery",
    "craibuc__Get-Dimension.xml": "getDimensions",
    "craibuc__Get-Object.Default.xml": "inspect",
    "craibuc__Get-Object.Object.Details.xml": "inspect",
    "craibuc__Get-Object.Object.xml": "inspect",
    "craibuc__Save-Object.create.xml": "create",
    "craibuc__Save-Object.update.xml": "update",
    "jfcote87__execFuncError.xml": "create",
    "jfcote87__execProjectSuccess.xml": None,
    "jfcote87__functionErrorSuccess.xml": None,
    "jfcote87__vendorResponse.xml": "read",
}
FAILS = {
    "jfcote87__execLoginInvalid.xml": (IntacctAuthError, "Sign-in information is incorrect"),
    "jfcote87__sessionInvalid.xml": (IntacctAuthError, "Invalid session"),
    "jfcote87__execXMLError.xml": (IntacctControlError, "XL03000003"),
}


@pytest.mark.parametrize("name", sorted(SUCCESS))
def test_corpus_results(name: str) -> None:
    parsed = parse_response(load(name))
    assert parsed.results, name
    fn = SUCCESS[name]
    if fn is not None:
        assert parsed.results[0].function == fn
    for r in parsed.results:
        assert r.status in ("success", "failure", "aborted") and r.controlid
        assert r.ok == (not r.errors) or r.status != "success"


def test_function_failure_carries_each_error() -> None:
    result = parse_response(load("jfcote87__execFuncError.xml")).results[0]
    assert not result.ok
    assert [e.errorno for e in result.errors][:2] == ["BL34000061", "BL01001973"]
    assert "already exists" in result.errors[0].description2
    assert result.errors[0].correction == "Use a unique value instead."


def test_mixed_results_in_one_response() -> None:
    results = parse_response(load("jfcote87__functionErrorSuccess.xml")).results
    assert {r.status for r in results} >= {"success", "failure"}


def test_read_by_query_paging_attributes() -> None:
    result = parse_response(load("craibuc__Find-IntacctObject.Response.xml")).results[0]
    assert result.totalcount is not None and result.numremaining is not None
    assert result.records and "RECORDNO" in {k.upper() for k in result.records[0]}


def test_create_returns_recordno() -> None:
    result = parse_response(load("craibuc__Save-Object.create.xml")).results[0]
    assert result.ok and result.records[0]["RECORDNO"]


def test_session_response_has_session_and_endpoint() -> None:
    data = parse_response(load("craibuc__Create-Session.Response.xml")).results[0].data
    assert data is not None and data.findtext("api/sessionid") and data.findtext("api/endpoint")


@pytest.mark.parametrize("name", sorted(FAILS))
def test_corpus_failures(name: str) -> None:
    exc_type, text = FAILS[name]
    with pytest.raises(exc_type) as info:
        parse_response(load(name))
    assert text in str(info.value)
    if "Invalid session" in text:
        assert isinstance(info.value, IntacctAuthError) and info.value.invalid_session


def test_doctype_after_comment_is_refused() -> None:
    body = b'<?xml version="1.0"?><!-- c --><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><response/>'
    with pytest.raises(IntacctHostileResponseError):
        parse_xml(body)
