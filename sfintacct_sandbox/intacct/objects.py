"""Object definitions of the emulated company: fields, types, labels, and inspect/lookup output.

Why: the query engines need a field -> type map to compare values correctly and to refuse unknown
fields; ``inspect`` and ``lookup`` must list the same fields (including the custom fields the product
relies on: CUSTOMER.SFDC_ACCOUNT_ID, ITEM.SFDC_PRODUCT_ID, SODOCUMENT.PONUMBER) so that a client
checking its schema with them sees what a configured real company would show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str = "text"  # text|integer|decimal|date|timestamp|boolean
    label: str = ""
    required: bool = False
    readonly: bool = False
    custom: bool = False
    valid: tuple[str, ...] = ()
    maxlength: int = 0


@dataclass(frozen=True)
class ObjectDef:
    name: str
    singular: str
    plural: str
    id_field: str | None
    fields: tuple[FieldDef, ...]
    writable: bool = False  # generic create/update/delete allowed
    relationships: tuple[tuple[str, str, str], ...] = ()  # (path, object, relatedby)

    def field(self, name: str) -> FieldDef | None:
        return _FIELD_INDEX[self.name].get(name.upper())

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _f(spec: str, **kw: object) -> list[FieldDef]:
    """Many fields of one type from a whitespace-separated list."""
    return [FieldDef(n, **kw) for n in spec.split()]  # type: ignore[arg-type]


CONTACT_PARTS = [
    "CONTACTNAME",
    "PREFIX",
    "FIRSTNAME",
    "INITIAL",
    "LASTNAME",
    "COMPANYNAME",
    "PRINTAS",
    "PHONE1",
    "PHONE2",
    "CELLPHONE",
    "PAGER",
    "FAX",
    "EMAIL1",
    "EMAIL2",
    "URL1",
    "URL2",
    "MAILADDRESS.ADDRESS1",
    "MAILADDRESS.ADDRESS2",
    "MAILADDRESS.ADDRESS3",
    "MAILADDRESS.CITY",
    "MAILADDRESS.STATE",
    "MAILADDRESS.ZIP",
    "MAILADDRESS.COUNTRY",
    "MAILADDRESS.COUNTRYCODE",
]
AUDIT_FIELDS = [
    FieldDef("WHENCREATED", "timestamp", "When created", readonly=True),
    FieldDef("WHENMODIFIED", "timestamp", "When modified", readonly=True),
    FieldDef("CREATEDBY", "integer", "Created by", readonly=True),
    FieldDef("MODIFIEDBY", "integer", "Modified by", readonly=True),
]
STATUS = FieldDef("STATUS", "text", "Status", valid=("active", "inactive"))
RECORDNO = FieldDef("RECORDNO", "integer", "Record number", readonly=True, maxlength=8)
MEGA = _f("MEGAENTITYKEY MEGAENTITYID MEGAENTITYNAME RECORD_URL", readonly=True)
ITEM_TYPES = (
    "Inventory",
    "Non-Inventory",
    "Non-Inventory (Purchase only)",
    "Non-Inventory (Sales only)",
    "Kit",
    "Stockable Kit",
)
SO_STATES = (
    "Draft",
    "Pending",
    "Closed",
    "Submitted",
    "Approved",
    "Partially Approved",
    "Declined",
    "In Progress",
    "Converted",
    "Partially Converted",
)

CUSTOMER = ObjectDef(
    "CUSTOMER",
    "Customer",
    "Customers",
    "CUSTOMERID",
    (
        RECORDNO,
        FieldDef("CUSTOMERID", "text", "Customer ID", required=True, maxlength=20),
        FieldDef("NAME", "text", "Customer name", required=True, maxlength=100),
        *_f("ENTITY PARENTKEY PARENTID PARENTNAME CUSTREPNAME GLGRPKEY GLGROUP OBJECTRESTRICTION"),
        *[FieldDef(f"DISPLAYCONTACT.{p}") for p in CONTACT_PARTS],
        *[FieldDef(f"BILLTO.{p}") for p in ("CONTACTNAME",)],
        *[FieldDef(f"SHIPTO.{p}") for p in ("CONTACTNAME",)],
        FieldDef("TERMNAME", "text", "Term"),
        FieldDef("CREDITLIMIT", "decimal", "Credit limit"),
        FieldDef("TOTALDUE", "decimal", "Total due", readonly=True),
        FieldDef("CURRENCY"),
        FieldDef("PRICELIST"),
        FieldDef("ONETIME", "boolean", "One-time use"),
        FieldDef("ONHOLD", "boolean", "On hold"),
        STATUS,
        *AUDIT_FIELDS,
        *MEGA,
        FieldDef("SFDC_ACCOUNT_ID", "text", "Salesforce Account ID", custom=True, maxlength=18),
    ),
    writable=True,
    relationships=(("TERM", "ARTERM", "TERMNAME"),),
)

ITEM = ObjectDef(
    "ITEM",
    "Item",
    "Items",
    "ITEMID",
    (
        RECORDNO,
        FieldDef("ITEMID", "text", "Item ID", required=True, maxlength=30),
        FieldDef("NAME", "text", "Name", required=True, maxlength=100),
        STATUS,
        FieldDef("MRR", "boolean", "Treat as MRR"),
        FieldDef("EXTENDED_DESCRIPTION", "text", "Extended description"),
        FieldDef("PRODUCTLINEID", "text", "Product line ID"),
        FieldDef("GLGROUP", "text", "GL group"),
        FieldDef("ITEMTYPE", "text", "Item type", valid=ITEM_TYPES),
        FieldDef("BASEPRICE", "decimal", "Base price"),
        FieldDef("STANDARD_COST", "decimal", "Standard cost"),
        *_f("UOMGRP BASEUOM UOM.SOUOMDETAIL.UNIT TAXABLE"),
        *AUDIT_FIELDS,
        *MEGA,
        FieldDef("SFDC_PRODUCT_ID", "text", "Salesforce Product ID", custom=True, maxlength=18),
    ),
    writable=True,
)

SODOCUMENT = ObjectDef(
    "SODOCUMENT",
    "Order Entry Transaction",
    "Order Entry Transactions",
    "DOCID",
    (
        RECORDNO,
        FieldDef("DOCNO", "text", "Document number", readonly=True),
        FieldDef("DOCID", "text", "Document ID", readonly=True),
        FieldDef("DOCPARID", "text", "Transaction definition", readonly=True),
        FieldDef("CREATEDFROM", "text", "Created from", readonly=True),
        FieldDef("STATE", "text", "State", valid=SO_STATES),
        FieldDef("CUSTVENDID", "text", "Customer ID"),
        FieldDef("CUSTVENDNAME", "text", "Customer name"),
        FieldDef("PONUMBER", "text", "Reference number", custom=False),
        FieldDef("MESSAGE", "text", "Message"),
        FieldDef("TERM.NAME", "text", "Payment term"),
        FieldDef("WHENCREATED", "date", "Date"),
        FieldDef("WHENDUE", "date", "Due date"),
        *[FieldDef(n, "decimal") for n in ["SUBTOTAL", "TOTAL", "TOTALPAID", "TOTALDUE"]],
        FieldDef("CURRENCY"),
        FieldDef("BASECURR"),
        FieldDef("PAYMENTSTATUS"),
        FieldDef("PRRECORDKEY", "integer", "AR invoice record number", readonly=True),
        FieldDef("AUWHENCREATED", "timestamp", "Audit when created", readonly=True),
        FieldDef("WHENMODIFIED", "timestamp", "When modified", readonly=True),
        *_f("CREATEDBY MODIFIEDBY", type="integer", readonly=True),
        *MEGA,
    ),
    relationships=(("CUSTOMER", "CUSTOMER", "CUSTVENDID"), ("ARINVOICE", "ARINVOICE", "PRRECORDKEY")),
)

SODOCUMENTENTRY = ObjectDef(
    "SODOCUMENTENTRY",
    "Order Entry Transaction Detail",
    "Order Entry Transaction Details",
    None,
    (
        RECORDNO,
        FieldDef("DOCHDRNO", "integer"),
        FieldDef("DOCHDRID"),
        FieldDef("LINE_NO", "integer"),
        *_f("ITEMID ITEMNAME ITEMDESC UNIT MEMO"),
        *[FieldDef(n, "decimal") for n in ["QUANTITY", "PRICE", "TOTAL"]],
        FieldDef("WHENCREATED", "date"),
        FieldDef("WHENMODIFIED", "timestamp", readonly=True),
    ),
    relationships=(("SODOCUMENT", "SODOCUMENT", "DOCHDRNO"), ("ITEM", "ITEM", "ITEMID")),
)

_ARINV_TEXT = (
    "CUSTOMERNAME CUSTMESSAGEID CUSTMESSAGE.MESSAGE DOCNUMBER DESCRIPTION DESCRIPTION2 TERMNAME BASECURR "
    "EXCH_RATE_TYPE_ID BILLTOPAYTOCONTACTNAME SHIPTORETURNTOCONTACTNAME PRBATCH SYSTEMGENERATED "
    "TAXSOLUTIONID TAXMETHOD RAWSTATE RECORDTYPE"
)
ARINVOICE = ObjectDef(
    "ARINVOICE",
    "AR Invoice",
    "AR Invoices",
    None,
    (
        RECORDNO,
        FieldDef("RECORDID", "text", "Invoice number"),
        FieldDef("STATE", "text", "State", valid=("Draft", "Posted", "Partially Paid", "Paid", "Reversed")),
        FieldDef("CUSTOMERID", "text", "Customer ID"),
        *_f(_ARINV_TEXT),
        *[FieldDef(f"{p}.{c}") for p in ("CONTACT", "SHIPTO", "BILLTO") for c in CONTACT_PARTS],
        *[
            FieldDef(n, "date")
            for n in ["WHENCREATED", "WHENPOSTED", "WHENDISCOUNT", "WHENDUE", "WHENPAID", "EXCH_RATE_DATE"]
        ],
        FieldDef("CURRENCY"),
        *[
            FieldDef(n, "decimal")
            for n in [
                "EXCHANGE_RATE",
                "TOTALENTERED",
                "TOTALSELECTED",
                "TOTALPAID",
                "TOTALDUE",
                "TRX_TOTALENTERED",
                "TRX_TOTALPAID",
                "TRX_TOTALDUE",
                "RETAINAGEPERCENTAGE",
                "TRX_TOTALRETAINED",
                "TRX_TOTALRELEASED",
                "TOTALRETAINED",
            ]
        ],
        FieldDef("MODULEKEY", "text", "Module"),
        FieldDef("DOCHDRKEY", "integer", "Order entry document key"),
        FieldDef("DUE_IN_DAYS", "integer"),
        *_f("SHIPTO.TAXGROUP.NAME SHIPTO.TAXID SHIPTO.TAXGROUP.RECORDNO"),
        FieldDef("AUWHENCREATED", "timestamp", readonly=True),
        FieldDef("WHENMODIFIED", "timestamp", readonly=True),
        *_f("CREATEDBY MODIFIEDBY", type="integer", readonly=True),
        *MEGA[:3],
    ),
    relationships=(("CUSTOMER", "CUSTOMER", "CUSTOMERID"), ("SODOCUMENT", "SODOCUMENT", "DOCHDRKEY")),
)

ARINVOICEITEM = ObjectDef(
    "ARINVOICEITEM",
    "AR Invoice Detail",
    "AR Invoice Details",
    None,
    (
        RECORDNO,
        FieldDef("RECORDKEY", "integer", "AR invoice record number"),
        FieldDef("LINE_NO", "integer"),
        *_f("ITEMID ENTRYDESCRIPTION"),
        *[FieldDef(n, "decimal") for n in ["AMOUNT", "TRX_AMOUNT", "TOTALPAID", "TRX_TOTALPAID"]],
        FieldDef("WHENCREATED", "date"),
        FieldDef("WHENMODIFIED", "timestamp", readonly=True),
    ),
    relationships=(("ARINVOICE", "ARINVOICE", "RECORDKEY"),),
)

_ARPYMT_TEXT = (
    "PRBATCHKEY RECORDTYPE FINANCIALENTITY FINANCIALENTITYTYPE FINANCIALACCOUNTNAME FINANCIALACCOUNTCURRENCY "
    "SUMMARYTITLE DISPLAYSTATE PAYMENTMETHODKEY CUSTOMERNAME PAYERNAME DOCNUMBER DESCRIPTION BASECURR CURRENCY "
    "EXCH_RATE_TYPE_ID BILLTOPAYTONAME PRBATCH CLEARED RECORDID BILLTOPAYTOKEY PARENTPAYMENTKEY "
    "UNDEPOSITEDACCOUNTNO TAXSOLUTIONID SUPDOCID MULTIENTITYPYMTKEY"
)
ARPYMT = ObjectDef(
    "ARPYMT",
    "AR Payment",
    "AR Payments",
    None,
    (
        RECORDNO,
        FieldDef("STATE", "text", "State", readonly=True),
        FieldDef(
            "PAYMENTMETHOD",
            "text",
            "Payment method",
            required=True,
            valid=("Printed Check", "Check", "Cash", "EFT", "Credit Card", "Record transfer", "Online"),
        ),
        FieldDef("CUSTOMERID", "text", "Customer ID", required=True),
        *_f(_ARPYMT_TEXT),
        FieldDef("RECEIPTDATE", "date", "Receipt date", required=True),
        FieldDef("PAYMENTDATE", "date", "Payment date"),
        *[FieldDef(n, "date") for n in ["WHENCREATED", "WHENPAID", "EXCH_RATE_DATE", "CLRDATE"]],
        *[
            FieldDef(n, "decimal", readonly=True)
            for n in [
                "EXCHANGE_RATE",
                "TOTALENTERED",
                "TOTALPAID",
                "TOTALDUE",
                "TRX_TOTALENTERED",
                "TRX_TOTALPAID",
                "TRX_TOTALDUE",
            ]
        ],
        FieldDef("AUWHENCREATED", "timestamp", readonly=True),
        FieldDef("WHENMODIFIED", "timestamp", readonly=True),
        *_f("CREATEDBY MODIFIEDBY", type="integer", readonly=True),
        *MEGA,
    ),
    writable=True,
    relationships=(("CUSTOMER", "CUSTOMER", "CUSTOMERID"),),
)

ARPYMTDETAIL = ObjectDef(
    "ARPYMTDETAIL",
    "AR Payment Detail",
    "AR Payment Details",
    None,
    (
        RECORDNO,
        FieldDef("PAYMENTKEY", "integer"),
        FieldDef("RECORDKEY", "integer"),
        FieldDef("ENTRYKEY", "integer"),
        FieldDef("PAYMENTAMOUNT", "decimal"),
        FieldDef("TRX_PAYMENTAMOUNT", "decimal"),
        FieldDef("CURRENCY"),
        FieldDef("PAYMENTDATE", "date"),
        FieldDef("WHENCREATED", "date"),
        FieldDef("WHENMODIFIED", "timestamp", readonly=True),
    ),
    relationships=(("ARPYMT", "ARPYMT", "PAYMENTKEY"), ("ARINVOICE", "ARINVOICE", "RECORDKEY")),
)

# Exactly the fields developer.intacct.com documents (company console > audit trails): any other
# field in a select, filter or orderby is refused like every unknown field.
AUDITHISTORY = ObjectDef(
    "AUDITHISTORY",
    "Audit History",
    "Audit History",
    None,
    (
        FieldDef("OBJECTTYPE"),
        FieldDef("OBJECTKEY"),
        FieldDef("ACCESSTIME", "timestamp"),
        FieldDef("ACCESSMODE", valid=("A", "M", "C", "D", "W", "T", "U")),
        FieldDef("USERID"),
        FieldDef("SOURCE"),
    ),
)

SODOCUMENTPARAMS = ObjectDef(
    "SODOCUMENTPARAMS",
    "Order Entry Transaction Definition",
    "Order Entry Transaction Definitions",
    "DOCID",
    (RECORDNO, *_f("DOCID DOCCLASS CATEGORY SEQUENCE PREFIX UPDATES_GL CREATETYPE STATUS"), *AUDIT_FIELDS),
)
# Order Entry price lists. Fields as the XML API names them (developer.intacct.com/api/order-entry/
# price-lists/: lookup, query, readByQuery, read by RECORDNO, readByName by NAME) and as public clients read
# them; an entry names its list by the list's NAME in PRICELISTID and its item by ITEMID.
PRICE_VALUE_TYPES = ("Actual", "% Discount", "% Markup", "Dollar Discount", "Dollar Markup")
SOPRICELIST = ObjectDef(
    "SOPRICELIST",
    "Order Entry Price List",
    "Order Entry Price Lists",
    "NAME",
    (
        RECORDNO,
        FieldDef("NAME", "text", "Price list ID", required=True),
        FieldDef("DATEFROM", "date", "Start date"),
        FieldDef("DATETO", "date", "End date"),
        FieldDef("SALEPURCHASE", "text", "Application"),
        STATUS,
        *AUDIT_FIELDS,
        *MEGA,
    ),
    writable=True,
)
SOPRICELISTENTRY = ObjectDef(
    "SOPRICELISTENTRY",
    "Order Entry Price List Entry",
    "Order Entry Price List Entries",
    None,
    (
        RECORDNO,
        FieldDef("PRICELISTID", "text", "Price list ID", required=True),
        FieldDef("ITEMID", "text", "Item ID", required=True),
        FieldDef("ITEMNAME", "text", "Item name", readonly=True),
        *_f("PRODUCTLINEID EMPLOYEEID"),
        FieldDef("DATEFROM", "date", "Start date"),
        FieldDef("DATETO", "date", "End date"),
        FieldDef("QTYLIMITMIN", "decimal", "From quantity"),
        FieldDef("QTYLIMITMAX", "decimal", "To quantity"),
        FieldDef("QTY_OR_VALUE", "text", "Quantity or value", valid=("Q", "V")),
        FieldDef("VALUE", "decimal", "Value", required=True),
        FieldDef("VALUETYPE", "text", "Value type", valid=PRICE_VALUE_TYPES),
        FieldDef("FIXED", "boolean", "Fixed"),
        FieldDef("SALE", "boolean", "Sale"),
        STATUS,
        FieldDef("CURRENCY", "text", "Currency"),
        *AUDIT_FIELDS,
        *MEGA,
    ),
    writable=True,
    relationships=(("ITEM", "ITEM", "ITEMID"), ("SOPRICELIST", "SOPRICELIST", "PRICELISTID")),
)
CHECKINGACCOUNT = ObjectDef(
    "CHECKINGACCOUNT",
    "Checking Account",
    "Checking Accounts",
    "BANKACCOUNTID",
    (RECORDNO, *_f("BANKACCOUNTID BANKNAME CURRENCY STATUS"), *AUDIT_FIELDS),
)
ARTERM = ObjectDef(
    "ARTERM",
    "AR Term",
    "AR Terms",
    "NAME",
    (RECORDNO, *_f("NAME DESCRIPTION STATUS"), FieldDef("DUEDATE", "integer"), *AUDIT_FIELDS),
)

OBJECTS: dict[str, ObjectDef] = {
    o.name: o
    for o in (
        CUSTOMER,
        ITEM,
        SODOCUMENT,
        SODOCUMENTENTRY,
        ARINVOICE,
        ARINVOICEITEM,
        ARPYMT,
        ARPYMTDETAIL,
        AUDITHISTORY,
        SODOCUMENTPARAMS,
        CHECKINGACCOUNT,
        ARTERM,
        SOPRICELIST,
        SOPRICELISTENTRY,
    )
}
_FIELD_INDEX: dict[str, dict[str, FieldDef]] = {o.name: {f.name: f for f in o.fields} for o in OBJECTS.values()}


def get_object(name: str | None) -> ObjectDef | None:
    return OBJECTS.get((name or "").strip().upper())


def field_types_for(name: str) -> Callable[[str], str | None] | None:
    """The query engines' view of an object: UPPER field -> type, None for unknown fields."""
    obj = get_object(name)
    if obj is None:
        return None
    index = _FIELD_INDEX[obj.name]

    def types(field: str) -> str | None:
        fd = index.get(field.upper())
        return fd.type if fd else None

    return types


