"""REST resources under ``/services/data/v{ver}/``: query paging, sObject rows, upsert, describe,
getUpdated/getDeleted and limits.

Handlers take a parsed :class:`Call` and return a :class:`Reply` (status, JSON body, headers) so
that the ``composite`` resources can run the very same code for their subrequests; ``composite``
also owns the top-level :func:`composite.dispatch` that sends ``composite/...`` calls to itself and
every other call here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import ids
from .calls import Call, Reply, data_path, error_reply, render
from .errors import SfError, not_found
from .org import TOMBSTONES
from .schema import SObject
from .values import format_datetime, parse_datetime

if TYPE_CHECKING:
    from .host import SalesforceHost

DEFAULT_BATCH = 2000
AGGREGATE_NO_MORE = "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch"


def _batch_size(call: Call) -> int:
    options = call.headers.get("sforce-query-options", "")
    for part in options.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "batchsize":
            try:
                return max(200, min(DEFAULT_BATCH, int(value)))
            except ValueError:
                break
    return DEFAULT_BATCH


def _page(
    emu: SalesforceHost, call: Call, records: list[dict[str, Any]], total: int, start: int, cid: str | None
) -> Reply:
    size = _batch_size(call)
    chunk = records[start : start + size]
    body: dict[str, Any] = {"totalSize": total, "done": start + size >= len(records)}
    if not body["done"]:
        cid = cid or emu.cursors.open(records, total)
        body["nextRecordsUrl"] = data_path(call.version, "query", f"{cid}-{start + size}")
    body["records"] = chunk
    return Reply(200, body)


def query(emu: SalesforceHost, call: Call, include_deleted: bool) -> Reply:
    from .soql import SoqlError
    from .soql_exec import execute

    text = call.args.get("q")
    if not text:
        raise SfError("MALFORMED_QUERY", "A query string has to be specified")
    try:
        result = execute(
            text,
            emu.schema,
            emu.org,
            include_deleted=include_deleted,
            api_version=call.version,
            now=emu.clock.now(),
        )
    except SoqlError as exc:
        return Reply(400, exc.to_json())
    if result.aggregate and len(result.records) > _batch_size(call):  # no query locator for groups
        return Reply(400, [{"message": AGGREGATE_NO_MORE, "errorCode": "EXCEEDED_ID_LIMIT"}])
    return _page(emu, call, list(result.records), result.total_size, 0, None)


def query_more(emu: SalesforceHost, call: Call, locator: str) -> Reply:
    cid, _, offset = locator.partition("-")
    entry = emu.cursors.get(cid)
    if entry is None or not offset.isdigit() or int(offset) > len(entry[0]):
        raise SfError("INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(emu, call, entry[0], entry[1], int(offset), cid)


# ---------------------------------------------------------------- sObjects
def _json_body(call: Call) -> Any:
    if call.body_error:
        raise SfError("JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON value at [line:1, column:1]")
    if call.body is None:
        raise SfError("JSON_PARSER_ERROR", "The request body is empty")
    return call.body


def create(emu: SalesforceHost, call: Call, obj: SObject) -> Reply:
    new_id = emu.org.create(obj.name, _json_body(call))
    headers = {"Location": data_path(call.version, "sobjects", obj.name, new_id)}
    return Reply(201, {"id": new_id, "success": True, "errors": []}, headers, writes=1)


def get_row(emu: SalesforceHost, call: Call, obj: SObject, rec: dict[str, Any]) -> Reply:
    wanted = call.args.get("fields")
    names = None
    if wanted:
        names = []
        for name in (n.strip() for n in wanted.split(",") if n.strip()):
            f = obj.field(name)
            if f is None:
                raise SfError(
                    "INVALID_FIELD",
                    f"No such column '{name}' on entity '{obj.name}'. If you are attempting "
                    "to use a custom field, be sure to append the '__c' after the custom field name. "
                    "Please reference your WSDL or the describe call for the appropriate names.",
                )
            names.append(f.name)
    return Reply(200, render(obj, rec, call.version, names))


def row(emu: SalesforceHost, call: Call, obj: SObject, record_id: str) -> Reply:
    if call.method == "GET":
        return get_row(emu, call, obj, emu.org.live(obj, record_id))
    if call.method == "PATCH":
        emu.org.update(obj.name, emu.org.live(obj, record_id)["Id"], _json_body(call))
        return Reply(204, writes=1)
    if call.method == "DELETE":
        emu.org.delete(obj.name, emu.org.live(obj, record_id)["Id"])
        return Reply(204, writes=1)
    raise _method_not_allowed(call)


def _method_not_allowed(call: Call) -> SfError:
    return SfError(
        "METHOD_NOT_ALLOWED", f"HTTP Method '{call.method}' not allowed. Allowed are GET,PATCH,DELETE", status=405
    )


def by_external_id(emu: SalesforceHost, call: Call, obj: SObject, field_name: str, value: str) -> Reply:
    f = obj.field(field_name)
    if f is None or not (f.external_id or f.name == "Id"):
        raise not_found(f"Provided external ID field does not exist or is not accessible: {field_name}")
    if f.name == "Id":
        if call.method == "PATCH" and ids.normalize(value) is None:
            raise SfError("MALFORMED_ID", f"Record ID: id value of incorrect type: {value}", ["Id"])
        matches = [k for k in [ids.normalize(value)] if k and emu.org.store.get(obj.name, k)]
    else:
        matches = emu.org.find_external(obj, f, value)
    if len(matches) > 1:
        urls = [data_path(call.version, "sobjects", obj.name, k) for k in matches]
        return Reply(300, urls)
    if call.method == "GET":
        if not matches:
            raise not_found()
        return get_row(emu, call, obj, emu.org.live(obj, matches[0]))
    if call.method == "DELETE":
        if not matches:
            raise not_found()
        emu.org.delete(obj.name, matches[0])
        return Reply(204, writes=1)
    if call.method not in ("PATCH", "POST"):
        raise _method_not_allowed(call)
    body = _json_body(call)
    if isinstance(body, dict):
        body = dict(body)
        for key in list(body):
            if key.lower() == f.name.lower():
                given = body.pop(key)
                if given != value:
                    raise SfError(
                        "INVALID_FIELD",
                        f"The external ID field {f.name} in the request body does not match the value in the URL",
                        [f.name],
                    )
    if matches:
        emu.org.update(obj.name, matches[0], body)
        if float(call.version) < 46.0:
            return Reply(204, writes=1)
        return Reply(200, {"id": matches[0], "success": True, "errors": [], "created": False}, writes=1)
    if call.args.get("updateOnly", "").lower() == "true":
        raise not_found()
    if f.name == "Id":
        raise not_found()
    new_id = emu.org.create(obj.name, dict(body, **{f.name: value}) if isinstance(body, dict) else body)
    headers = {"Location": data_path(call.version, "sobjects", obj.name, new_id)}
    return Reply(201, {"id": new_id, "success": True, "errors": [], "created": True}, headers, writes=1)


# ----------------------------------------------------- updated / deleted
def _window(emu: SalesforceHost, call: Call, days: int) -> tuple[Any, Any]:
    start_text, end_text = call.args.get("start"), call.args.get("end")
    if not start_text or not end_text:
        raise SfError("MALFORMED_QUERY", "Both start and end parameters are required")
    start, end = parse_datetime(start_text), parse_datetime(end_text)
    if start is None or end is None:
        bad = start_text if start is None else end_text
        raise SfError("MALFORMED_QUERY", f"Unable to parse date/time value: {bad}")
    start = start.replace(second=0, microsecond=0)
    end = end.replace(second=0, microsecond=0)
    now = emu.clock.now()
    if end <= start:
        raise SfError(
            "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate by more than one minute"
        )
    if start < now - timedelta(days=days):
        raise SfError("INVALID_REPLICATION_DATE", f"startDate can not be more than {days} days ago")
    latest = min(end, now.replace(second=0, microsecond=0))
    return start, latest


def updated(emu: SalesforceHost, call: Call, obj: SObject) -> Reply:
    start, latest = _window(emu, call, 30)
    lo, hi = format_datetime(start), format_datetime(latest)
    found = [
        rec["Id"]
        for rec in emu.org.store.rows(obj.name).values()
        if not rec.get("IsDeleted") and lo <= rec["SystemModstamp"] < hi
    ]
    return Reply(200, {"ids": found, "latestDateCovered": hi})


def deleted(emu: SalesforceHost, call: Call, obj: SObject) -> Reply:
    start, latest = _window(emu, call, 15)
    lo, hi = format_datetime(start), format_datetime(latest)
    tombs = [t for t in emu.org.store.rows(TOMBSTONES).values() if t["sobject"] == obj.name]
    found = [{"id": t["id"], "deletedDate": t["deletedDate"]} for t in tombs if lo <= t["deletedDate"] < hi]
    earliest = min((t["deletedDate"] for t in tombs), default=lo)
    earliest = earliest[:17] + "00.000+0000"
    return Reply(200, {"deletedRecords": found, "earliestDateAvailable": earliest, "latestDateCovered": hi})


# ------------------------------------------------------------- describes
def describe_global(emu: SalesforceHost, call: Call) -> Reply:
    objs = [emu.schema.global_entry(o, call.version) for o in emu.schema.objects.values()]
    return Reply(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objs})


def sobject_info(emu: SalesforceHost, call: Call, obj: SObject) -> Reply:
    if call.method == "POST":
        return create(emu, call, obj)
    if call.method != "GET":
        raise SfError(
            "METHOD_NOT_ALLOWED", f"HTTP Method '{call.method}' not allowed. Allowed are GET,POST", status=405
        )
    live = [r for r in emu.org.store.rows(obj.name).values() if not r.get("IsDeleted")]
    recent = sorted(live, key=lambda r: r["LastModifiedDate"], reverse=True)[:10]
    items = []
    for r in recent:
        item = {"attributes": render(obj, r, call.version, [])["attributes"], "Id": r["Id"]}
        if "Name" in obj.fields:
            item["Name"] = r.get("Name")
        items.append(item)
    return Reply(200, {"objectDescribe": emu.schema.global_entry(obj, call.version), "recentItems": items})


def resources(call: Call) -> Reply:
    names = [
        "tooling",
        "metadata",
        "eclair",
        "folders",
        "prechatForms",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "commerce",
        "wave",
        "analytics",
        "search",
        "identity",
        "composite",
        "parameterizedSearch",
        "fingerprint",
        "theme",
        "nouns",
        "recent",
        "licensing",
        "limits",
        "async-queries",
        "query",
        "jobs",
        "sobjects",
        "actions",
        "support",
        "process",
    ]
    body = {n: data_path(call.version, n) for n in names}
    body["identity"] = "/id/00D5e000000SBXAEA4/0055e000001SBXAAA4"
    return Reply(200, body)


LIMIT_MAXES = {
    "ConcurrentAsyncGetReportInstances": 200,
    "ConcurrentSyncReportRuns": 20,
    "DailyApiRequests": None,
    "DailyAsyncApexExecutions": 250000,
    "DailyBulkApiBatches": 15000,
    "DailyBulkV2QueryFileStorageMB": 976562,
    "DailyBulkV2QueryJobs": 10000,
    "DailyDurableGenericStreamingApiEvents": 10000,
    "DailyDurableStreamingApiEvents": 10000,
    "DailyGenericStreamingApiEvents": 10000,
    "DailyStandardVolumePlatformEvents": 10000,
    "DailyStreamingApiEvents": 10000,
    "DailyWorkflowEmails": 405,
    "DataStorageMB": 5,
    "DurableStreamingApiConcurrentClients": 20,
    "FileStorageMB": 20,
    "HourlyAsyncReportRuns": 1200,
    "HourlyDashboardRefreshes": 200,
    "HourlyDashboardResults": 5000,
    "HourlyDashboardStatuses": 999999999,
    "HourlyODataCallout": 10000,
    "HourlyPublishedPlatformEvents": 50000,
    "HourlyPublishedStandardVolumePlatformEvents": 1000,
    "HourlySyncReportRuns": 500,
    "HourlyTimeBasedWorkflow": 50,
    "MassEmail": 10,
    "SingleEmail": 15,
    "StreamingApiConcurrentClients": 20,
}


def limits(emu: SalesforceHost, call: Call) -> Reply:
    used = emu.api_usage()
    body: dict[str, Any] = {}
    for name, maximum in LIMIT_MAXES.items():
        if maximum is None:
            body[name] = {"Max": emu.daily_api_limit, "Remaining": max(0, emu.daily_api_limit - used)}
        else:
            body[name] = {"Max": maximum, "Remaining": maximum}
    return Reply(200, body)


# ---------------------------------------------------------------- routing
def dispatch(emu: SalesforceHost, call: Call) -> Reply:
    """Run one REST call to any resource but ``composite`` (the caller holds ``store.lock``); SfError becomes
    its error reply. ``composite.dispatch`` is the entry for every call."""
    try:
        return _route(emu, call)
    except SfError as err:
        return error_reply(err)


def _route(emu: SalesforceHost, call: Call) -> Reply:
    s, m = call.segs, call.method
    if not s:
        return resources(call)
    head = s[0]
    if head in ("query", "queryAll") and m == "GET":
        if len(s) == 1:
            return query(emu, call, include_deleted=head == "queryAll")
        if len(s) == 2:
            return query_more(emu, call, s[1])
    elif head == "limits" and len(s) == 1 and m == "GET":
        return limits(emu, call)
    elif head == "sobjects":
        if len(s) == 1 and m == "GET":
            return describe_global(emu, call)
        if len(s) >= 2:
            obj = emu.schema.get(s[1])
            if obj is None:
                raise not_found()
            if len(s) == 2:
                return sobject_info(emu, call, obj)
            if len(s) == 3 and s[2] == "describe" and m == "GET":
                if obj.name in emu.schema.omitted:
                    raise not_found()
                return Reply(200, emu.schema.describe(obj, call.version, emu.instance_url))
            if len(s) == 3 and s[2] == "updated" and m == "GET":
                return updated(emu, call, obj)
            if len(s) == 3 and s[2] == "deleted" and m == "GET":
                return deleted(emu, call, obj)
            if len(s) == 3:
                return row(emu, call, obj, s[2])
            if len(s) == 4:
                return by_external_id(emu, call, obj, s[2], s[3])
    raise not_found()
