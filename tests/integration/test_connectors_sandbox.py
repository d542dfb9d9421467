"""Both connectors against the demo sandbox over real HTTP on 127.0.0.1: reads, cursors, deletes, errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sfintacct_desktop.connectors import IntacctConnector, SalesforceConnector
from sfintacct_desktop.domain import Customer, ErrorKind, SyncError, System
from sfintacct_desktop.wire.intacct import IntacctClient, IntacctSecrets, IntacctSettings, SoLine, delete, update
from sfintacct_desktop.wire.intacct.functions import create_sotransaction
from sfintacct_desktop.wire.salesforce import AuthMethod, SalesforceSecrets, SalesforceSettings
from sfintacct_desktop.wire.transport import Backoff
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.signin import web_connector

NO_SLEEP = Backoff(sleep=lambda s: None, max_attempts=2)
TZ = "America/Los_Angeles"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(SandboxOptions(seed="demo")).start()
    yield sb
    sb.stop()


def sf_settings(sb: Sandbox) -> SalesforceSettings:
    """The legacy SOAP login (still selectable): the wrong-password test below needs a password method."""
    return SalesforceSettings(
        auth_method=AuthMethod.SOAP, login_host=sb.salesforce_url, username=cred.SF_USERNAME, timeout=(5.0, 30.0)
    )


def ia_client(sb: Sandbox, user_password: str = cred.INTACCT_USER_PASSWORD) -> IntacctClient:
    settings = IntacctSettings(
        sender_id=cred.INTACCT_SENDER_ID,
        company_id=cred.INTACCT_COMPANY_ID,
        user_id=cred.INTACCT_USER_ID,
        endpoint=sb.intacct_url,
        read_timeout=30.0,
    )
    return IntacctClient(settings, IntacctSecrets(cred.INTACCT_SENDER_PASSWORD, user_password), backoff=NO_SLEEP)


@pytest.fixture(scope="module")
def sfc(sandbox: Sandbox) -> SalesforceConnector:
    return web_connector(sandbox.salesforce_url, profile="sandbox", backoff=NO_SLEEP)


@pytest.fixture(scope="module")
def iac(sandbox: Sandbox) -> IntacctConnector:
    connector = IntacctConnector(ia_client(sandbox), TZ, profile="sandbox")
    connector.login()
    return connector


@pytest.fixture()
def later(sandbox: Sandbox) -> Iterator[None]:
    """Move both emulators' clocks two hours ahead for the test, so its changes stand apart."""
    for emu in (sandbox.salesforce, sandbox.intacct):
        emu.clock.set_offset(7200)
    yield
    for emu in (sandbox.salesforce, sandbox.intacct):
        emu.clock.set_offset(0)


def _all(pages: Iterator[list]) -> list:
    return [r for page in pages for r in page]


# ------------------------------------------------------------------------------ reads
def test_salesforce_reads_match_the_org(sandbox: Sandbox, sfc: SalesforceConnector) -> None:
    store = sandbox.salesforce.store
    customers = _all(sfc.read_customers())
    live = [r for r in store.rows("Account").values() if not r.get("IsDeleted")]
    assert len(customers) == len(live) and all(c.system is System.SALESFORCE for c in customers)
    two_lines = next(r for r in live if "\n" in (r.get("BillingStreet") or ""))
    got = next(c for c in customers if c.key == two_lines["Id"])
    assert got.address.lines == tuple(two_lines["BillingStreet"].split("\n")) and len(got.address.lines) == 2
    assert got.address.country == two_lines["BillingCountry"] and got.modified_at and got.modified_at.tzinfo

    products = _all(sfc.read_products())
    assert len(products) == store.count("Product2")
    book = next(r["Id"] for r in store.rows("Pricebook2").values() if r.get("IsStandard"))
    entry = next(r for r in store.rows("PricebookEntry").values() if r["Pricebook2Id"] == book)
    product = next(p for p in products if p.key == entry["Product2Id"])
    assert product.price == Decimal(str(entry["UnitPrice"])) and isinstance(product.price, Decimal)
    assert product.pricebook_entry_id == entry["Id"]

    opportunities = _all(sfc.changed_opportunities(None))
    assert len(opportunities) == store.count("Opportunity")
    with_lines = next(o for o in opportunities if o.lines)
    assert sum((line.total_price for line in with_lines.lines), Decimal(0)) == with_lines.amount


