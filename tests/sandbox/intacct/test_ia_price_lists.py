"""Order Entry price lists (SOPRICELIST) and their entries (SOPRICELISTENTRY) in the Intacct emulator."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from tests.xml_conformance_util import IaClient


@pytest.fixture()
def ia(ia_server: EmulatorServer) -> IaClient:
    emulator = ia_server.emulator
    assert isinstance(emulator, IntacctEmulator)
    emulator.reset("empty")
    emulator.sessions.timeout = 3600 * 12
    return IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")


def _ok(ia: IaClient, body: str) -> object:
    res = ia.result(body)
    assert res.findtext("status") == "success", res.findtext("errormessage/error/description2")
    return res


def _seed(ia: IaClient) -> None:
    _ok(ia, "<create><ITEM><ITEMID>I1</ITEMID><NAME>Widget</NAME><BASEPRICE>100</BASEPRICE></ITEM></create>")
    _ok(ia, "<create><SOPRICELIST><NAME>Partners</NAME></SOPRICELIST></create>")


def entry(plist: str = "Partners", item: str = "I1", value: str = "90") -> str:
    return (
        f"<create><SOPRICELISTENTRY><PRICELISTID>{plist}</PRICELISTID><ITEMID>{item}</ITEMID>"
        f"<VALUE>{value}</VALUE></SOPRICELISTENTRY></create>"
    )


def test_price_list_is_keyed_by_name_and_a_second_one_is_refused(ia: IaClient) -> None:
    _seed(ia)
    dup = ia.result("<create><SOPRICELIST><NAME>Partners</NAME></SOPRICELIST></create>")
    assert dup.findtext("status") == "failure"
    errs = dup.findall("errormessage/error")
    assert errs[0].findtext("errorno") == "BL34000061"
    assert "Partners" in (errs[0].findtext("description2") or "")
    row = _ok(ia, "<readByName><object>SOPRICELIST</object><keys>Partners</keys><fields>*</fields></readByName>")
    found = row.find("data")[0]  # type: ignore[attr-defined]
    assert (found.findtext("NAME"), found.findtext("STATUS")) == ("Partners", "active")
    assert found.findtext("SALEPURCHASE") == "Sales"


def test_entry_create_query_and_update_by_recordno(ia: IaClient) -> None:
    _seed(ia)
    rec = _ok(ia, entry()).findtext("data/sopricelistentry/RECORDNO")  # type: ignore[attr-defined]
    rows = _ok(
        ia,
        "<query><object>SOPRICELISTENTRY</object><select><field>RECORDNO</field><field>PRICELISTID</field>"
        "<field>ITEMID</field><field>ITEMNAME</field><field>VALUE</field><field>VALUETYPE</field>"
        "<field>STATUS</field><field>WHENMODIFIED</field></select>"
        "<filter><equalto><field>PRICELISTID</field><value>Partners</value></equalto></filter></query>",
    ).find("data")  # type: ignore[attr-defined]
    assert rows.get("totalcount") == "1"
    row = rows[0]
    assert (row.findtext("ITEMID"), row.findtext("ITEMNAME"), row.findtext("VALUE")) == ("I1", "Widget", "90")
    assert row.findtext("VALUETYPE") == "Actual" and row.findtext("STATUS") == "active"
    _ok(
        ia,
        f"<update><SOPRICELISTENTRY><RECORDNO>{rec}</RECORDNO><VALUE>85.5</VALUE><STATUS>inactive</STATUS>"
        "<ITEMID>I2</ITEMID></SOPRICELISTENTRY></update>",
    )
    got = _ok(ia, f"<read><object>SOPRICELISTENTRY</object><keys>{rec}</keys><fields>*</fields></read>")
    got_row = got.find("data/SOPRICELISTENTRY")  # type: ignore[attr-defined]
    assert (got_row.findtext("VALUE"), got_row.findtext("STATUS"), got_row.findtext("ITEMID")) == (
        "85.5",
        "inactive",
        "I1",  # an entry stays on its item
    )


def test_entry_refuses_unknown_list_item_and_value_type(ia: IaClient) -> None:
    _seed(ia)
    for body, words in (
        (entry(plist="Nope"), "Invalid Price List 'Nope' specified."),
        (entry(item="NOPE"), "Invalid Item 'NOPE' specified."),
    ):
        res = ia.result(body)
        assert res.findtext("status") == "failure"
        assert res.findtext("errormessage/error/description2") == words
    bad = ia.result(
        "<create><SOPRICELISTENTRY><PRICELISTID>Partners</PRICELISTID><ITEMID>I1</ITEMID><VALUE>1</VALUE>"
        "<VALUETYPE>Half off</VALUETYPE></SOPRICELISTENTRY></create>"
    )
    assert bad.findtext("errormessage/error/errorno") == "BL03000018"
    missing = ia.result("<create><SOPRICELISTENTRY><PRICELISTID>Partners</PRICELISTID></SOPRICELISTENTRY></create>")
    assert missing.findtext("status") == "failure"


def test_price_list_writes_leave_audit_rows(ia: IaClient) -> None:
    _seed(ia)
    _ok(ia, entry())
    _ok(ia, "<update><SOPRICELIST><NAME>Partners</NAME><STATUS>inactive</STATUS></SOPRICELIST></update>")
    rows = _ok(
        ia,
        "<query><object>AUDITHISTORY</object><select><field>OBJECTTYPE</field><field>ACCESSMODE</field></select>"
        "<filter><in><field>OBJECTTYPE</field><value>sopricelist</value><value>sopricelistentry</value></in>"
        "</filter></query>",
    ).find("data")  # type: ignore[attr-defined]
    seen = sorted((r.findtext("OBJECTTYPE"), r.findtext("ACCESSMODE")) for r in rows)
    assert seen == [("sopricelist", "C"), ("sopricelist", "M"), ("sopricelistentry", "C")]
