"""Object and field definitions of the emulated org, its describe output, and the SOQL schema view.

Why one table of definitions: validation on write, describe, getUpdated and the SOQL engine must
agree on every field's type, length, writability and relationships, exactly as a real org does.
Objects: the order-to-cash standard objects plus the product's custom schema (docs/schema.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})
STRING_TYPES = frozenset({"string", "textarea", "phone", "url", "email", "picklist", "multipicklist", "combobox"})
USER_PREFIX = "005"


@dataclass(frozen=True)
class Field:
    """One field; also satisfies the SOQL engine's ``FieldInfo`` protocol."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    external_id: bool = False
    unique: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    child_relationship: str | None = None  # name of the child relationship on the parent
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    default: Any = None
    custom: bool = False
    precision: int = 0
    scale: int = 0
    name_field: bool = False
    cascade_delete: bool = False

    @property
    def required(self) -> bool:
        """Must be given on create (what describe shows as not nillable, not defaulted, createable)."""
        return not self.nillable and self.createable and not self.defaulted_on_create

    def describe(self) -> dict[str, Any]:
        strlen = self.length if self.type in STRING_TYPES or self.type in ("id", "reference") else 0
        return {
            "length": strlen,
            "name": self.name,
            "type": self.type,
            "defaultValue": self.default if self.type == "boolean" else None,
            "label": self.label or _label(self.name),
            "updateable": self.updateable,
            "calculated": False,
            "controllerName": None,
            "nillable": self.nillable,
            "unique": self.unique,
            "precision": self.precision,
            "scale": self.scale,
            "caseSensitive": False,
            "byteLength": strlen * 3 if self.type not in ("id", "reference") else strlen,
            "inlineHelpText": None,
            "nameField": self.name_field,
            "externalId": self.external_id,
            "idLookup": self.name == "Id" or self.external_id,
            "filterable": True,
            "soapType": SOAP_TYPES.get(self.type, "xsd:string"),
            "createable": self.createable,
            "deprecatedAndHidden": False,
            "autoNumber": False,
            "calculatedFormula": None,
            "defaultValueFormula": None,
            "defaultedOnCreate": self.defaulted_on_create,
            "digits": 9 if self.type == "int" else 0,
            "groupable": self.type not in NUMBER_TYPES or self.type == "int",
            "picklistValues": [
                {"value": v, "active": True, "label": v, "defaultValue": False, "validFor": None} for v in self.picklist
            ],
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": None,
            "restrictedPicklist": self.restricted,
            "namePointing": False,
            "custom": self.custom,
            "htmlFormatted": False,
            "dependentPicklist": False,
            "writeRequiresMasterRead": False,
            "sortable": self.type != "textarea" or self.length <= 255,
        }


def _label(name: str) -> str:
    base = name.removesuffix("__c").replace("_", " ")
    return base[:-2] + " ID" if base.endswith("Id") and len(base) > 2 else base


@dataclass
class SObject:
    name: str
    key_prefix: str
    label: str
    label_plural: str
    custom: bool = False
    fields: dict[str, Field] = field(default_factory=dict)
    _lower: dict[str, Field] = field(default_factory=dict)

    def add(self, *fields: Field) -> None:
        for f in fields:
            self.fields[f.name] = f
            self._lower[f.name.lower()] = f

    def field(self, name: str) -> Field | None:
        return self._lower.get(name.lower())


def F(name: str, type_: str, length: int = 0, **kw: Any) -> Field:
    if type_ in NUMBER_TYPES and "precision" not in kw:
        kw["precision"] = 18
        kw["scale"] = 2 if type_ in ("currency", "percent") else 0
    if type_ == "reference" and not length:
        length = 18
    if type_ == "boolean":
        kw.setdefault("nillable", False)
        kw.setdefault("defaulted_on_create", True)
        kw.setdefault("default", False)
    return Field(name, type_, length=length, custom=name.endswith("__c"), **kw)


def RO(name: str, type_: str, length: int = 0, **kw: Any) -> Field:
    return F(name, type_, length, createable=False, updateable=False, **kw)


