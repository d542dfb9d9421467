"""The client's parsers against recorded real Salesforce responses (read in place, never copied)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sfintacct_desktop.wire.salesforce import SalesforceClient, SalesforceSecrets, SalesforceSettings
from sfintacct_desktop.wire.salesforce.parse import (
    parse_api_errors,
    parse_limit_info,
    parse_query_page,
    parse_record_results,
)

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "salesforce"


def load(name: str) -> Any:
    if not CORPUS.is_dir():
        pytest.skip(f"recorded corpus not present at {CORPUS}")
    return json.loads((CORPUS / f"restforce__{name}.json").read_text())


def test_paginated_query_pages() -> None:
    first = parse_query_page(load("sobject_query_paginated_first_page_response"))
    assert not first.done and first.next_records_url == "/services/data/v26.0/query/01gD"
    assert first.records[0]["Text_Label"] == "First Page" and first.records[0]["attributes"]["type"] == "Whizbang"
    last = parse_query_page(load("sobject_query_paginated_last_page_response"))
    assert last.done and last.next_records_url is None and last.records


def test_next_records_url_becomes_a_data_relative_path() -> None:
    client = SalesforceClient(SalesforceSettings(login_host="https://acme.my.salesforce.com"), SalesforceSecrets())
    url = parse_query_page(load("sobject_query_paginated_first_page_response")).next_records_url or ""
    assert client._relative(url) == "query/01gD"


def test_empty_and_relationship_query_results() -> None:
    empty = parse_query_page(load("sobject_query_empty_response"))
    assert empty.records == [] and empty.done and empty.total_size == 0
    full = parse_query_page(load("sobject_query_success_response"))
    assert full.done and full.total_size >= len(full.records) > 0


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("sobject_query_error_response", "INVALID_FIELD"),
        ("sobject_write_error_response", "INVALID_FIELD"),
        ("sobject_delete_error_response", "NOT_FOUND"),
        ("expired_session_response", "INVALID_SESSION_ID"),
        ("sobject_upsert_error_response", "NOT_FOUND"),
        ("auth_error_response", "invalid_grant"),
    ],
)
def test_error_bodies(name: str, code: str) -> None:
    errors = parse_api_errors(load(name))
    assert errors and errors[0][0] == code and errors[0][1]


def test_write_results() -> None:
    created = parse_record_results([load("sobject_create_success_response")], [7])
    assert created[0].index == 7 and created[0].success and created[0].id and created[0].errors == []
    upserted = parse_record_results([load("sobject_upsert_created_success_response")], [0])
    assert upserted[0].success and upserted[0].id == "foo"


def test_limit_info_header_and_bad_shapes() -> None:
    assert parse_limit_info("api-usage=18/5000") == (18, 5000)
    assert parse_limit_info("api-usage=25/5000; per-app-api-usage=17/250(appName=sample)") == (25, 5000)
    assert parse_limit_info(None) is None
    with pytest.raises(ValueError):
        parse_query_page({"done": False, "records": []})
    with pytest.raises(ValueError):
        parse_record_results([{"success": True}], [0, 1])
