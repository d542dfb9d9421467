"""Write and metadata functions, and the dispatch table over every supported function.

Each handler takes the call context and the operation element and returns an ``Outcome``: what goes
in the result (``<data>`` or a legacy ``<key>``) and what it costs the way Intacct bills
(``transactions``) and changes (``writes``). Failures raise ``FunctionError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from .context import Context, Outcome
from .envelope import sub, text
from .errors import ErrorItem, FunctionError, fail
from .objects import OBJECTS, get_object, inspect_data, lookup_data
from .reads import do_query, do_read, do_read_by_query, do_read_more
from .refusals import check_refusals
from .schema import children


def to_value(el: etree._Element) -> Any:
    """XML -> nested dict/str; repeated child tags become lists."""
    kids = children(el)
    if not kids:
        return (el.text or "").strip()
    out: dict[str, Any] = {}
    for kid in kids:
        val = to_value(kid)
        if kid.tag in out:
            prev = out[kid.tag]
            out[kid.tag] = [*prev, val] if isinstance(prev, list) else [prev, val]
        else:
            out[kid.tag] = val
    return out


def _write_objects(ctx: Context, el: etree._Element, action: str) -> Outcome:
    """Generic create/update: several objects per function; each one succeeds or fails on its own.

    A failed result still carries ``<data listtype="objects" count="N"/>`` (N the objects that were
    written, often 0) before its ``<errormessage>``, as real failed creates and updates do.
    """
    company = ctx.emulator.company
    data = etree.Element("data", listtype="objects", count="0")
    errors: list[ErrorItem] = []
    n = 0
    kids = children(el)
    if not kids:
        raise fail("XL03000003", f"XML Parse schema error: Element '{action}': Missing child element(s).")
    for obj_el in kids:
        name = obj_el.tag.upper()
        od = OBJECTS.get(name)
        n += 1
        values = to_value(obj_el)
        values = values if isinstance(values, dict) else {}
        try:
            if od is None or not od.writable:
                raise fail(
                    "BL01001973",
                    f"{action.capitalize()} of object {obj_el.tag} is not supported.",
                    "Use a supported object or its legacy function.",
                )
            with ctx.emulator.store.atomic():
                if name == "ARPYMT":
                    rec = company.create_payment(values) if action == "create" else company.update_payment(values)
                elif action == "create":
                    rec = company.create_master(name, values)
                else:
                    rec = company.update_master(name, values)
        except FunctionError as exc:
            errors.extend(exc.errors)
            continue
        row = etree.SubElement(data, name.lower())
        sub(row, "RECORDNO", rec["RECORDNO"])
        if od is not None and od.id_field:
            sub(row, od.id_field, rec[od.id_field])
    count = len(data)
    data.set("count", str(count))
    if errors:
        raise FunctionError(errors, data, {"transactions": n, "writes": count})
    return Outcome(data=data, transactions=n, writes=count)


def fn_create(ctx: Context, el: etree._Element) -> Outcome:
    return _write_objects(ctx, el, "create")


def fn_update(ctx: Context, el: etree._Element) -> Outcome:
    return _write_objects(ctx, el, "update")


def fn_delete(ctx: Context, el: etree._Element) -> Outcome:
    args = {c.tag: text(c) for c in children(el)}
    od = get_object(args.get("object"))
    if od is None or not od.writable:
        raise fail("BL01001973", f"Delete of object {args.get('object', '')} is not supported.")
    keys = [k.strip() for k in args.get("keys", "").split(",") if k.strip()]
    if not keys:
        raise fail("BL01001973", "Provide the RECORDNO keys to delete.")
    errors: list[ErrorItem] = []
    done = 0
    for key in keys:
        try:
            with ctx.emulator.store.atomic():
                ctx.emulator.company.delete_record(od.name, key)
            done += 1
        except FunctionError as exc:
            errors.extend(exc.errors)
    if errors:
        raise FunctionError(errors, None, {"transactions": len(keys), "writes": done})
    return Outcome(transactions=len(keys), writes=done)


def sotransaction_spec(el: etree._Element) -> dict[str, Any]:
    """The XSD-checked XML of create_sotransaction -> the dict form the model (and seeds) use."""
    spec: dict[str, Any] = {}
    for kid in children(el):
        if kid.tag == "sotransitems":
            spec["sotransitems"] = [to_value(item) for item in children(kid)]
        elif kid.tag in ("message", "memo"):
            spec["memo"] = text(kid)
        else:
            spec[kid.tag] = to_value(kid)
    return spec


def fn_create_sotransaction(ctx: Context, el: etree._Element) -> Outcome:
    with ctx.emulator.store.atomic():
        doc = ctx.emulator.company.create_sotransaction(sotransaction_spec(el))
    key = doc["RECORDNO"] if ctx.emulator.sotransaction_key == "recordno" else doc["DOCID"]
    return Outcome(key=key, transactions=1, writes=1)


def fn_create_arpayment(ctx: Context, el: etree._Element) -> Outcome:
    """Legacy ``create_arpayment``: ``paymentamount`` may exceed the items (or have none): the
    rest stays on the payment unapplied (an overpayment). Answers ``<key>`` (the RECORDNO)."""
    args = {kid.tag: to_value(kid) for kid in children(el) if kid.tag != "arpaymentitem"}
    items = [to_dict(kid) for kid in children(el) if kid.tag == "arpaymentitem"]
    values: dict[str, Any] = {
        "FINANCIALENTITY": args.get("bankaccountid", ""),
        "PAYMENTMETHOD": args.get("paymentmethod", ""),
        "CUSTOMERID": args.get("customerid", ""),
        "RECEIPTDATE": args.get("datereceived", ""),
        "DOCNUMBER": args.get("refid", ""),
        "ARPYMTDETAILS": [
            {"RECORDKEY": i.get("invoicekey", ""), "TRX_PAYMENTAMOUNT": i.get("amount", "")} for i in items
        ],
    }
    with ctx.emulator.store.atomic():
        rec = ctx.emulator.company.create_payment(values, payment_amount=str(args.get("paymentamount", "")))
    return Outcome(key=rec["RECORDNO"], transactions=1, writes=1)


def fn_update_sotransaction(ctx: Context, el: etree._Element) -> Outcome:
    """Answers ``<key>`` like create; the ARINVOICE behind a posted invoice gets a new RECORDNO."""
    key = (el.get("key") or "").strip()
    if not key:
        raise fail(
            "XL03000003", "XML Parse schema error: Element 'update_sotransaction': The attribute 'key' is required."
        )
    spec: dict[str, Any] = {}
    for kid in children(el):
        if kid.tag == "updatesotransitems":
            spec["items"] = [
                ("update", {**to_dict(item), "line_num": item.get("line_num", "")})
                if item.tag == "updatesotransitem"
                else ("add", to_dict(item))
                for item in children(kid)
            ]
        elif kid.tag in ("message", "memo"):
            spec["memo"] = text(kid)
        elif kid.tag != "updatesubtotals":
            spec[kid.tag] = to_value(kid)
    with ctx.emulator.store.atomic():
        doc = ctx.emulator.company.update_sotransaction(key, spec)
    out = doc["RECORDNO"] if ctx.emulator.sotransaction_key == "recordno" else doc["DOCID"]
    return Outcome(key=out, transactions=1, writes=1)


def to_dict(el: etree._Element) -> dict[str, Any]:
    value = to_value(el)
    return value if isinstance(value, dict) else {}


def fn_delete_sotransaction(ctx: Context, el: etree._Element) -> Outcome:
    key = (el.get("key") or "").strip()
    if not key:
        raise fail(
            "XL03000003", "XML Parse schema error: Element 'delete_sotransaction': The attribute 'key' is required."
        )
    with ctx.emulator.store.atomic():
        ctx.emulator.company.delete_sotransaction(key)
    return Outcome(key=key, transactions=1, writes=1)


def fn_inspect(ctx: Context, el: etree._Element) -> Outcome:
    name = text(el.find("object"))
    if name != "*" and get_object(name) is None:
        raise fail("Query Failed", f"Object definition {name} not found")
    data = inspect_data(name, el.get("detail", "0").strip() == "1")
    for fld in list(data.iterfind("Type/Fields/Field")):
        if f"{name.upper()}.{(fld.findtext('Name') or fld.text or '').upper()}" in ctx.emulator.omit_fields:
            fld.getparent().remove(fld)
    return Outcome(data=data)


def fn_lookup(ctx: Context, el: etree._Element) -> Outcome:
    name = text(el.find("object"))
    if get_object(name) is None:
        raise fail("Query Failed", f"Object definition {name} not found")
    return Outcome(data=lookup_data(name, text(el.find("docparid"))))


def fn_get_api_session(ctx: Context, el: etree._Element) -> Outcome:
    if not ctx.single_function:
        # UNCONFIRMED wording: DOC-SESS only says the function must be alone in its request.
        raise fail(
            "XL03000003",
            "getAPISession must be the only function in its request.",
            "Send getAPISession in a request of its own.",
        )
    session = ctx.session
    location = text(el.find("locationid")) if el.find("locationid") is not None else None
    if session is None or location is not None:
        login = ctx.login or {"userid": session.userid, "companyid": session.companyid}  # type: ignore[union-attr]
        loc = location if location is not None else (ctx.login or {}).get("locationid", "")
        session = ctx.emulator.sessions.create(login["userid"], login["companyid"], loc or "")
    data = etree.Element("data")
    api = sub(data, "api")
    sub(api, "sessionid", session.sessionid)
    sub(api, "endpoint", ctx.endpoint)
    sub(api, "locationid", session.locationid)
    return Outcome(data=data)


def fn_query(ctx: Context, el: etree._Element) -> Outcome:
    check_refusals(ctx.emulator.refuse_reads, "query", el)
    return Outcome(data=do_query(ctx.emulator.store, el), transactions=1)


def fn_read_by_query(ctx: Context, el: etree._Element) -> Outcome:
    check_refusals(ctx.emulator.refuse_reads, "readByQuery", el)
    data = do_read_by_query(ctx.emulator.store, ctx.emulator.cursors, el, ctx.owner)
    return Outcome(data=data, transactions=1)


def fn_read_more(ctx: Context, el: etree._Element) -> Outcome:
    return Outcome(data=do_read_more(ctx.emulator.cursors, el, ctx.owner), transactions=1)


def fn_read(ctx: Context, el: etree._Element) -> Outcome:
    return Outcome(data=do_read(ctx.emulator.store, el), transactions=1)


def fn_read_by_name(ctx: Context, el: etree._Element) -> Outcome:
    return Outcome(data=do_read(ctx.emulator.store, el, by_name=True), transactions=1)


FUNCTIONS: dict[str, Callable[[Context, etree._Element], Outcome]] = {
    "getAPISession": fn_get_api_session,
    "query": fn_query,
    "readByQuery": fn_read_by_query,
    "readMore": fn_read_more,
    "read": fn_read,
    "readByName": fn_read_by_name,
    "create": fn_create,
    "update": fn_update,
    "delete": fn_delete,
    "create_sotransaction": fn_create_sotransaction,
    "create_arpayment": fn_create_arpayment,
    "update_sotransaction": fn_update_sotransaction,
    "delete_sotransaction": fn_delete_sotransaction,
    "inspect": fn_inspect,
    "lookup": fn_lookup,
}
WRITE_FUNCTIONS = frozenset(
    {
        "create",
        "update",
        "delete",
        "create_sotransaction",
        "create_arpayment",
        "update_sotransaction",
        "delete_sotransaction",
    }
)
