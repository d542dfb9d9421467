"""The emulator's audit trail can leave an object type out, as a company whose trail does not cover it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from tests.xml_conformance_util import IaClient

AUDIT_QUERY = (
    "<query><object>AUDITHISTORY</object><select><field>OBJECTTYPE</field><field>OBJECTKEY</field>"
    "<field>ACCESSMODE</field></select><orderby><order><field>ACCESSTIME</field><ascending/></order></orderby></query>"
)


@pytest.fixture()
def emu(ia_server: EmulatorServer) -> Iterator[IntacctEmulator]:
    emulator = ia_server.emulator
    assert isinstance(emulator, IntacctEmulator)
    emulator.reset("empty")
    emulator.sessions.timeout = 3600 * 12
    yield emulator
    emulator.company.audit_untracked = set()


def _admin(server: EmulatorServer, body: dict | None = None) -> requests.Response:
    url = server.url + "/__sandbox__/audit"
    return requests.post(url, json=body, timeout=10) if body is not None else requests.get(url, timeout=10)


def _rows(ia: IaClient) -> list[tuple[str, str]]:
    return [(r.findtext("OBJECTTYPE"), r.findtext("ACCESSMODE")) for r in ia.result(AUDIT_QUERY).find("data")]


def test_an_untracked_object_type_leaves_no_audit_row(emu: IntacctEmulator, ia_server: EmulatorServer) -> None:
    ia = IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")
    got = _admin(ia_server, {"untracked": ["CUSTOMER"]}).json()
    assert got == {"untracked": ["customer"], "object_key": "recordno", "time_zone": "company"}
    ia.result("<create><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><NAME>Untracked</NAME></CUSTOMER></create>")
    ia.result("<create><ITEM><ITEMID>I1</ITEMID><NAME>Tracked</NAME></ITEM></create>")
    assert _rows(ia) == [("item", "C")]
    assert _admin(ia_server, {"untracked": []}).json()["untracked"] == []
    ia.result("<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><NAME>Tracked again</NAME></CUSTOMER></update>")
    assert _rows(ia) == [("item", "C"), ("customer", "M")]
    assert _admin(ia_server).json()["untracked"] == []


def test_the_audit_settings_refuse_unknown_values(emu: IntacctEmulator, ia_server: EmulatorServer) -> None:
    assert _admin(ia_server, {"time_zone": "mars"}).status_code == 400
    assert _admin(ia_server, {"object_key": "name"}).status_code == 400
    assert _admin(ia_server, {"time_zone": "gmt"}).json()["time_zone"] == "gmt"
    emu.company.audit_time_zone = "company"


def test_the_option_sets_it_at_start() -> None:
    emulator = IntacctEmulator(None, audit_untracked=["ARPYMT"])
    assert emulator.company.audit_untracked == {"arpymt"}
