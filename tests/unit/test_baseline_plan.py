"""The baseline plan on hand-made records: one action per record, winners, historical orders,
validation of an edited plan, the plan files, and what a load holds out of the live sync."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sfintacct_desktop.domain import Address, Customer, Entity, Link, LinkState, Opportunity, Product, SalesOrder
from sfintacct_desktop.domain import System as S
from sfintacct_desktop.engine.baseline.export import csv_rows, newest_plan, read_plan, write_plan
from sfintacct_desktop.engine.baseline.extract import Extract
from sfintacct_desktop.engine.baseline.load import held_out
from sfintacct_desktop.engine.baseline.plan import build_plan, field_choices, jsonable, link_writes, plan_historical
from sfintacct_desktop.engine.baseline.review import PlanError, is_applied, validate_plan
from sfintacct_desktop.engine.entities import CUSTOMERS
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.engine.merge import merge

MAPPING = load_mapping()
CUTOVER = date(2026, 1, 1)
SF1, SF2, SF3, SF4 = (f"0015e00000000{n}AAA" for n in ("01a", "02a", "03a", "04a"))
ADDR = Address(lines=("1 Main St",), city="Springfield", state="IL", postal_code="62701", country_code="US")


def sf(key: str, name: str, **kw: object) -> Customer:
    return Customer(system=S.SALESFORCE, key=key, name=name, **{"address": ADDR, **kw})  # type: ignore[arg-type]


def ia(key: str, name: str, **kw: object) -> Customer:
    return Customer(system=S.INTACCT, key=key, name=name, **{"address": ADDR, **kw})  # type: ignore[arg-type]


def _plan(ex: Extract, links: dict | None = None, left_out: dict | None = None) -> dict:
    return build_plan(ex, links or {}, MAPPING, profile="t", cutover=CUTOVER, left_out=left_out)


def _by(doc: dict, **match: object) -> list[dict]:
    return [a for a in doc["actions"] if all(a.get(k) == v for k, v in match.items())]


# ------------------------------------------------------------------------------ winners
def test_a_field_owned_by_both_takes_the_salesforce_value_unless_it_is_empty() -> None:
    a = sf(SF1, "Acme Inc", phone="+1 217 555 0100", website="")
    b = ia("C-1", "Acme Inc", phone="+1 217 555 0199", website="https://acme.example")
    got = field_choices(MAPPING.customer, a, b)
    assert got["phone"]["winner"] == "salesforce" and got["phone"]["value"] == "+12175550100"
    assert got["website"]["winner"] == "intacct" and got["website"]["value"] == "https://acme.example"
    assert "name" not in got  # equal values are no choice at all


# ------------------------------------------------------------------------------ actions
def test_every_record_gets_one_action_with_its_reason() -> None:
    ex = Extract(
        sf_customers=[
            sf(SF1, "Acme Inc", phone="2175550100", number="C-1"),
            sf(SF2, "Brand New Widgets LLC", phone="2175550222"),
            sf(SF3, "Zeta Corp", phone="3125550333", active=False),
        ],
        ia_customers=[
            ia("C-1", "Acme Incorporated", phone="2175550100"),
            ia("C-2", "Only In Intacct GmbH", phone="3125550777"),
            ia("C-3", "Old Customer Ltd", phone="4155550999", active=False),
            ia("C-4", "Acme Inc", phone="6175550000", address=Address(city="Boston", country_code="US")),
        ],
        sf_deleted_customers=[SF4],
    )
    doc = _plan(ex)
    assert _by(doc, action="link", salesforce=SF1, intacct="C-1")[0]["status"] == "auto"
    create = _by(doc, action="create", salesforce=SF2)[0]
    assert create["target"] == "intacct" and create["status"] == "suggested"
    assert create["writes"][0]["system"] == "intacct" and create["writes"][1]["after"] == {
        "Intacct_Customer_ID__c": create["proposed_key"]
    }
    assert _by(doc, action="leave_out", key=SF3)[0]["reason"] == "inactive"
    assert _by(doc, action="leave_out", key="C-3")[0]["reason"] == "inactive"
    assert "recycle bin" in _by(doc, action="leave_out", key=SF4)[0]["reason"]
    assert _by(doc, action="create", intacct="C-2")[0]["target"] == "salesforce"
    assert validate_plan(doc) == []
    counts = doc["counts"]["customer"]
    assert (counts["links_auto"], counts["create_in_intacct"], counts["create_in_salesforce"]) == (1, 1, 2)


def test_a_create_whose_name_intacct_already_has_needs_review() -> None:
    # Intacct refuses a second customer contact of the same name (BL34000061): a person decides.
    ex = Extract(
        sf_customers=[sf(SF1, "Golden Stone Labs LLC", phone="5125550100", address=Address(city="Austin"))],
        ia_customers=[ia("C-9", "Golden Stone Labs LLC", phone="5035550100", address=Address(city="Portland"))],
    )
    doc = _plan(ex)
    create = _by(doc, action="create", salesforce=SF1)[0]
    assert create["status"] == "review" and "C-9" in create["reason"]
    assert not is_applied(create, accept_suggested=True)
    assert is_applied({**create, "accepted": True}, accept_suggested=False)


def test_duplicates_within_a_side_are_left_out_and_the_oldest_survives() -> None:
    ex = Extract(
        sf_customers=[
            sf(SF1, "Initech Inc", phone="2175550100", website="initech.example"),
            sf(SF2, "Initech, Inc.", phone="2175550100", website="initech.example"),
        ],
    )
    doc = _plan(ex)
    assert _by(doc, action="create", salesforce=SF1)
    assert _by(doc, action="leave_out", key=SF2)[0]["reason"].startswith(f"duplicate of {SF1}")


def test_existing_links_and_earlier_left_out_records_propose_nothing_new() -> None:
    now = datetime.now(UTC)
    link = Link(1, Entity.CUSTOMER, SF1, "C-1", None, {}, {}, None, None, None, None, LinkState.ACTIVE, now, now)
    ex = Extract(
        sf_customers=[sf(SF1, "Acme Inc", cross_ref="C-1"), sf(SF2, "Acme Inc dup")],
        ia_customers=[ia("C-1", "Acme Inc", cross_ref=SF1), ia("C-2", "Acme Inc dup")],
    )
    earlier = {"customer": {"salesforce": {SF2: "duplicate"}, "intacct": {"C-2": "duplicate"}}}
    doc = _plan(ex, {"customer": [link]}, earlier)
    assert doc["counts"]["new_proposals"] == 0
    assert _by(doc, action="link", salesforce=SF1)[0]["status"] == "existing"
    assert {a["key"] for a in _by(doc, action="leave_out")} == {SF2, "C-2"}  # not matched to each other


def test_products_link_by_code_and_unmatched_inactive_items_are_left_out() -> None:
    ex = Extract(
        sf_products=[Product(system=S.SALESFORCE, key="01t5e0000000001AAA", name="Widget", code="W-1")],
        ia_products=[
            Product(system=S.INTACCT, key="W-1", name="Widget (blue)", code="W-1", price=Decimal("9.50")),
            Product(system=S.INTACCT, key="OLD", name="Old thing", code="OLD", active=False),
        ],
    )
    doc = _plan(ex)
    link = _by(doc, entity="product", action="link")[0]
    assert link["intacct"] == "W-1" and link["method"] == "code"
    assert _by(doc, entity="product", action="leave_out", key="OLD")[0]["reason"] == "inactive"


# ------------------------------------------------------------------------------ historical
def _opp(oid: str, close: date, amount: str, account: str = SF1, **kw: object) -> Opportunity:
    return Opportunity(
        id=oid, name=oid, account_id=account, stage="Closed Won", is_closed=True, is_won=True,
        close_date=close, amount=Decimal(amount), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _so(doc_id: str, when: date, total: str, customer: str = "C-1", **kw: object) -> SalesOrder:
    return SalesOrder(
        doc_id=doc_id, transaction_type="Sales Order", customer_id=customer, order_date=when,
        total=Decimal(total), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_historical_opportunities_link_to_the_one_clear_sales_order() -> None:
    opps = [
        _opp("006A", date(2025, 6, 1), "100.00"),  # clear match
        _opp("006B", date(2025, 7, 1), "250.00"),  # two orders could match: none proposed
        _opp("006C", date(2025, 8, 1), "300.00"),  # order too far from the close date
        _opp("006D", date(2025, 9, 1), "400.00", account="001other"),  # customer not linked
        _opp("006E", date(2026, 2, 1), "100.00"),  # after the cut-over: the live sync's job
        _opp("006F", date(2025, 5, 1), "50.00", sync_status="Historical", sales_order_id="Sales Order-9"),
    ]
    orders = [
        _so("Sales Order-1", date(2025, 6, 3), "100.00"),
        _so("Sales Order-2", date(2025, 7, 2), "250.00"),
        _so("Sales Order-3", date(2025, 6, 30), "250.00"),
        _so("Sales Order-4", date(2025, 8, 20), "300.00"),
        _so("Sales Order-5", date(2025, 6, 1), "100.00", customer="C-2"),  # another customer
        _so("Sales Order-9", date(2025, 5, 1), "50.00"),
    ]
    got = {a["salesforce"]: a for a in plan_historical(opps, orders, {SF1: "C-1"}, CUTOVER)}
    assert set(got) == {"006A", "006B", "006C", "006D", "006F"}
    assert got["006A"]["intacct"] == "Sales Order-1"
    assert got["006A"]["writes"][0]["after"] == {
        "Intacct_Sync_Status__c": "Historical",
        "Intacct_Sales_Order_ID__c": "Sales Order-1",
    }
    assert got["006B"]["intacct"] is None and "2 sales orders" in got["006B"]["reason"]
    assert got["006C"]["intacct"] is None and got["006D"]["intacct"] is None
    assert got["006C"]["writes"][0]["after"] == {"Intacct_Sync_Status__c": "Historical"}
    assert got["006F"]["status"] == "existing" and got["006F"]["writes"] == []


# ------------------------------------------------------------------------------ validation
def test_an_edited_plan_is_validated_with_every_problem_named() -> None:
    doc = _plan(Extract(sf_customers=[sf(SF1, "Acme Inc")], ia_customers=[ia("C-2", "Other Co")]))
    doc["actions"].append({**doc["actions"][0], "id": 99})  # the same record decided twice
    doc["actions"][1]["target"] = "netsuite"
    doc["actions"].append({"entity": "invoice", "action": "link", "accepted": True, "id": 100})
    doc["cutover_date"] = "01/01/2026"
    problems = validate_plan(doc, profile="other")
    text = "\n".join(problems)
    assert "profile 't'" in text and "cutover_date" in text
    assert "action 99" in text and "already decided by action 1" in text
    assert "action 2: target" in text and "action 100: entity" in text
    assert validate_plan([]) == ["the plan is not a JSON object"]


def test_plan_files_round_trip_and_the_newest_is_found(tmp_path: Path) -> None:
    doc = _plan(Extract(sf_customers=[sf(SF1, "Acme Inc")]))
    old, _ = write_plan(doc, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    new, csv_path = write_plan(doc, tmp_path, now=datetime(2026, 1, 2, tzinfo=UTC))
    (tmp_path / "other-20990101T000000000000Z.json").write_text("{}")
    assert newest_plan(tmp_path, "t") == new != old
    assert read_plan(new, profile="t") == json.loads(new.read_text())
    assert csv_path.read_text().splitlines()[0].startswith("id,entity,action")
    assert csv_rows(doc)[0]["writes_intacct"] == 1
    new.write_text(json.dumps({**doc, "version": 7}))
    try:
        read_plan(new)
    except PlanError as exc:
        assert "version 7" in str(exc)
    else:
        raise AssertionError("an unsupported version was accepted")


def test_a_reviewed_plan_is_written_again_with_the_decisions_by_id(tmp_path: Path) -> None:
    from sfintacct_desktop.app.baseline_service import reviewed_plan

    doc = _plan(Extract(sf_customers=[sf(SF1, "Acme Inc"), sf(SF2, "Beta Tools")]))
    source, _ = write_plan(doc, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    ids = [a["id"] for a in doc["actions"]]
    assert len(ids) == 2
    written = reviewed_plan(source, [ids[1]], profile="t", plans_dir=tmp_path)
    assert written != source and newest_plan(tmp_path, "t") == written
    again = read_plan(written, profile="t")
    assert [a["accepted"] for a in again["actions"]] == [False, True]
    assert [{k: v for k, v in a.items() if k != "accepted"} for a in again["actions"]] == [
        {k: v for k, v in a.items() if k != "accepted"} for a in read_plan(source)["actions"]
    ]  # only the decisions changed
    try:
        reviewed_plan(source, [ids[0], 999], profile="t", plans_dir=tmp_path)
    except PlanError as exc:
        assert "no action 999" in str(exc)
    else:
        raise AssertionError("an id the plan does not have was accepted")


def test_the_load_holds_out_what_it_does_not_apply() -> None:
    doc = _plan(
        Extract(
            sf_customers=[sf(SF1, "Acme Inc"), sf(SF2, "Zeta Corp", active=False)],
            ia_customers=[ia("C-2", "Only In Intacct GmbH", phone="3125550777")],
        )
    )
    create_sf = _by(doc, action="create", salesforce=SF1)[0]
    earlier = {"customer": {"salesforce": {SF1: "not accepted"}}}
    held = held_out(doc, {create_sf["id"]}, earlier)["customer"]
    assert SF1 not in held["salesforce"]  # applied now: it leaves the set
    assert held["salesforce"][SF2] == "inactive"
    assert held["intacct"]["C-2"] == "not accepted"


# ------------------------------------------------------------------------------ renamed companies
def test_a_renamed_company_is_a_review_not_two_creates_and_a_weak_twin_is_a_named_partner() -> None:
    moved = Address(lines=("9 Elm St",), city="Springfield", state="IL", postal_code="62704", country_code="US")
    ex = Extract(
        sf_customers=[
            sf(SF1, "Northwind Traders Inc", phone="2175550100"),  # renamed; no website on file
            sf(SF2, "Gamma Labs Inc", phone="2175550222", address=moved),  # renamed and moved
        ],
        ia_customers=[
            ia("C-1", "Acme Widgets Inc", phone="(217) 555-0100", email="ap@acme.example"),
            ia("C-2", "Beta Works Inc", phone="217.555.0222", email="ap@beta.example"),
        ],
    )
    doc = _plan(ex)
    (review,) = _by(doc, action="review")
    assert (review["salesforce"], review["intacct"]) == (SF1, "C-1")
    assert "renamed?" in review["reasons"]["review_because"]
    creates = {a.get("salesforce") or a.get("intacct"): a for a in _by(doc, action="create")}
    assert set(creates) == {SF2, "C-2"}
    assert creates[SF2]["partner"]["key"] == "C-2" and creates["C-2"]["partner"]["key"] == SF2
    assert creates[SF2]["partner"]["evidence"] == ["same phone", "different address"]
    assert creates[SF2]["status"] == "suggested"  # weak evidence: shown, not blocking
    assert doc["counts"]["customer"]["creates_with_partner"] == 2
    assert doc["counts"]["product"]["creates_with_partner"] == 0
    rows = {r["id"]: r for r in csv_rows(doc)}
    assert rows[creates[SF2]["id"]]["plausible_partner"].startswith("C-2 (Beta Works Inc): same phone")
    assert rows[review["id"]]["reason"] == review["reasons"]["review_because"]
    assert validate_plan(doc) == []


def test_the_dry_run_writes_of_a_new_link_are_what_the_merge_writes() -> None:
    nz = Address(lines=("1 Queen St",), city="Auckland", postal_code="1010", country="New Zealand")
    pairs = [
        (sf(SF1, "Acme Inc", phone="+1 217 555 0100", website=""), ia("C-1", "ACME Inc.", phone="217.555.0199")),
        (sf(SF2, "Kiwi Ltd", phone="091 555 0063", address=nz), ia("C-2", "Kiwi Limited", phone="", address=nz)),
        (sf(SF3, "Same Co", phone="2175550100"), ia("C-3", "Same Co", phone="(217) 555-0100")),
    ]
    emap = MAPPING.customer
    for a, b in pairs:
        fields = field_choices(emap, a, b)
        got = link_writes(CUSTOMERS, emap, a, b, fields)
        plan = merge(
            emap, None, None, emap.extract(a), emap.extract(b), resolutions={n: c["value"] for n, c in fields.items()}
        )
        after = {w["system"]: w["after"] for w in got}
        assert {k: v for k, v in after.get("salesforce", {}).items() if k != "Intacct_Customer_ID__c"} == jsonable(
            dict(plan.write_salesforce)
        )
        assert {k: v for k, v in after.get("intacct", {}).items() if k != "SFDC_ACCOUNT_ID"} == jsonable(
            dict(plan.write_intacct)
        )


def test_a_plan_file_is_read_as_json_loads_reads_it_and_broken_files_say_where(tmp_path: Path) -> None:
    """The window reads plans one action at a time (no long GIL hold); the result and the errors
    must be exactly those of ``json.loads``."""
    from sfintacct_desktop.engine.baseline import plan_json

    doc = _plan(Extract(sf_customers=[sf(SF1, "Acme Inc"), sf(SF2, "Zeta Corp")], ia_customers=[ia("C-2", "Zeta")]))
    path, _ = write_plan(doc, tmp_path, now=datetime(2026, 1, 1, tzinfo=UTC))
    text = path.read_text(encoding="utf-8")
    assert len(json.loads(text)["actions"]) >= 2
    assert plan_json.loads(text) == json.loads(text)
    for good in ("{}", ' { "a" : [ ] , "b": {"c": [1]}, "d": [[1, [2]], "é"] } ', "[1, 2]", '"x"'):
        assert plan_json.loads(good) == json.loads(good)
    for bad in ('{"a": [1, 2', '{"a": 1,}', '{"a" 1}', '{"a": [1 2]}', '{"a": 1} x', "{1: 2}", ""):
        try:
            json.loads(bad)
        except json.JSONDecodeError as expected:
            try:
                plan_json.loads(bad)
            except json.JSONDecodeError as got:
                assert (got.msg, got.pos) == (expected.msg, expected.pos), bad
            else:
                raise AssertionError(f"{bad!r} was read")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    try:
        read_plan(path)
    except PlanError as exc:
        assert "is not valid JSON (line" in str(exc)
    else:
        raise AssertionError("half a plan was read")
