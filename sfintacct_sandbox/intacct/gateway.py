"""One parsed request -> one response document: sender and user authentication, sessions,
``uniqueid`` replay protection, ``transaction="true"`` rollback, and per-function results.

Why separate from the HTTP layer: faults wrap this (apply then drop, apply then 524, ...), and the
conformance tests exercise it through HTTP exactly as a client does.
"""

from __future__ import annotations

from lxml import etree

from .. import credentials as cred
from .context import Context, GatewayHost, Outcome
from .envelope import ControlError, Operation, ParsedRequest, control_block, error_message, fn_name, sub
from .errors import ROLLED_BACK, ErrorItem, FunctionError
from .functions import FUNCTIONS, WRITE_FUNCTIONS
from .sessions import Session

CONTROLID_TABLE = "__controlid__"
DTD_VERSIONS = ("3.0", "2.1")


def check_sender(control: dict[str, str]) -> None:
    if control.get("senderid") != cred.INTACCT_SENDER_ID or control.get("password") != cred.INTACCT_SENDER_PASSWORD:
        raise ControlError([ErrorItem("XL03000006", "Incorrect Intacct XML Partner ID or password.")], control)
    version = control.get("dtdversion", "")
    if version not in DTD_VERSIONS:
        raise ControlError(
            [
                ErrorItem(
                    "XL03000003",
                    f"XML Parse schema error: Error 1840: Element 'dtdversion': [facet 'enumeration'] The value "
                    f"'{version}' is not an element of the set {{'2.1', '3.0'}}. Line: 1, column: 0.",
                )
            ],
            control,
        )


def auth_failure(op_el: etree._Element, userid: str, companyid: str, description2: str) -> None:
    auth = sub(op_el, "authentication")
    sub(auth, "status", "failure")
    sub(auth, "userid", userid)
    sub(auth, "companyid", companyid)
    error_message(op_el, [ErrorItem("XL03000006", description2)])


def auth_success(
    emu: GatewayHost, op_el: etree._Element, who: dict[str, str], session: Session | None, dtd: str
) -> None:
    auth = sub(op_el, "authentication")
    sub(auth, "status", "success")
    sub(auth, "userid", who["userid"])
    sub(auth, "companyid", who["companyid"])
    sub(auth, "locationid", who.get("locationid", ""))
    stamp, timeout = emu.sessions.stamps(session)
    sub(auth, "sessiontimestamp", stamp)
    if dtd == "3.0":  # the 2.1 response DTD has no sessiontimeout
        sub(auth, "sessiontimeout", timeout)


def process(emu: GatewayHost, req: ParsedRequest, endpoint: str) -> etree._Element:
    """Run every operation of an already parsed request. Raises ``ControlError`` for control failures."""
    check_sender(req.control)
    root = etree.Element("response")
    control_block(root, req.control, "success")
    for op in req.operations:
        _operation(emu, req, op, root, endpoint)
    return root


def _operation(emu: GatewayHost, req: ParsedRequest, op: Operation, root: etree._Element, endpoint: str) -> None:
    op_el = sub(root, "operation")
    session = None
    login = op.auth.login
    if login is not None:
        ok = (
            login.get("userid") == cred.INTACCT_USER_ID
            and login.get("companyid", "").lower() == cred.INTACCT_COMPANY_ID.lower()
            and login.get("password") == cred.INTACCT_USER_PASSWORD
        )
        if not ok:
            auth_failure(op_el, login.get("userid", ""), login.get("companyid", ""), "Sign-in information is incorrect")
            return
        who = {"userid": login["userid"], "companyid": login["companyid"], "locationid": login.get("locationid", "")}
        owner = f"login:{login['userid']}"
    elif op.auth.sessionid is not None:
        session = emu.sessions.touch(op.auth.sessionid)
        if session is None:
            auth_failure(op_el, "", "", f"Invalid session {op.auth.sessionid[:8]}....")
            return
        who = {"userid": session.userid, "companyid": session.companyid, "locationid": session.locationid}
        owner = session.sessionid
    else:
        auth_failure(op_el, "", "", "Sign-in information is incorrect")
        return
    auth_success(emu, op_el, who, session, req.control.get("dtdversion", "3.0"))
    emu.company.userid = who["userid"]
    ctx = Context(emu, session, login, endpoint, len(req.function_names()) == 1, owner)
    if op.transaction:
        _run_transaction(emu, req, op, op_el, ctx)
    else:
        for fn in op.functions:
            el = _run_one(emu, req, fn, ctx)[0]
            el.attrib.pop("_writes", None)
            op_el.append(el)


