"""XSD-order checks for the request envelope and ``create_sotransaction``.

Why: the real gateway validates every request against ``api.xsd`` before running anything, so an
element out of order fails the whole request at control level (XL03000003) with a libxml-style
message. A client that sends elements in the wrong order must fail here as it would in production.
Each spec is a sequence of ``(name | alternatives, min, max)``; ``None`` max means unbounded.
"""

from __future__ import annotations

from lxml import etree

Spec = list[tuple[str, int, int | None]]


class SchemaViolation(Exception):
    """An XSD violation, worded like the gateway's libxml message."""

    def __init__(self, message: str) -> None:
        super().__init__(f"XML Parse schema error: Error 1871: {message}")


def opt(names: str) -> Spec:
    return [(n, 0, 1) for n in names.split()]


CONTROL: Spec = [
    ("appid", 0, 1),
    ("senderid", 1, 1),
    ("password", 0, 1),
    ("controlid", 1, 1),
    ("uniqueid", 0, 1),
    ("dtdversion", 1, 1),
    *opt("policyid debug includewhitespace showadditionalerrorinfo"),
]
REQUEST: Spec = [("control", 1, 1), ("operation", 1, None)]
OPERATION: Spec = [("authentication", 1, 1), ("preferences", 0, None), ("content", 0, None)]
AUTHENTICATION: Spec = [("login|sessionid|oauth", 1, 1)]
LOGIN: Spec = [("userid", 1, 1), ("companyid", 1, 1), ("password", 1, 1), *opt("clientid locationid")]
CONTENT: Spec = [("function", 1, None)]
DATE: Spec = [("year", 1, 1), ("month", 1, 1), ("day", 1, 1)]

SOTRANSACTION: Spec = [
    ("transactiontype", 1, 1),
    ("datecreated", 1, 1),
    *opt("dateposted createdfrom"),
    ("customerid", 1, 1),
    *opt("documentno origdocdate referenceno termname datedue message|memo shippingmethod shipto billto"),
    *opt("supdocid externalid basecurr currency exchratedate exchratetype|exchrate vsoepricelist customfields"),
    *opt("state projectid"),
    ("sotransitems", 1, 1),
    *opt("subtotals"),
]
SOTRANSITEMS: Spec = [("sotransitem", 1, None)]
SOTRANSITEM: Spec = [
    ("bundlenumber", 0, 1),
    ("itemid", 1, 1),
    *opt("itemdesc taxable warehouseid"),
    ("quantity", 1, 1),
    *opt("unit linelevelsimpletax discountpercent price sourcelinekey discsurchargememo locationid"),
    *opt("departmentid memo itemdetails customfields revrectemplate revrecstartdate revrecenddate"),
    *opt("renewalmacro projectid customerid vendorid employeeid classid contractid fulfillmentstatus"),
    *opt("taskno billingtemplate dropship shipto"),
]
# update_sotransaction: the order the SDKs write (intacct-sdk-php OrderEntryTransactionUpdate).
UPDATE_SOTRANSACTION: Spec = [
    *opt("datecreated dateposted referenceno termname datedue origdocdate message|memo shippingmethod shipto"),
    *opt("billto supdocid externalid basecurr currency exchratedate exchratetype|exchrate vsoepricelist"),
    *opt("customfields state projectid updatesotransitems updatesubtotals"),
]
UPDATESOTRANSITEMS: Spec = [("updatesotransitem|sotransitem", 1, None)]
UPDATESOTRANSITEM: Spec = [
    *opt("bundlenumber itemid itemaliasid itemdesc taxable warehouseid quantity unit linelevelsimpletax"),
    *opt("discountpercent price relateddockey relateddoclinekey sourcelinekey discsurchargememo locationid"),
    *opt("departmentid memo itemdetails customfields revrectemplate revrecstartdate revrecenddate"),
    *opt("renewalmacro projectid customerid vendorid employeeid classid contractid fulfillmentstatus"),
    *opt("taskno billingtemplate dropship shipto"),
]


