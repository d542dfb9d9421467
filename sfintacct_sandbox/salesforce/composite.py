"""``composite/sobjects`` (sObject Collections) and ``composite`` (subrequests with references).

Collections answer per record with ``statusCode`` errors; with ``allOrNone`` nothing is applied,
the failing record keeps its error and every other one gets ALL_OR_NONE_OPERATION_ROLLED_BACK.
``composite`` runs up to 25 subrequests through the same handlers as single calls, resolving
``@{ref.path}`` references, and counts as one API call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import rest
from .calls import Call, Reply, call_from_url, error_reply, operation_of, render
from .errors import SfError
from .rest import by_external_id

if TYPE_CHECKING:
    from .host import SalesforceHost

MAX_RECORDS = 200
MAX_SUBREQUESTS = 25
MAX_QUERIES = 5
ROLLED_BACK = SfError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
    [],
)
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


class _Rollback(Exception):
    pass


def dispatch(emu: SalesforceHost, call: Call) -> Reply:
    """Run one REST call of any resource (the caller holds ``store.lock``); SfError becomes its error reply.

    ``composite/...`` calls are answered here, every other one by :func:`rest.dispatch`; composite
    subrequests come back through this same function.
    """
    if call.segs[:1] != ["composite"]:
        return rest.dispatch(emu, call)
    try:
        return route(emu, call)
    except SfError as err:
        return error_reply(err)


def route(emu: SalesforceHost, call: Call, *, lock_fault: bool = False) -> Reply:
    s = call.segs
    if s == ["composite"] and call.method == "POST":
        return composite(emu, call)
    if len(s) >= 2 and s[1] == "sobjects":
        if len(s) == 2 and call.method in ("POST", "PATCH", "DELETE"):
            return collections(emu, call, None, lock_fault=lock_fault)
        if len(s) == 3 and call.method == "GET":
            return retrieve(emu, call, s[2])
        if len(s) == 4 and call.method == "PATCH":
            return collections(emu, call, (s[2], s[3]), lock_fault=lock_fault)
    raise SfError("NOT_FOUND", "The requested resource does not exist", status=404)


def _bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def retrieve(emu: SalesforceHost, call: Call, sobject: str) -> Reply:
    obj = emu.org.sobject(sobject)
    wanted = [n.strip() for n in call.args.get("fields", "").split(",") if n.strip()]
    if not wanted:
        raise SfError("MALFORMED_QUERY", "The fields parameter is required")
    fields = []
    for name in wanted:
        f = obj.field(name)
        if f is None:
            raise SfError("INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'")
        fields.append(f.name)
    out: list[Any] = []
    for rid in (i.strip() for i in call.args.get("ids", "").split(",") if i.strip()):
        try:
            out.append(render(obj, emu.org.live(obj, rid), call.version, fields))
        except SfError:
            out.append(None)
    return Reply(200, out)


def collections(
    emu: SalesforceHost, call: Call, upsert: tuple[str, str] | None, *, lock_fault: bool = False
) -> Reply:
    """Create / update / upsert / delete up to 200 records; one result per record, in order."""
    if call.method == "DELETE":
        items: list[Any] = [i.strip() for i in call.args.get("ids", "").split(",") if i.strip()]
        all_or_none = _bool(call.args.get("allOrNone", "false"))
        if not items:
            # 400, a JSON array of one {message, errorCode}: the call is not well formed. The
            # code is as documented for a missing required value; the wording is unconfirmed.
            raise SfError("REQUIRED_FIELD_MISSING", "Required fields are missing: [ids]")
    else:
        if call.body_error or not isinstance(call.body, dict):
            raise SfError("JSON_PARSER_ERROR", "Cannot deserialize the request body as a collection request")
        items = call.body.get("records")
        if not isinstance(items, list):
            raise SfError("INVALID_FIELD", "records is required and must be an array")
        all_or_none = _bool(call.body.get("allOrNone", False))
    if len(items) > MAX_RECORDS:
        raise SfError("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
    if lock_fault:
        results = []
        for item in items:
            rid = _item_id(item) or ""
            message = f"unable to obtain exclusive access to this record or 1 records: {rid or '(new record)'}"
            err = SfError("UNABLE_TO_LOCK_ROW", message, [])
            results.append(({"id": rid} if rid else {}) | {"success": False, "errors": [err.as_record_error()]})
        return Reply(200, results)
    results: list[dict[str, Any]] = []
    failed = False
    writes = 0
    try:
        with emu.store.atomic():
            for item in items:
                try:
                    with emu.store.atomic():
                        results.append(_one(emu, call, item, upsert))
                        writes += 1
                except SfError as err:
                    failed = True
                    res: dict[str, Any] = {"success": False, "errors": [err.as_record_error()]}
                    rid = _item_id(item)
                    if rid and call.method != "POST":
                        res = {"id": rid, **res}
                    if upsert is not None:
                        res["created"] = False
                    results.append(res)
            if failed and all_or_none:
                raise _Rollback
    except _Rollback:
        writes = 0
        for i, res in enumerate(results):
            if res["success"]:
                rolled: dict[str, Any] = {"success": False, "errors": [ROLLED_BACK.as_record_error()]}
                if "id" in res and call.method != "POST" and not res.get("created"):
                    rolled = {"id": res["id"], **rolled}
                if upsert is not None:
                    rolled["created"] = False
                results[i] = rolled
    return Reply(200, results, writes=writes)


def _item_id(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        value = item.get("id", item.get("Id"))
        return value if isinstance(value, str) else None
    return None


def _one(emu: SalesforceHost, call: Call, item: Any, upsert: tuple[str, str] | None) -> dict[str, Any]:
    org = emu.org
    if call.method == "DELETE":
        obj = org.schema.by_prefix.get(item[:3]) if isinstance(item, str) else None
        if obj is None:
            raise SfError("MALFORMED_ID", f"malformed id {item}", [])
        rec = org.live(obj, item)
        org.delete(obj.name, rec["Id"])
        return {"id": rec["Id"], "success": True, "errors": []}
    if not isinstance(item, dict):
        raise SfError("JSON_PARSER_ERROR", "Each record must be a JSON object")
    attrs = item.get("attributes")
    type_name = attrs.get("type") if isinstance(attrs, dict) else None
    if upsert is not None:
        type_name = type_name or upsert[0]
        if type_name.lower() != upsert[0].lower():
            raise SfError("INVALID_TYPE", f"The type {type_name} does not match the resource type {upsert[0]}", [])
    if not type_name:
        raise SfError("INVALID_TYPE", "Must send a concrete entity type.", [])
    obj = org.schema.get(type_name)
    if obj is None:
        raise SfError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.", [])
    body = {k: v for k, v in item.items() if k != "attributes"}
    if upsert is not None:
        f = obj.field(upsert[1])
        if f is None or not f.external_id:
            raise SfError(
                "INVALID_FIELD", f"Provided external ID field does not exist or is not accessible: {upsert[1]}", []
            )
        value = next((v for k, v in body.items() if k.lower() == f.name.lower()), None)
        if value is None:
            raise SfError("MISSING_ARGUMENT", f"{f.name} not specified", [])
        sub = Call("PATCH", call.version, ["sobjects", obj.name, f.name, str(value)], {}, body)
        reply = by_external_id(emu, sub, obj, f.name, str(value))
        if reply.status == 300:
            raise SfError(
                "DUPLICATE_EXTERNAL_ID",
                f"{f.name}: more than one record found for external id field: {reply.body}",
                [f.name],
            )
        rid = reply.body["id"] if isinstance(reply.body, dict) else None
        return {"id": rid, "success": True, "errors": [], "created": reply.status == 201}
    if call.method == "POST":
        if any(k.lower() == "id" for k in body):
            raise SfError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        new_id = org.create(obj.name, body)
        return {"id": new_id, "success": True, "errors": []}
    rid = _item_id(body)
    if not rid:
        raise SfError("MISSING_ARGUMENT", "Id not specified in an update call", [])
    body = {k: v for k, v in body.items() if k.lower() != "id"}
    rec = org.live(obj, rid)
    org.update(obj.name, rec["Id"], body)
    return {"id": rec["Id"], "success": True, "errors": []}


# ---------------------------------------------------------------- composite
_REF = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")


def _lookup(results: dict[str, Any], ref: str, path: str) -> Any:
    if ref not in results:
        raise KeyError(ref)
    value = results[ref]
    for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
        key, index = step
        if key:
            if not isinstance(value, dict) or key not in value:
                raise KeyError(ref)
            value = value[key]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                raise KeyError(ref)
            value = value[int(index)]
    return value


def _substitute(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:
            return _lookup(results, whole.group(1), whole.group(2))
        return _REF.sub(lambda m: str(_lookup(results, m.group(1), m.group(2))), value)
    if isinstance(value, dict):
        return {k: _substitute(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, results) for v in value]
    return value


def _halted(ref: str, message: str = HALTED) -> dict[str, Any]:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": ref,
    }


def composite(emu: SalesforceHost, call: Call) -> Reply:
    body = call.body
    if call.body_error or not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise SfError("JSON_PARSER_ERROR", "compositeRequest is required and must be an array")
    subs = body["compositeRequest"]
    all_or_none = _bool(body.get("allOrNone", False))
    if len(subs) > MAX_SUBREQUESTS:
        raise SfError(
            "LIMIT_EXCEEDED", f"Limit Exceeded: the composite request can hold at most {MAX_SUBREQUESTS} subrequests"
        )
    refs: list[str] = []
    queries = 0
    for sub in subs:
        if not isinstance(sub, dict) or not sub.get("method") or not sub.get("url") or not sub.get("referenceId"):
            raise SfError("INVALID_INPUT", "Each subrequest needs method, url and referenceId")
        if sub["referenceId"] in refs:
            raise SfError("INVALID_INPUT", f"Duplicate referenceId provided in the request: {sub['referenceId']}")
        refs.append(sub["referenceId"])
        probe = call_from_url(str(sub["method"]), str(sub["url"]), None)
        if probe is not None and operation_of(probe) == "query":
            queries += 1
    if queries > MAX_QUERIES:
        raise SfError(
            "LIMIT_EXCEEDED", f"Limit Exceeded: the composite request can hold at most {MAX_QUERIES} query operations"
        )
    out: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    writes = 0
    try:
        with emu.store.atomic():
            for sub in subs:
                ref = sub["referenceId"]
                try:
                    url = _substitute(str(sub["url"]), results)
                    sub_body = _substitute(sub.get("body"), results)
                except KeyError as missing:
                    out.append(_halted(ref, f"Invalid reference specified. No value for {missing.args[0]} found."))
                    if all_or_none:
                        raise _Rollback from None
                    continue
                sub_call = call_from_url(str(sub["method"]), url, sub_body, sub.get("httpHeaders") or {})
                if sub_call is None or (sub_call.segs[:1] == ["composite"] and len(sub_call.segs) == 1):
                    reply = Reply(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
                else:
                    reply = dispatch(emu, sub_call)
                out.append(
                    {
                        "body": reply.body,
                        "httpHeaders": dict(reply.headers),
                        "httpStatusCode": reply.status,
                        "referenceId": ref,
                    }
                )
                if reply.status < 300:
                    results[ref] = reply.body
                    writes += reply.writes
                elif all_or_none:
                    raise _Rollback
    except _Rollback:
        writes = 0
        failed_at = len(out) - 1
        for i, entry in enumerate(out[:failed_at]):
            out[i] = _halted(entry["referenceId"])
        for sub in subs[len(out) :]:
            out.append(_halted(sub["referenceId"]))
    return Reply(200, {"compositeResponse": out}, writes=writes)