def _system(owner: bool = True) -> list[Field]:
    out = [
        RO("Id", "id", 18, nillable=False, defaulted_on_create=True, label="Record ID"),
        RO("IsDeleted", "boolean", label="Deleted"),
    ]
    if owner:
        out.append(
            F(
                "OwnerId",
                "reference",
                nillable=False,
                defaulted_on_create=True,
                reference_to=("User",),
                relationship_name="Owner",
            )
        )
    for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        out.append(RO(name, "datetime", nillable=False, defaulted_on_create=True))
    for name in ("CreatedById", "LastModifiedById"):
        out.append(
            RO(
                name,
                "reference",
                nillable=False,
                defaulted_on_create=True,
                reference_to=("User",),
                relationship_name=name[:-2],
            )
        )
    return out


def _address(prefix: str) -> list[Field]:
    return [
        F(f"{prefix}Street", "textarea", 255),
        F(f"{prefix}City", "string", 40),
        F(f"{prefix}State", "string", 80),
        F(f"{prefix}PostalCode", "string", 20),
        F(f"{prefix}Country", "string", 80),
    ]


STAGES: dict[str, tuple[int, bool, bool, str]] = {
    # stage -> (probability, IsClosed, IsWon, ForecastCategoryName)
    "Prospecting": (10, False, False, "Pipeline"),
    "Qualification": (10, False, False, "Pipeline"),
    "Needs Analysis": (20, False, False, "Pipeline"),
    "Value Proposition": (50, False, False, "Pipeline"),
    "Id. Decision Makers": (60, False, False, "Pipeline"),
    "Perception Analysis": (70, False, False, "Pipeline"),
    "Proposal/Price Quote": (75, False, False, "Pipeline"),
    "Negotiation/Review": (90, False, False, "Pipeline"),
    "Closed Won": (100, True, True, "Closed"),
    "Closed Lost": (0, True, False, "Omitted"),
}
ACCOUNT_TYPES = (
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Other",
)
INDUSTRIES = (
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
)
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")


def _ref(name: str, target: str, rel: str, child: str | None, **kw: Any) -> Field:
    return F(name, "reference", reference_to=(target,), relationship_name=rel, child_relationship=child, **kw)


# The customer's receivables on the Account, kept by the invoice and payment flow (never mapped).
ACCOUNT_ROLLUPS = (
    F("Intacct_Open_Balance__c", "currency"),
    F("Intacct_Overdue_Amount__c", "currency"),
    F("Intacct_Oldest_Overdue_Days__c", "double", precision=6, scale=0),
    F("Intacct_Last_Payment_Date__c", "date"),
    F("Intacct_Balance_Currency__c", "string", 3),
    F("Intacct_Balance_As_Of__c", "date"),
)