def children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def check(el: etree._Element, spec: Spec) -> None:
    """Raise ``SchemaViolation`` unless ``el``'s child elements follow ``spec`` in order."""
    kids = children(el)
    i = 0
    for names, lo, hi in spec:
        allowed = names.split("|")
        n = 0
        while i < len(kids) and kids[i].tag in allowed and (hi is None or n < hi):
            n += 1
            i += 1
        if n < lo:
            expected = " | ".join(allowed)
            if i < len(kids):
                raise SchemaViolation(
                    f"Element '{kids[i].tag}': This element is not expected. Expected is ( {expected} ). "
                    f"Line: {kids[i].sourceline or 0}, column: 0."
                )
            raise SchemaViolation(
                f"Element '{el.tag}': Missing child element(s). Expected is ( {expected} ). "
                f"Line: {el.sourceline or 0}, column: 0."
            )
    if i < len(kids):
        raise SchemaViolation(
            f"Element '{kids[i].tag}': This element is not expected. Line: {kids[i].sourceline or 0}, column: 0."
        )


def check_sotransaction(el: etree._Element) -> None:
    check(el, SOTRANSACTION)
    for kid in children(el):
        if kid.tag in ("datecreated", "dateposted", "datedue", "origdocdate", "exchratedate") and children(kid):
            check(kid, DATE)
        if kid.tag == "sotransitems":
            check(kid, SOTRANSITEMS)
            for item in children(kid):
                check(item, SOTRANSITEM)


def check_update_sotransaction(el: etree._Element) -> None:
    check(el, UPDATE_SOTRANSACTION)
    for kid in children(el):
        if kid.tag in ("datecreated", "dateposted", "datedue", "origdocdate", "exchratedate") and children(kid):
            check(kid, DATE)
        if kid.tag == "updatesotransitems":
            check(kid, UPDATESOTRANSITEMS)
            for item in children(kid):
                if item.tag == "updatesotransitem":
                    if item.get("line_num") is None:
                        raise SchemaViolation(
                            f"Element 'updatesotransitem': The attribute 'line_num' is required but missing. "
                            f"Line: {item.sourceline or 0}, column: 0."
                        )
                    check(item, UPDATESOTRANSITEM)
                else:
                    check(item, SOTRANSITEM)


def check_query(el: etree._Element) -> None:
    """``<query>`` grammar errors are XSD errors too; semantic ones are left for the function."""
    from .objects import field_types_for
    from .querylang import QueryError, QuerySchemaError, parse_query

    try:
        parse_query(el, field_types_for)
    except QuerySchemaError as exc:
        raise SchemaViolation(exc.description2.removeprefix("XML Parse schema error: Error 1871: ")) from exc
    except QueryError:
        pass


# legacy create_arpayment: the order the SDKs write (intacct-sdk-net/php ArPaymentCreate).
ARPAYMENT: Spec = [
    ("customerid", 1, 1),
    ("paymentamount", 1, 1),
    *opt("batchkey translatedamount undepfundsacct|bankaccountid refid overpaylocid overpaydeptid"),
    ("datereceived", 1, 1),
    ("paymentmethod", 1, 1),
    *opt("basecurr currency exchratedate exchratetype|exchrate cctype authcode"),
    ("arpaymentitem", 0, None),
    *opt("onlinecardpayment onlineachpayment"),
]
ARPAYMENTITEM: Spec = [("invoicekey", 1, 1), ("amount", 1, 1)]


def check_arpayment(el: etree._Element) -> None:
    check(el, ARPAYMENT)
    for kid in children(el):
        if kid.tag in ("datereceived", "exchratedate") and children(kid):
            check(kid, DATE)
        if kid.tag == "arpaymentitem":
            check(kid, ARPAYMENTITEM)


FUNCTION_CHECKS = {
    "create_arpayment": check_arpayment,
    "create_sotransaction": check_sotransaction,
    "update_sotransaction": check_update_sotransaction,
    "query": check_query,
}