def test_intacct_reads_match_the_company(sandbox: Sandbox, iac: IntacctConnector) -> None:
    store = sandbox.intacct.store
    customers = _all(iac.read_customers())
    assert len(customers) == store.count("CUSTOMER")
    inactive = [r["CUSTOMERID"] for r in store.rows("CUSTOMER").values() if r.get("STATUS") == "inactive"]
    assert inactive and {c.key for c in customers if not c.active} == set(inactive)
    coded = next(r for r in store.rows("CUSTOMER").values() if r.get("DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE"))
    got = next(c for c in customers if c.key == coded["CUSTOMERID"])
    assert (got.address.country, got.address.country_code) == (
        coded["DISPLAYCONTACT.MAILADDRESS.COUNTRY"],
        coded["DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE"],
    )
    assert got.website == coded.get("DISPLAYCONTACT.URL1", "") and got.modified_at is not None

    items = _all(iac.read_products())
    assert len(items) == store.count("ITEM")
    priced = next(r for r in store.rows("ITEM").values() if r.get("BASEPRICE"))
    item = next(p for p in items if p.key == priced["ITEMID"])
    assert item.price == Decimal(priced["BASEPRICE"]) and str(item.price) == priced["BASEPRICE"]

    orders = _all(iac.changed_sales_orders(None))
    assert len(orders) == store.count("SODOCUMENT") and any(o.lines for o in orders)
    invoices = _all(iac.changed_invoices(None))
    assert len(invoices) == store.count("ARINVOICE")
    assert any(i.sales_order_id.startswith("Sales Order-") for i in invoices)
    payments = _all(iac.changed_payments(None))
    assert len(payments) == store.count("ARPYMT") and all(p.applications for p in payments)


def test_same_product_priced_on_both_sides(sandbox: Sandbox, sfc: SalesforceConnector, iac: IntacctConnector) -> None:
    sf_prices = {p.code: p.price for p in _all(sfc.read_products()) if p.code}
    ia_prices = {p.key: p.price for p in _all(iac.read_products())}
    common = set(sf_prices) & set(ia_prices)
    assert common
    assert any(sf_prices[k] == ia_prices[k] for k in common)  # 12000.0 == 12000.00 as Decimals


# ---------------------------------------------------------------------- changed since
def test_changed_since_returns_only_later_changes(
    sandbox: Sandbox, sfc: SalesforceConnector, iac: IntacctConnector, later: None
) -> None:
    sf_cursor = max(c.modified_at for c in _all(sfc.read_customers()) if c.modified_at) + timedelta(minutes=30)
    ia_cursor = max(c.modified_at for c in _all(iac.read_customers()) if c.modified_at) + timedelta(minutes=30)
    target = _all(sfc.read_customers())[3]
    (res,) = sfc.client.update_many("Account", [{"Id": target.key, "Phone": "+1 415 555 0199"}])
    assert res.success
    changed = _all(sfc.changed_customers(sf_cursor))
    assert [c.key for c in changed] == [target.key] and changed[0].phone == "+1 415 555 0199"

    ia_target = _all(iac.read_customers())[5]
    (ia_res,) = iac.client.call([update("CUSTOMER", {"CUSTOMERID": ia_target.key, "NAME": "Renamed Ltd"})])
    assert ia_res.ok
    ia_changed = _all(iac.changed_customers(ia_cursor))
    assert [c.key for c in ia_changed] == [ia_target.key] and ia_changed[0].name == "Renamed Ltd"
    assert ia_changed[0].modified_at is not None and ia_changed[0].modified_at > ia_cursor