def build_objects() -> dict[str, SObject]:
    acc = SObject("Account", "001", "Account", "Accounts")
    acc.add(
        *_system(),
        F("Name", "string", 255, nillable=False, name_field=True, label="Account Name"),
        F("AccountNumber", "string", 40),
        F("Site", "string", 80),
        _ref("ParentId", "Account", "Parent", "ChildAccounts"),
        F("Type", "picklist", 255, picklist=ACCOUNT_TYPES),
        F("Industry", "picklist", 255, picklist=INDUSTRIES),
        F("AccountSource", "picklist", 255, picklist=LEAD_SOURCES),
        F("Phone", "phone", 40),
        F("Fax", "phone", 40),
        F("Website", "url", 255),
        *_address("Billing"),
        *_address("Shipping"),
        F("Description", "textarea", 32000),
        F("NumberOfEmployees", "int", precision=8, scale=0),
        F("AnnualRevenue", "currency"),
        F("Intacct_Customer_ID__c", "string", 20, external_id=True, unique=True),
        F("Intacct_Inactive__c", "boolean"),
        *ACCOUNT_ROLLUPS,
    )
    prod = SObject("Product2", "01t", "Product", "Products")
    prod.add(
        *_system(owner=False),
        F("Name", "string", 255, nillable=False, name_field=True, label="Product Name"),
        F("ProductCode", "string", 255),
        F("Description", "textarea", 4000),
        F("IsActive", "boolean", label="Active"),
        F("Family", "picklist", 255, picklist=("None",)),
        F("QuantityUnitOfMeasure", "picklist", 255, picklist=("Each",)),
        F("StockKeepingUnit", "string", 180),
        F("ExternalId", "string", 255),
        F("DisplayUrl", "url", 1000),
        F("Intacct_Item_ID__c", "string", 30, external_id=True, unique=True),
    )
    pb = SObject("Pricebook2", "01s", "Price Book", "Price Books")
    pb.add(
        *_system(owner=False),
        F("Name", "string", 255, nillable=False, name_field=True, label="Price Book Name"),
        F("IsActive", "boolean", label="Active"),
        RO("IsArchived", "boolean"),
        F("Description", "string", 255),
        RO("IsStandard", "boolean", label="Is Standard Price Book"),
    )
    pbe = SObject("PricebookEntry", "01u", "Price Book Entry", "Price Book Entries")
    pbe.add(
        *_system(owner=False),
        RO("Name", "string", 255, name_field=True, label="Product Name"),
        _ref("Pricebook2Id", "Pricebook2", "Pricebook2", "PricebookEntries", nillable=False, updateable=False),
        _ref("Product2Id", "Product2", "Product2", "PricebookEntries", nillable=False, updateable=False),
        F("UnitPrice", "currency", nillable=False, label="List Price"),
        F("IsActive", "boolean", label="Active"),
        F("UseStandardPrice", "boolean"),
        RO("ProductCode", "string", 255),
    )
    opp = SObject("Opportunity", "006", "Opportunity", "Opportunities")
    opp.add(
        *_system(),
        _ref("AccountId", "Account", "Account", "Opportunities"),
        F("Name", "string", 120, nillable=False, name_field=True),
        F("Description", "textarea", 32000),
        F("StageName", "picklist", 255, nillable=False, picklist=tuple(STAGES), restricted=True, label="Stage"),
        F("Amount", "currency"),
        F("Probability", "percent", precision=3, scale=0, defaulted_on_create=True),
        RO("ExpectedRevenue", "currency"),
        F("TotalOpportunityQuantity", "double", precision=18, scale=2),
        F("CloseDate", "date", nillable=False),
        F("Type", "picklist", 255, picklist=("Existing Customer - Upgrade", "New Customer", "Other")),
        F("NextStep", "string", 255),
        F("LeadSource", "picklist", 255, picklist=LEAD_SOURCES),
        RO("IsClosed", "boolean", label="Closed"),
        RO("IsWon", "boolean", label="Won"),
        F(
            "ForecastCategoryName",
            "picklist",
            255,
            picklist=("Omitted", "Pipeline", "Best Case", "Commit", "Closed"),
            defaulted_on_create=True,
        ),
        _ref("Pricebook2Id", "Pricebook2", "Pricebook2", "Opportunities", defaulted_on_create=True),
        RO("HasOpportunityLineItem", "boolean", label="Has Line Item"),
        F("Intacct_Sales_Order_ID__c", "string", 60),
        F("Intacct_Sync_Status__c", "string", 255),
    )
    oli = SObject("OpportunityLineItem", "00k", "Opportunity Product", "Opportunity Product")
    oli.add(
        *_system(owner=False),
        _ref(
            "OpportunityId",
            "Opportunity",
            "Opportunity",
            "OpportunityLineItems",
            nillable=False,
            updateable=False,
            cascade_delete=True,
        ),
        F("SortOrder", "int", precision=9, scale=0),
        _ref("PricebookEntryId", "PricebookEntry", "PricebookEntry", "OpportunityLineItems", updateable=False),
        RO("Product2Id", "reference", reference_to=("Product2",), relationship_name="Product2"),
        RO("ProductCode", "string", 255),
        RO("Name", "string", 376, name_field=True, label="Opportunity Product Name"),
        F("Quantity", "double", nillable=False, precision=12, scale=2),
        F("TotalPrice", "currency"),
        F("UnitPrice", "currency", label="Sales Price"),
        RO("ListPrice", "currency"),
        F("ServiceDate", "date", label="Date"),
        F("Discount", "percent", precision=18, scale=2),
        F("Description", "string", 255, label="Line Description"),
    )
    inv = SObject("Intacct_Invoice__c", "a0X", "Intacct Invoice", "Intacct Invoices", custom=True)
    inv.add(
        *_system(),
        F("Name", "string", 80, nillable=False, defaulted_on_create=True, name_field=True, label="Invoice Name"),
        F("Invoice_Number__c", "string", 60, external_id=True, unique=True),
        _ref("Account__c", "Account", "Account__r", "Intacct_Invoices__r"),
        _ref("Opportunity__c", "Opportunity", "Opportunity__r", "Intacct_Invoices__r"),
        F("Status__c", "string", 40),
        F("Invoice_Date__c", "date"),
        F("Due_Date__c", "date"),
        F("Total_Amount__c", "currency"),
        F("Amount_Paid__c", "currency"),
        F("Amount_Due__c", "currency"),
        F("Currency__c", "string", 10),
        F("Paid_Date__c", "date"),
        F("Sales_Order_ID__c", "string", 60),
        F("Intacct_Deleted__c", "boolean"),
    )
    pay = SObject("Intacct_Payment__c", "a0Y", "Intacct Payment", "Intacct Payments", custom=True)
    pay.add(
        *_system(),
        F("Name", "string", 80, nillable=False, defaulted_on_create=True, name_field=True, label="Payment Name"),
        F("Intacct_Record_No__c", "string", 30, external_id=True, unique=True),
        _ref("Account__c", "Account", "Account__r", "Intacct_Payments__r"),
        _ref("Invoice__c", "Intacct_Invoice__c", "Invoice__r", "Intacct_Payments__r"),
        F("Amount__c", "currency"),
        F("Payment_Date__c", "date"),
        F("Method__c", "string", 40),
        F("State__c", "string", 40),
        F("Payment_Record_No__c", "string", 20),
        F("Applied_Amount__c", "currency"),
        F("Applied_Date__c", "date"),
        F("Payment_Amount__c", "currency"),
        F("Unapplied__c", "boolean"),
        F("Currency__c", "string", 10),
    )
    return {o.name: o for o in (acc, prod, pb, pbe, opp, oli, inv, pay)}


