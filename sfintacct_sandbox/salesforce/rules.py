"""Order-to-cash business rules of the emulated org: price books, opportunities, line items.

Why they are emulated: the sync engine must meet the same refusals a real org gives
(STANDARD_PRICE_NOT_DEFINED, FIELD_INTEGRITY_EXCEPTION on line items, ...) and see the same
derived values (Opportunity.Amount roll-up, IsClosed/IsWon/Probability from the stage), or a
client that passes here would fail against Salesforce.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ..storage import RecordStore
from .errors import SfError
from .schema import STAGES, Field, Schema, SObject

Row = dict[str, Any]


class OrgRecords(Protocol):
    """What the rules use of the org: ``org.Org`` is the one implementation, and calls the rules
    around each write; naming it here keeps ``rules`` below ``org`` in the import order."""

    store: RecordStore
    schema: Schema

    def standard_pricebook_id(self) -> str | None: ...

    def children(self, child_sobject: str, field: str, parent_id: str) -> Iterable[Row]: ...

    def check_reference(self, f: Field, value: str) -> None: ...

    def put_derived(self, obj_name: str, rec: Row) -> None: ...

    def remove_record(self, obj: SObject, rec: Row, *, to_bin: bool) -> None: ...


def _integrity(message: str, fields: list[str] | None = None) -> SfError:
    return SfError("FIELD_INTEGRITY_EXCEPTION", f"field integrity exception: {message}", fields or [])


def _live_children(org: OrgRecords, child: str, field: str, parent_id: str) -> list[Row]:
    return [r for r in org.children(child, field, parent_id) if not r.get("IsDeleted")]


# ------------------------------------------------------------------ hooks
def before_insert(org: OrgRecords, obj: SObject, rec: Row, given: set[str]) -> None:
    handler = _BEFORE_INSERT.get(obj.name)
    if handler:
        handler(org, rec, given)


def before_update(org: OrgRecords, obj: SObject, old: Row, rec: Row, given: set[str]) -> None:
    handler = _BEFORE_UPDATE.get(obj.name)
    if handler:
        handler(org, old, rec, given)


def after_write(org: OrgRecords, obj: SObject, old: Row | None, rec: Row) -> None:
    if obj.name == "OpportunityLineItem":
        roll_up_opportunity(org, rec["OpportunityId"])
    elif obj.name == "PricebookEntry" and old is not None and rec.get("UnitPrice") != old.get("UnitPrice"):
        _propagate_standard_price(org, rec)


def before_delete(org: OrgRecords, obj: SObject, rec: Row) -> None:
    if obj.name == "Pricebook2" and rec.get("IsStandard"):
        raise SfError("DELETE_FAILED", "Cannot delete the standard price book", [])
    if obj.name == "PricebookEntry":
        if _live_children(org, "OpportunityLineItem", "PricebookEntryId", rec["Id"]):
            raise SfError("DELETE_FAILED", "This price book entry is in use by an opportunity product", [])
        if rec["Pricebook2Id"] == org.standard_pricebook_id():
            entries = _live_children(org, "PricebookEntry", "Product2Id", rec["Product2Id"])
            others = [r for r in entries if r["Id"] != rec["Id"]]
            if others:
                raise SfError("DELETE_FAILED", "This standard price is used by entries in other price books", [])


def after_delete(org: OrgRecords, obj: SObject, rec: Row) -> None:
    if obj.name == "Opportunity":
        # The line items go to the recycle bin with their opportunity.
        oli = org.schema.objects["OpportunityLineItem"]
        for line in _live_children(org, "OpportunityLineItem", "OpportunityId", rec["Id"]):
            org.remove_record(oli, line, to_bin=True)
    elif obj.name == "OpportunityLineItem":
        roll_up_opportunity(org, rec["OpportunityId"])


# ---------------------------------------------------------- price books
def _entry_for(org: OrgRecords, pricebook_id: str, product_id: str) -> Row | None:
    for r in _live_children(org, "PricebookEntry", "Product2Id", product_id):
        if r["Pricebook2Id"] == pricebook_id:
            return r
    return None


def _pricebook_entry_insert(org: OrgRecords, rec: Row, given: set[str]) -> None:
    if rec.get("Pricebook2Id") is None or rec.get("Product2Id") is None:
        return  # REQUIRED_FIELD_MISSING follows
    org.check_reference(org.schema.objects["PricebookEntry"].fields["Product2Id"], rec["Product2Id"])
    org.check_reference(org.schema.objects["PricebookEntry"].fields["Pricebook2Id"], rec["Pricebook2Id"])
    standard_id = org.standard_pricebook_id()
    if _entry_for(org, rec["Pricebook2Id"], rec["Product2Id"]) is not None:
        raise SfError("DUPLICATE_VALUE", "This price definition already exists in this price book", [])
    product = org.store.get("Product2", rec["Product2Id"]) or {}
    rec["Name"] = product.get("Name")
    rec["ProductCode"] = product.get("ProductCode")
    if rec["Pricebook2Id"] == standard_id:
        if rec.get("UseStandardPrice"):
            raise _integrity(
                "UseStandardPrice (standard price book entries cannot use the standard price)", ["UseStandardPrice"]
            )
        return
    standard = _entry_for(org, standard_id or "", rec["Product2Id"])
    if standard is None:
        raise SfError("STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product", [])
    if rec.get("UseStandardPrice"):
        if "UnitPrice" in given and rec.get("UnitPrice") is not None:
            raise _integrity("UnitPrice (cannot specify a list price when using the standard price)", ["UnitPrice"])
        rec["UnitPrice"] = standard["UnitPrice"]


def _pricebook_entry_update(org: OrgRecords, old: Row, rec: Row, given: set[str]) -> None:
    if rec["Pricebook2Id"] == org.standard_pricebook_id() and rec.get("UseStandardPrice"):
        raise _integrity(
            "UseStandardPrice (standard price book entries cannot use the standard price)", ["UseStandardPrice"]
        )
    if rec.get("UseStandardPrice"):
        if "UnitPrice" in given and rec.get("UnitPrice") != old.get("UnitPrice"):
            raise _integrity("UnitPrice (cannot specify a list price when using the standard price)", ["UnitPrice"])
        standard = _entry_for(org, org.standard_pricebook_id() or "", rec["Product2Id"])
        if standard is not None:
            rec["UnitPrice"] = standard["UnitPrice"]


def _propagate_standard_price(org: OrgRecords, rec: Row) -> None:
    if rec["Pricebook2Id"] != org.standard_pricebook_id():
        return
    for r in _live_children(org, "PricebookEntry", "Product2Id", rec["Product2Id"]):
        if r["Id"] != rec["Id"] and r.get("UseStandardPrice"):
            org.put_derived("PricebookEntry", dict(r, UnitPrice=rec["UnitPrice"]))


def _pricebook_update(org: OrgRecords, old: Row, rec: Row, given: set[str]) -> None:
    if old.get("IsStandard") and rec.get("IsActive") is False:
        raise _integrity("IsActive (the standard price book cannot be deactivated)", ["IsActive"])


# ----------------------------------------------------------- opportunity
def _apply_stage(rec: Row, given: set[str], stage_changed: bool) -> None:
    stage = rec.get("StageName")
    if stage in STAGES:
        probability, closed, won, forecast = STAGES[stage]
        rec["IsClosed"], rec["IsWon"] = closed, won
        if stage_changed and "Probability" not in given:
            rec["Probability"] = float(probability)
        if stage_changed and "ForecastCategoryName" not in given:
            rec["ForecastCategoryName"] = forecast
    amount, prob = rec.get("Amount"), rec.get("Probability")
    rec["ExpectedRevenue"] = round(amount * prob / 100, 2) if amount is not None and prob is not None else None


def _opportunity_insert(org: OrgRecords, rec: Row, given: set[str]) -> None:
    rec["HasOpportunityLineItem"] = False
    _apply_stage(rec, given, stage_changed=True)


def _opportunity_update(org: OrgRecords, old: Row, rec: Row, given: set[str]) -> None:
    if old.get("HasOpportunityLineItem"):
        rec["Amount"] = old.get("Amount")  # read-only while line items exist; silently ignored
        if rec.get("Pricebook2Id") != old.get("Pricebook2Id"):
            raise _integrity(
                "Pricebook2Id (pricebook entry currency code does not match opportunity currency code)"
                if rec.get("Pricebook2Id")
                else "Pricebook2Id (cannot remove the price book of an opportunity with line items)",
                ["Pricebook2Id"],
            )
    _apply_stage(rec, given, stage_changed=rec.get("StageName") != old.get("StageName"))


def roll_up_opportunity(org: OrgRecords, opportunity_id: str) -> None:
    """Opportunity.Amount = sum of its line items' TotalPrice (a system change: SystemModstamp moves)."""
    opp = org.store.get("Opportunity", opportunity_id)
    if opp is None or opp.get("IsDeleted"):
        return
    lines = _live_children(org, "OpportunityLineItem", "OpportunityId", opportunity_id)
    rec = dict(opp, HasOpportunityLineItem=bool(lines))
    if lines:
        rec["Amount"] = round(sum(line.get("TotalPrice") or 0.0 for line in lines), 2)
        rec["TotalOpportunityQuantity"] = sum(line.get("Quantity") or 0.0 for line in lines)
    else:
        rec["Amount"] = 0.0 if opp.get("HasOpportunityLineItem") else opp.get("Amount")
    _apply_stage(rec, set(), stage_changed=False)
    if rec != opp:
        org.put_derived("Opportunity", rec)