class _Rollback(Exception):
    pass


def _run_transaction(
    emu: GatewayHost, req: ParsedRequest, op: Operation, op_el: etree._Element, ctx: Context
) -> None:
    """All functions in one atomic block; one failure rolls back all, the successful ones are ``aborted``."""
    results: list[tuple[etree._Element, bool]] = []
    try:
        with emu.store.atomic():
            for fn in op.functions:
                results.append(_run_one(emu, req, fn, ctx))
            if not all(ok for _, ok in results):
                raise _Rollback
    except _Rollback:
        for el, ok in results:
            if ok:
                el.find("status").text = "aborted"  # type: ignore[union-attr]
                for child in el.findall("data") + el.findall("key"):
                    el.remove(child)
                error_message(el, [ErrorItem("XL03000009", ROLLED_BACK)])
            else:
                data = el.find("data")
                if data is not None:  # nothing of a rolled-back create or update was written
                    for child in list(data):
                        data.remove(child)
                    data.set("count", "0")
                em = el.find("errormessage")
                if em is not None:
                    err = sub(em, "error")
                    for tag, value in (
                        ("errorno", "XL03000009"),
                        ("description", ""),
                        ("description2", ROLLED_BACK),
                        ("correction", ""),
                    ):
                        sub(err, tag, value)
        # Rolled-back records were never written; the calls are still billed.
        emu.stats.add_writes(-sum(int(el.get("_writes", "0")) for el, _ in results))
    for el, _ in results:
        el.attrib.pop("_writes", None)
        op_el.append(el)


def _result(name: str, controlid: str, status: str) -> etree._Element:
    el = etree.Element("result")
    sub(el, "status", status)
    sub(el, "function", name)
    sub(el, "controlid", controlid)
    return el


def _run_one(emu: GatewayHost, req: ParsedRequest, fn: etree._Element, ctx: Context) -> tuple[etree._Element, bool]:
    name = fn_name(fn)
    controlid = fn.get("controlid", "")
    handler = FUNCTIONS.get(name)
    body = next(c for c in fn if isinstance(c.tag, str))
    if req.uniqueid and emu.store.get(CONTROLID_TABLE, controlid) is not None:
        el = _result(name, controlid, "failure")
        error_message(
            el,
            [
                ErrorItem(
                    emu.duplicate_controlid_errorno,
                    f"A successful transaction has already been recorded with the control ID {controlid}.",
                    "Use a new function control ID, or uniqueid=false to allow repeats.",
                )
            ],
        )
        emu.stats.count(name, transactions=1)
        return el, False
    try:
        if handler is None:
            raise FunctionError(
                [ErrorItem("XL03000003", f"The function {name} is not supported by the Intacct sandbox.")]
            )
        outcome: Outcome = handler(ctx, body)
    except FunctionError as exc:
        el = _result(name, controlid, "failure")
        if exc.data is not None:
            el.append(exc.data)
        error_message(el, exc.errors)
        writes = int(exc.extra.get("writes", 0))
        emu.stats.count(name, transactions=int(exc.extra.get("transactions", 1)), writes=writes)
        el.set("_writes", str(writes))
        return el, False
    el = _result(name, controlid, "success")
    if outcome.key is not None:
        sub(el, "key", outcome.key)
    if outcome.data is not None:
        el.append(outcome.data)
    emu.stats.count(name, transactions=outcome.transactions, writes=outcome.writes)
    el.set("_writes", str(outcome.writes))
    if req.uniqueid or name in WRITE_FUNCTIONS:
        emu.store.put(CONTROLID_TABLE, controlid, {"function": name})
    return el, True