def test_price_change_on_the_entry_shows_as_a_changed_product(
    sandbox: Sandbox, sfc: SalesforceConnector, later: None
) -> None:
    products = _all(sfc.read_products())
    cursor = max(p.modified_at for p in products if p.modified_at) + timedelta(minutes=30)
    target = next(p for p in products if p.pricebook_entry_id)
    (res,) = sfc.client.update_many("PricebookEntry", [{"Id": target.pricebook_entry_id, "UnitPrice": 77.25}])
    assert res.success
    changed = _all(sfc.changed_products(cursor))
    assert [p.key for p in changed] == [target.key] and changed[0].price == Decimal("77.25")


# ----------------------------------------------------------------------------- deletes
def test_deletes_detected_on_both_sides(sandbox: Sandbox, sfc: SalesforceConnector, iac: IntacctConnector) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    new = Customer(System.SALESFORCE, "", "Short Lived Inc.", cross_ref="C-DEL-1")
    (created,) = sfc.upsert_customers([new])
    assert created.ok and created.created
    assert sfc.client.delete_many([created.id])[0].success
    sandbox.salesforce.clock.set_offset(120)  # deleted/ reports whole minutes that are over
    try:
        until = datetime.now(UTC) + timedelta(seconds=120)
        assert created.id in {d.key for d in sfc.deleted_customers(since, until)}
    finally:
        sandbox.salesforce.clock.set_offset(0)
    assert sfc.deleted_customers(datetime.now(UTC)) == []  # a window under a minute: nothing asked

    (ia_new,) = iac.upsert_customers([Customer(System.INTACCT, "C-DEL-1", "Short Lived Inc.")])
    assert ia_new.ok and ia_new.record_no
    (gone,) = iac.client.call([delete("CUSTOMER", [ia_new.record_no])])
    assert gone.ok
    deletions = iac.deleted_customers(since - timedelta(minutes=1))
    # OBJECTKEY as the audit trail gives it (this emulator: the RECORDNO); the engine matches both keys
    assert [d.key for d in deletions] == [ia_new.record_no]
    assert deletions[0].deleted_at is not None and deletions[0].deleted_at.tzinfo is not None


# -------------------------------------------------------------------- exactly-once lookup
def test_find_sales_order_by_reference(iac: IntacctConnector) -> None:
    customer = _all(iac.read_customers())[0].key
    item = _all(iac.read_products())[0].key
    opp = "0065e00000000ZZAAA"
    assert iac.find_sales_order_by_reference(opp) is None
    fn = create_sotransaction(
        f"so:{opp}",
        transactiontype="Sales Order",
        datecreated=datetime.now(UTC).date(),
        customerid=customer,
        referenceno=opp,
        lines=[SoLine(item, "2", "10.50")],
    )
    (res,) = iac.client.call([fn], uniqueid=True)
    assert res.ok
    found = iac.find_sales_order_by_reference(opp)
    assert found is not None and found.reference_no == opp and found.customer_id == customer
    assert found.lines[0].item_id == item and found.lines[0].price == Decimal("10.50")
    assert found.total == Decimal("21")


# ------------------------------------------------------------------------------ writes
def test_salesforce_batch_with_an_invalid_record(sfc: SalesforceConnector) -> None:
    good = Customer(System.SALESFORCE, "", "Batch Good", cross_ref="C-BATCH-1", phone="555")
    long_name = Customer(System.SALESFORCE, "", "X" * 300, cross_ref="C-BATCH-2")
    unkeyed = Customer(System.SALESFORCE, "", "No key at all")
    results = sfc.upsert_customers([good, long_name, unkeyed])
    assert [r.ok for r in results] == [True, False, False]
    err = results[1].error
    assert err is not None and err.kind is ErrorKind.VALIDATION and err.code == "STRING_TOO_LONG"
    assert "Name" in err.hint and err.record_key == "C-BATCH-2"
    assert results[2].error is not None and results[2].error.code == "REQUIRED_FIELD_MISSING"
    again = sfc.upsert_customers([replace(good, phone="556")])[0]
    assert again.ok and again.created is False and again.id == results[0].id