# ------------------------------------------------------------- line items
def _price_line(rec: Row, given: set[str], updating: bool) -> None:
    has_unit = "UnitPrice" in given and rec.get("UnitPrice") is not None
    has_total = "TotalPrice" in given and rec.get("TotalPrice") is not None
    if has_unit and has_total:
        raise _integrity("TotalPrice (only one of unit price or total price may be specified)", ["TotalPrice"])
    if not updating and not has_unit and not has_total:
        raise _integrity("unknown (must specify either UnitPrice or TotalPrice)", [])
    quantity = rec.get("Quantity")
    if quantity is None:
        return  # REQUIRED_FIELD_MISSING follows
    if quantity == 0:
        raise _integrity("Quantity (quantity must be nonzero)", ["Quantity"])
    factor = 1 - (rec.get("Discount") or 0.0) / 100
    if has_total:
        rec["UnitPrice"] = round(rec["TotalPrice"] / (quantity * factor), 2) if factor else 0.0
    rec["TotalPrice"] = round(quantity * (rec.get("UnitPrice") or 0.0) * factor, 2)


def _line_insert(org: OrgRecords, rec: Row, given: set[str]) -> None:
    if rec.get("OpportunityId") is None:
        return
    if rec.get("PricebookEntryId") is None:
        raise _integrity("unknown (must specify pricebook entry id)", [])
    fields = org.schema.objects["OpportunityLineItem"].fields
    org.check_reference(fields["OpportunityId"], rec["OpportunityId"])
    org.check_reference(fields["PricebookEntryId"], rec["PricebookEntryId"])
    opp = org.store.get("Opportunity", rec["OpportunityId"]) or {}
    entry = org.store.get("PricebookEntry", rec["PricebookEntryId"]) or {}
    pricebook_id = opp.get("Pricebook2Id")
    if pricebook_id is None:
        pricebook_id = org.standard_pricebook_id()
        org.put_derived("Opportunity", dict(opp, Pricebook2Id=pricebook_id))
    if entry.get("Pricebook2Id") != pricebook_id:
        raise _integrity(
            "PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the opportunity)",
            ["PricebookEntryId"],
        )
    if not entry.get("IsActive"):
        raise _integrity("PricebookEntryId (pricebook entry is inactive)", ["PricebookEntryId"])
    product = org.store.get("Product2", entry["Product2Id"]) or {}
    rec["Product2Id"] = entry["Product2Id"]
    rec["ProductCode"] = product.get("ProductCode")
    rec["ListPrice"] = entry.get("UnitPrice")
    rec["Name"] = f"{opp.get('Name')} {product.get('Name')}"[:376]
    _price_line(rec, given, updating=False)


def _line_update(org: OrgRecords, old: Row, rec: Row, given: set[str]) -> None:
    if "TotalPrice" not in given and "UnitPrice" not in given:
        given = given | {"UnitPrice"}
    _price_line(rec, given, updating=True)


_BEFORE_INSERT = {
    "PricebookEntry": _pricebook_entry_insert,
    "Opportunity": _opportunity_insert,
    "OpportunityLineItem": _line_insert,
}
_BEFORE_UPDATE = {
    "PricebookEntry": _pricebook_entry_update,
    "Pricebook2": _pricebook_update,
    "Opportunity": _opportunity_update,
    "OpportunityLineItem": _line_update,
}
