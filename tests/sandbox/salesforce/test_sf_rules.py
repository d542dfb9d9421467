"""Order-to-cash business rules of the Salesforce emulator, each driven over real HTTP."""

from __future__ import annotations

from .sf_support import Api, api_fixture, sf_server_fixture  # noqa: F401


def _opp(api: Api, **extra: object) -> str:
    return api.create("Opportunity", {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2024-03-01", **extra})


def test_standard_price_needed_before_custom_entry(api: Api) -> None:
    pid = api.create("Product2", {"Name": "Bare"})
    custom_book = api.create("Pricebook2", {"Name": "Partners", "IsActive": True})
    r = api.call("POST", "sobjects/PricebookEntry/", {"Product2Id": pid, "Pricebook2Id": custom_book, "UnitPrice": 5})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "STANDARD_PRICE_NOT_DEFINED"
    std = api.create("PricebookEntry", {"Product2Id": pid, "Pricebook2Id": api.standard_pricebook(), "UnitPrice": 9})
    entry = api.create(
        "PricebookEntry", {"Product2Id": pid, "Pricebook2Id": custom_book, "UseStandardPrice": True, "IsActive": True}
    )
    assert api.get("PricebookEntry", entry)["UnitPrice"] == 9.0
    r = api.call("PATCH", f"sobjects/PricebookEntry/{entry}", {"UnitPrice": 3})
    assert r.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"  # UnitPrice only with UseStandardPrice false
    api.call("PATCH", f"sobjects/PricebookEntry/{std}", {"UnitPrice": 11})
    assert api.get("PricebookEntry", entry)["UnitPrice"] == 11.0  # follows the standard price
    r = api.call("PATCH", f"sobjects/PricebookEntry/{entry}", {"Product2Id": pid})
    assert r.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"  # fixed after create
    r = api.call(
        "POST",
        "sobjects/PricebookEntry/",
        {"Product2Id": pid, "Pricebook2Id": api.standard_pricebook(), "UnitPrice": 1},
    )
    assert r.json()[0]["errorCode"] == "DUPLICATE_VALUE"


def test_standard_pricebook_is_read_only_and_unique(api: Api) -> None:
    std = api.standard_pricebook()
    assert api.get("Pricebook2", std)["IsStandard"] is True
    r = api.call("POST", "sobjects/Pricebook2/", {"Name": "Fake", "IsStandard": True})
    assert r.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert api.call("DELETE", f"sobjects/Pricebook2/{std}").status_code == 400


def test_stage_drives_closed_won_and_probability(api: Api) -> None:
    oid = _opp(api)
    row = api.get("Opportunity", oid)
    assert (row["IsClosed"], row["IsWon"], row["Probability"]) == (False, False, 10.0)
    api.call("PATCH", f"sobjects/Opportunity/{oid}", {"StageName": "Closed Won"})
    row = api.get("Opportunity", oid)
    assert (row["IsClosed"], row["IsWon"], row["Probability"]) == (True, True, 100.0)
    api.call("PATCH", f"sobjects/Opportunity/{oid}", {"StageName": "Closed Lost"})
    row = api.get("Opportunity", oid)
    assert (row["IsClosed"], row["IsWon"], row["Probability"]) == (True, False, 0.0)
    r = api.call("PATCH", f"sobjects/Opportunity/{oid}", {"IsWon": True})
    assert r.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_line_items_roll_up_and_pricebook_rules(api: Api) -> None:
    pid, pbe = api.product_with_price("Widget", 100.0)
    oid = _opp(api, Amount=5)
    assert api.get("Opportunity", oid)["Pricebook2Id"] is None
    r = api.call(
        "POST",
        "sobjects/OpportunityLineItem/",
        {"OpportunityId": oid, "PricebookEntryId": pbe, "Quantity": 2, "UnitPrice": 100, "TotalPrice": 200},
    )
    assert r.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"  # UnitPrice xor TotalPrice
    r = api.call(
        "POST", "sobjects/OpportunityLineItem/", {"OpportunityId": oid, "PricebookEntryId": pbe, "Quantity": 2}
    )
    assert r.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"  # neither
    r = api.call("POST", "sobjects/OpportunityLineItem/", {"OpportunityId": oid, "Quantity": 1, "UnitPrice": 1})
    assert r.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"  # no price book entry
    line = api.create(
        "OpportunityLineItem",
        {"OpportunityId": oid, "PricebookEntryId": pbe, "Quantity": 2, "UnitPrice": 100, "Discount": 10},
    )
    li = api.get("OpportunityLineItem", line)
    assert li["TotalPrice"] == 180.0 and li["ListPrice"] == 100.0 and li["Product2Id"] == pid
    opp = api.get("Opportunity", oid)
    assert opp["Amount"] == 180.0 and opp["Pricebook2Id"] == api.standard_pricebook()
    api.create("OpportunityLineItem", {"OpportunityId": oid, "PricebookEntryId": pbe, "Quantity": 1, "TotalPrice": 50})
    assert api.get("Opportunity", oid)["Amount"] == 230.0
    assert api.call("PATCH", f"sobjects/Opportunity/{oid}", {"Amount": 1}).status_code == 204
    assert api.get("Opportunity", oid)["Amount"] == 230.0  # read-only while lines exist, silently ignored
    # an entry of another price book is refused
    custom_book = api.create("Pricebook2", {"Name": "Partners", "IsActive": True})
    other = api.create(
        "PricebookEntry", {"Product2Id": pid, "Pricebook2Id": custom_book, "UnitPrice": 90, "IsActive": True}
    )
    r = api.call(
        "POST",
        "sobjects/OpportunityLineItem/",
        {"OpportunityId": oid, "PricebookEntryId": other, "Quantity": 1, "UnitPrice": 1},
    )
    assert r.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    api.call("PATCH", f"sobjects/OpportunityLineItem/{line}", {"Quantity": 4})
    assert api.get("Opportunity", oid)["Amount"] == 410.0
    api.call("DELETE", f"sobjects/OpportunityLineItem/{line}")
    assert api.get("Opportunity", oid)["Amount"] == 50.0


def test_delete_cascades_line_items_to_the_recycle_bin(api: Api) -> None:
    _pid, pbe = api.product_with_price()
    oid = _opp(api)
    line = api.create(
        "OpportunityLineItem", {"OpportunityId": oid, "PricebookEntryId": pbe, "Quantity": 1, "UnitPrice": 10}
    )
    assert api.call("DELETE", f"sobjects/Opportunity/{oid}").status_code == 204
    assert api.call("GET", f"sobjects/OpportunityLineItem/{line}").json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    row = api.server.emulator.store.get("OpportunityLineItem", line)
    assert row is not None and row["IsDeleted"] is True  # visible to queryAll


def test_system_timestamps_follow_the_clock(api: Api) -> None:
    aid = api.create("Account", {"Name": "T"})
    before = api.get("Account", aid)
    api.admin("POST", "clock", {"offset_seconds": 3600})
    api.token = api.login()
    api.call("PATCH", f"sobjects/Account/{aid}", {"Phone": "1"})
    after = api.get("Account", aid)
    assert after["CreatedDate"] == before["CreatedDate"]
    assert after["SystemModstamp"] > before["SystemModstamp"] and after["LastModifiedDate"] == after["SystemModstamp"]
    assert len(after["SystemModstamp"]) == len("2024-01-31T12:00:00.000+0000")


def test_custom_object_name_defaults_to_id_and_lookups(api: Api) -> None:
    aid = api.create("Account", {"Name": "Cust"})
    inv = api.create("Intacct_Invoice__c", {"Invoice_Number__c": "INV-1", "Account__c": aid, "Total_Amount__c": 10})
    assert api.get("Intacct_Invoice__c", inv)["Name"] == inv
    pay = api.create("Intacct_Payment__c", {"Intacct_Record_No__c": "77", "Invoice__c": inv, "Account__c": aid})
    assert pay.startswith("a0Y")
    r = api.call("POST", "sobjects/Intacct_Payment__c/", {"Invoice__c": aid})
    assert r.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_custom_price_book_holds_one_entry_per_product_and_deactivates_without_delete(api: Api) -> None:
    pid, _ = api.product_with_price("Gadget", 50.0)
    book = api.create("Pricebook2", {"Name": "Resellers", "IsActive": True})
    entry = api.create("PricebookEntry", {"Product2Id": pid, "Pricebook2Id": book, "UnitPrice": 45, "IsActive": True})
    r = api.call("POST", "sobjects/PricebookEntry/", {"Product2Id": pid, "Pricebook2Id": book, "UnitPrice": 40})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    api.call("PATCH", f"sobjects/PricebookEntry/{entry}", {"UnitPrice": 42, "IsActive": False})
    row = api.get("PricebookEntry", entry)
    assert (row["UnitPrice"], row["IsActive"]) == (42.0, False)
    api.call("PATCH", f"sobjects/Pricebook2/{book}", {"IsActive": False})
    assert api.get("Pricebook2", book)["IsActive"] is False