def test_salesforce_products_keep_the_standard_price(sfc: SalesforceConnector) -> None:
    products = _all(sfc.read_products())
    linked = replace(products[0], price=Decimal("99.50"))
    fresh = replace(products[0], key="", cross_ref="NEW-ITEM-1", price=Decimal("5"), pricebook_entry_id="")
    results = sfc.upsert_products([linked, fresh])
    assert all(r.ok for r in results) and results[0].id == linked.key and results[1].created
    prices = {p.key: p.price for p in _all(sfc.read_products())}
    assert prices[linked.key] == Decimal("99.5") and prices[results[1].id] == Decimal("5")


def test_intacct_batch_with_a_duplicate_and_an_update(iac: IntacctConnector) -> None:
    existing = _all(iac.read_customers())[1]
    fresh = Customer(System.INTACCT, "C-NEW-77", "New Seventy Seven", cross_ref="0015e00000000ZZAAA")
    clash = replace(existing, record_no="")  # a create of an existing CUSTOMERID
    renamed = replace(existing, name="Renamed Again")
    results = iac.upsert_customers([fresh, clash, renamed], ["c1-77", "c2-77", "c3-77"])
    assert [r.ok for r in results] == [True, False, True]
    assert results[0].created and results[0].record_no and results[2].created is False
    err = results[1].error
    assert err is not None and err.kind is ErrorKind.DUPLICATE and err.code == "BL34000061"
    assert err.record_key == existing.key
    item = replace(_all(iac.read_products())[0], price=Decimal("123.45"))
    (ok,) = iac.upsert_products([item])
    assert ok.ok and next(p for p in _all(iac.read_products()) if p.key == item.key).price == Decimal("123.45")


# ------------------------------------------------------------------------------ errors
def test_real_login_failures_become_auth_errors(sandbox: Sandbox) -> None:
    with pytest.raises(SyncError) as caught:
        SalesforceConnector.connect(sf_settings(sandbox), SalesforceSecrets("wrong-pw-CANARY", "x"), profile="acme")
    info = caught.value.info
    assert info.kind is ErrorKind.AUTH and info.title == "Salesforce refused the login"
    assert "profile `acme`" in info.hint and "wrong-pw-CANARY" not in repr(info.as_dict())

    connector = IntacctConnector(ia_client(sandbox, "wrong-pw-CANARY"), TZ, profile="acme")
    with pytest.raises(SyncError) as ia_caught:
        connector.login()
    ia_info = ia_caught.value.info
    assert ia_info.kind is ErrorKind.AUTH and ia_info.system is System.INTACCT
    assert "wrong-pw-CANARY" not in repr(ia_info.as_dict())


def test_streams_and_whoami(sfc: SalesforceConnector, iac: IntacctConnector) -> None:
    assert [s.object for s in sfc.stream_specs()] == ["Account", "Product2", "Opportunity"]
    assert all(s.cursor_is_wall_time and s.cursor_field == "WHENMODIFIED" for s in iac.stream_specs())
    assert sfc.whoami()["api_usage"] is not None and iac.whoami()["company_id"] == cred.INTACCT_COMPANY_ID


def test_thousand_customer_upserts_stay_within_the_call_budget(
    sandbox: Sandbox, sfc: SalesforceConnector, iac: IntacctConnector
) -> None:
    sf_new = [Customer(System.SALESFORCE, "", f"Bulk {i}", cross_ref=f"C-BULK-{i:04d}") for i in range(1000)]
    ia_new = [Customer(System.INTACCT, f"C-BULK-{i:04d}", f"Bulk {i}") for i in range(1000)]
    sandbox.salesforce.stats.reset()
    sandbox.intacct.stats.reset()
    assert all(r.ok for r in sfc.upsert_customers(sf_new))
    assert all(r.ok for r in iac.upsert_customers(ia_new))
    sf_calls, ia_requests = (
        sandbox.salesforce.stats.snapshot()["api_calls"],
        sandbox.intacct.stats.snapshot()["requests"],
    )
    assert 0 < sf_calls <= 5, sf_calls
    assert 0 < ia_requests <= 10, ia_requests
