"""A tiny in-memory schema and record source implementing the SOQL protocols (no tests here).

Unit-testing the parser/executor in isolation from the org model: the real org model implements the
same protocols, and its own tests drive queries over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sfintacct_sandbox.salesforce.soql_exec import QueryResult, execute

NOW = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)  # a Friday


@dataclass(frozen=True)
class F:
    name: str
    type: str
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None


def _fields(*fs: F) -> dict[str, F]:
    return {f.name.lower(): f for f in fs}


_COMMON = (F("Id", "id"), F("IsDeleted", "boolean"), F("CreatedDate", "datetime"), F("SystemModstamp", "datetime"))

OBJECTS: dict[str, dict[str, F]] = {
    "Account": _fields(
        *_COMMON,
        F("Name", "string"),
        F("Phone", "phone"),
        F("Type", "picklist"),
        F("AnnualRevenue", "currency"),
        F("NumberOfEmployees", "int"),
        F("Intacct_Customer_ID__c", "string"),
        F("Intacct_Inactive__c", "boolean"),
        F("ParentId", "reference", ("Account",), "Parent"),
    ),
    "Opportunity": _fields(
        *_COMMON,
        F("Name", "string"),
        F("StageName", "picklist"),
        F("CloseDate", "date"),
        F("Amount", "currency"),
        F("IsWon", "boolean"),
        F("AccountId", "reference", ("Account",), "Account"),
    ),
    "OpportunityLineItem": _fields(
        *_COMMON,
        F("Quantity", "double"),
        F("UnitPrice", "currency"),
        F("OpportunityId", "reference", ("Opportunity",), "Opportunity"),
        F("Product2Id", "reference", ("Product2",), "Product2"),
    ),
    "Product2": _fields(*_COMMON, F("Name", "string"), F("IsActive", "boolean"), F("ProductCode", "string")),
    "Intacct_Invoice__c": _fields(
        *_COMMON,
        F("Name", "string"),
        F("Invoice_Number__c", "string"),
        F("Total_Amount__c", "currency"),
        F("Account__c", "reference", ("Account",), "Account__r"),
    ),
}
CHILDREN: dict[tuple[str, str], tuple[str, str, str]] = {
    ("account", "opportunities"): ("Opportunity", "AccountId", "Opportunities"),
    ("account", "childaccounts"): ("Account", "ParentId", "ChildAccounts"),
    ("account", "invoices__r"): ("Intacct_Invoice__c", "Account__c", "Invoices__r"),
    ("opportunity", "opportunitylineitems"): ("OpportunityLineItem", "OpportunityId", "OpportunityLineItems"),
}
PREFIX = {"Account": "001", "Opportunity": "006", "OpportunityLineItem": "00k", "Product2": "01t"}
PREFIX["Intacct_Invoice__c"] = "a00"


class FakeSchema:
    def object_name(self, sobject: str) -> str | None:
        return next((o for o in OBJECTS if o.lower() == sobject.lower()), None)

    def get_field(self, sobject: str, name: str) -> F | None:
        return OBJECTS[sobject].get(name.lower())

    def parent_relationship(self, sobject: str, rel: str) -> F | None:
        for f in OBJECTS[sobject].values():
            if f.relationship_name and f.relationship_name.lower() == rel.lower():
                return f
        return None

    def child_relationship(self, sobject: str, rel: str) -> tuple[str, str] | None:
        hit = CHILDREN.get((sobject.lower(), rel.lower()))
        return (hit[0], hit[1]) if hit else None

    def child_relationship_name(self, sobject: str, rel: str) -> str | None:
        hit = CHILDREN.get((sobject.lower(), rel.lower()))
        return hit[2] if hit else None


class FakeSource:
    """Rows in insertion order; ids are 18-char with a lowercase letter so 15-char compares matter."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {o: [] for o in OBJECTS}
        self.index: dict[str, tuple[str, dict[str, Any]]] = {}

    def add(self, sobject: str, **fields: Any) -> str:
        n = len(self.tables[sobject]) + 1
        rid = f"{PREFIX[sobject]}5e0000000{n:02d}xAAA"
        row: dict[str, Any] = {name.name: None for name in OBJECTS[sobject].values()}
        row.update({"IsDeleted": False, "CreatedDate": "2024-01-01T00:00:00.000+0000"})
        for f in OBJECTS[sobject].values():
            if f.type == "boolean" and row[f.name] is None:
                row[f.name] = False
        row.update(fields)
        row["Id"] = rid
        self.tables[sobject].append(row)
        self.index[rid[:15]] = (sobject, row)
        return rid

    def rows(self, sobject: str) -> list[dict[str, Any]]:
        return self.tables[sobject]

    def by_id(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        return self.index.get(record_id[:15])

    def children(self, child_sobject: str, field: str, parent_id: str) -> list[dict[str, Any]]:
        return [r for r in self.tables[child_sobject] if (r.get(field) or "")[:15] == parent_id[:15]]


def run(source: FakeSource, soql: str, *, include_deleted: bool = False) -> QueryResult:
    return execute(soql, FakeSchema(), source, include_deleted=include_deleted, api_version="59.0", now=NOW)


def demo_source() -> FakeSource:
    """A small org: 4 accounts (one deleted), opportunities, line items, products, invoices."""
    s = FakeSource()
    acme = s.add(
        "Account",
        Name="Acme Corp",
        Phone="555-0100",
        Type="Customer",
        AnnualRevenue=1500000.0,
        NumberOfEmployees=120,
        Intacct_Customer_ID__c="C-1001",
        CreatedDate="2024-03-15T09:30:00.000+0000",
    )
    globex = s.add(
        "Account",
        Name="globex",
        AnnualRevenue=250000.5,
        NumberOfEmployees=8,
        ParentId=acme,
        CreatedDate="2024-03-14T23:59:59.000+0000",
    )
    s.add("Account", Name="Initech 100%_off", Type="Prospect", NumberOfEmployees=-3)
    s.add("Account", Name="Gone Ltd", IsDeleted=True)
    widget = s.add("Product2", Name="Widget", IsActive=True, ProductCode="W-1")
    gadget = s.add("Product2", Name="Gadget", IsActive=False, ProductCode="G-1")
    o1 = s.add(
        "Opportunity",
        Name="Acme big deal",
        StageName="Closed Won",
        CloseDate="2024-03-15",
        Amount=300.0,
        IsWon=True,
        AccountId=acme,
    )
    s.add(
        "Opportunity", Name="Acme small", StageName="Prospecting", CloseDate="2024-03-01", Amount=None, AccountId=acme
    )
    s.add("Opportunity", Name="Orphan", StageName="Closed Lost", CloseDate="2024-02-10", Amount=50.0)
    s.add(
        "Opportunity", Name="Globex won", StageName="Closed Won", CloseDate="2024-03-14", Amount=75.0, AccountId=globex
    )
    s.add("OpportunityLineItem", OpportunityId=o1, Product2Id=widget, Quantity=2.0, UnitPrice=100.0)
    s.add("OpportunityLineItem", OpportunityId=o1, Product2Id=gadget, Quantity=1.0, UnitPrice=100.0)
    s.add("OpportunityLineItem", OpportunityId=o1, Product2Id=gadget, Quantity=9.0, UnitPrice=1.0, IsDeleted=True)
    s.add("Intacct_Invoice__c", Name="INV-1", Invoice_Number__c="INV-1", Total_Amount__c=300.0, Account__c=acme)
    return s