class Schema:
    """The org's objects; implements the SOQL engine's ``SoqlSchema`` protocol."""

    def __init__(self) -> None:
        self.objects = build_objects()
        self.omitted: frozenset[str] = frozenset()  # "Object.Field" / "Object" hidden from describe
        self._lower = {name.lower(): obj for name, obj in self.objects.items()}
        self.by_prefix = {obj.key_prefix: obj for obj in self.objects.values()}
        # parent object -> [(child object, child field)]
        self.children: dict[str, list[tuple[str, Field]]] = {n: [] for n in self.objects}
        for obj in self.objects.values():
            for f in obj.fields.values():
                if f.child_relationship:
                    for target in f.reference_to:
                        self.children.setdefault(target, []).append((obj.name, f))

    def get(self, sobject: str) -> SObject | None:
        return self._lower.get(sobject.lower())

    def enable_currencies(self, codes: tuple[str, ...]) -> None:
        """Turn multiple currencies on, as an org admin does: every object gains ``CurrencyIsoCode``
        (a restricted picklist of the org's active currencies), the sign a client sees in describe."""
        for obj in self.objects.values():
            obj.add(F("CurrencyIsoCode", "picklist", 3, picklist=codes, restricted=True, label="Currency ISO Code"))

    # ----------------------------------------------------------- SoqlSchema
    def object_name(self, sobject: str) -> str | None:
        obj = self.get(sobject)
        return obj.name if obj else None

    def get_field(self, sobject: str, name: str) -> Field | None:
        obj = self.get(sobject)
        return obj.field(name) if obj else None

    def parent_relationship(self, sobject: str, rel: str) -> Field | None:
        obj = self.get(sobject)
        if obj is None:
            return None
        for f in obj.fields.values():
            if f.relationship_name and f.relationship_name.lower() == rel.lower():
                return f
        return None

    def child_relationship(self, sobject: str, rel: str) -> tuple[str, str] | None:
        obj = self.get(sobject)
        if obj is None:
            return None
        for child, f in self.children.get(obj.name, []):
            if f.child_relationship and f.child_relationship.lower() == rel.lower():
                return child, f.name
        return None

    def child_relationship_name(self, sobject: str, rel: str) -> str | None:
        obj = self.get(sobject)
        if obj is None:
            return None
        for _child, f in self.children.get(obj.name, []):
            if f.child_relationship and f.child_relationship.lower() == rel.lower():
                return f.child_relationship
        return None

    # ------------------------------------------------------------- describe
    def urls(self, obj: SObject, version: str) -> dict[str, str]:
        base = f"/services/data/v{version}/sobjects/{obj.name}"
        return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}

    def global_entry(self, obj: SObject, version: str) -> dict[str, Any]:
        """One entry of describeGlobal / the ``objectDescribe`` of ``sobjects/T/`` (recorded key set)."""
        return {
            "name": obj.name,
            "label": obj.label,
            "custom": obj.custom,
            "keyPrefix": obj.key_prefix,
            "labelPlural": obj.label_plural,
            "layoutable": True,
            "activateable": False,
            "updateable": True,
            "urls": self.urls(obj, version),
            "searchable": True,
            "createable": True,
            "customSetting": False,
            "deletable": obj.name != "PricebookEntry" or True,
            "deprecatedAndHidden": False,
            "feedEnabled": obj.name in ("Account", "Opportunity", "Product2"),
            "mergeable": obj.name == "Account",
            "queryable": True,
            "replicateable": True,
            "retrieveable": True,
            "undeletable": obj.name != "OpportunityLineItem",
            "triggerable": True,
        }

    def describe(self, obj: SObject, version: str, instance_url: str) -> dict[str, Any]:
        """``sobjects/T/describe`` with the key set of the recorded describe."""
        entry = self.global_entry(obj, version)
        urls = dict(entry["urls"])
        urls.update(
            {
                "uiEditTemplate": f"{instance_url}/{{ID}}/e",
                "uiDetailTemplate": f"{instance_url}/{{ID}}",
                "uiNewRecord": f"{instance_url}/{obj.key_prefix}/e",
            }
        )
        return {
            "name": obj.name,
            "fields": [f.describe() for f in obj.fields.values() if f"{obj.name}.{f.name}" not in self.omitted],
            "label": obj.label,
            "custom": obj.custom,
            "keyPrefix": obj.key_prefix,
            "labelPlural": obj.label_plural,
            "layoutable": True,
            "activateable": False,
            "updateable": True,
            "urls": urls,
            "searchable": True,
            "childRelationships": [
                {
                    "field": f.name,
                    "deprecatedAndHidden": False,
                    "relationshipName": f.child_relationship,
                    "cascadeDelete": f.cascade_delete,
                    "childSObject": child,
                }
                for child, f in self.children.get(obj.name, [])
            ],
            "createable": True,
            "customSetting": False,
            "deletable": True,
            "deprecatedAndHidden": False,
            "feedEnabled": entry["feedEnabled"],
            "listviewable": None,
            "lookupLayoutable": None,
            "mergeable": entry["mergeable"],
            "queryable": True,
            "recordTypeInfos": [
                {
                    "name": "Master",
                    "available": True,
                    "recordTypeId": "012000000000000AAA",
                    "defaultRecordTypeMapping": True,
                }
            ],
            "replicateable": True,
            "retrieveable": True,
            "searchLayoutable": None,
            "undeletable": entry["undeletable"],
            "triggerable": True,
        }