# ------------------------------------------------------------------ inspect / lookup
_PT = {
    "integer": ("Pt_FieldInt", "integer"),
    "decimal": ("Pt_FieldDouble", "decimal"),
    "date": ("Pt_FieldDate", "date"),
    "timestamp": ("Pt_FieldDateTime", "datetime"),
    "boolean": ("Pt_FieldBoolean", "boolean"),
    "text": ("Pt_FieldString", "string"),
}


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def inspect_data(object_name: str, detail: bool) -> etree._Element:
    """``<data listtype='All' count='1'>`` as in the recorded Get-Object fixtures."""
    data = etree.Element("data", listtype="All", count="1")
    if object_name.strip() == "*":
        for obj in OBJECTS.values():
            _sub(data, "type", obj.singular, typename=obj.name.lower())
        return data
    obj = get_object(object_name)
    assert obj is not None
    typ = _sub(data, "Type", Name=obj.name)
    if detail:
        attrs = _sub(typ, "Attributes")
        _sub(attrs, "SingularName", obj.singular)
        _sub(attrs, "PluralName", obj.plural)
        _sub(attrs, "Description", "")
    fields = _sub(typ, "Fields")
    for i, fd in enumerate(obj.fields):
        if not detail:
            _sub(fields, "Field", fd.name)
            continue
        el = _sub(fields, "Field")
        data_name, ext = _PT[fd.type]
        _sub(el, "Name", fd.name)
        _sub(el, "GroupName", "")
        _sub(el, "dataName", data_name)
        _sub(el, "externalDataName", ext)
        _sub(el, "isRequired", str(fd.required).lower())
        _sub(el, "isReadOnly", str(fd.readonly).lower())
        _sub(el, "maxLength", str(fd.maxlength or (8 if fd.type == "integer" else 100)))
        _sub(el, "DisplayLabel", fd.label or _label(fd.name))
        _sub(el, "Description", fd.label or _label(fd.name))
        _sub(el, "id", str(999500400000000 + 100 * (list(OBJECTS).index(obj.name)) + i))
    return data


def lookup_data(object_name: str, docparid: str = "") -> etree._Element:
    """``<data listtype="All"><Type Name=.. DocumentType=..><Fields><Field><ID>..`` (DOC-Q shape)."""
    obj = get_object(object_name)
    assert obj is not None
    data = etree.Element("data", listtype="All", count="1")
    typ = _sub(data, "Type", Name=obj.name, DocumentType=docparid)
    fields = _sub(typ, "Fields")
    for fd in obj.fields:
        el = _sub(fields, "Field")
        _sub(el, "ID", fd.name)
        _sub(el, "LABEL", fd.label or _label(fd.name))
        _sub(el, "DESCRIPTION", fd.label or _label(fd.name))
        _sub(el, "REQUIRED", str(fd.required).lower())
        _sub(el, "READONLY", str(fd.readonly).lower())
        _sub(el, "DATATYPE", "ENUM" if fd.valid else fd.type.upper())
        _sub(el, "ISCUSTOM", str(fd.custom).lower())
        if fd.valid:
            vv = _sub(el, "VALIDVALUES")
            for v in fd.valid:
                _sub(vv, "VALIDVALUE", v)
    rels = _sub(typ, "Relationships")
    for path, target, by in obj.relationships:
        rel = _sub(rels, "Relationship")
        _sub(rel, "OBJECTPATH", path)
        _sub(rel, "OBJECTNAME", target)
        _sub(rel, "LABEL", "")
        _sub(rel, "RELATIONSHIPTYPE", "MANY2ONE")
        _sub(rel, "RELATEDBY", by)
    return data


def _label(name: str) -> str:
    return name.replace(".", " ").replace("_", " ").title()
