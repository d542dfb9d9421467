"""The Metadata API's SOAP endpoint (``/services/Soap/m/<version>``): ``deploy`` and ``checkDeployStatus``.

Why: the product deploys its custom fields and objects itself, as ``sf project deploy start``
does: ``deploy(ZipFile, DeployOptions)`` answers an AsyncResult (``id``, ``done`` false, ``state``
Queued), then ``checkDeployStatus(asyncProcessId, includeDetails)`` is polled until ``done``. The
first poll answers InProgress, the next one runs the deploy (``metadata_deploy``) and answers the
final DeployResult, its elements in the WSDL's order. ``deploy`` costs one API call of the daily
allocation; ``checkDeployStatus`` calls do not count against it (as Salesforce documents).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from lxml import etree
from werkzeug.wrappers import Request, Response

from .auth import PARSER
from .metadata_deploy import DeployJob, Deploys, Outcome, run
from .metadata_zip import MD_NS, child_text, local, read_zip

if TYPE_CHECKING:
    from .host import SalesforceHost

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def fault(code: str, message: str) -> Response:
    """A Metadata API fault (``sf`` is the metadata namespace here, not the partner fault one)."""
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soapenv": SOAP_NS, "sf": MD_NS})
    f = etree.SubElement(etree.SubElement(env, f"{{{SOAP_NS}}}Body"), f"{{{SOAP_NS}}}Fault")
    etree.SubElement(f, "faultcode").text = f"sf:{code}"
    etree.SubElement(f, "faultstring").text = f"{code}: {message}"
    return _send(env, 500)


def _send(env: etree._Element, status: int = 200) -> Response:
    body = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
    return Response(body, status=status, content_type="text/xml;charset=UTF-8")


def _envelope(operation: str) -> tuple[etree._Element, etree._Element]:
    env = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soapenv": SOAP_NS, None: MD_NS, "xsi": XSI_NS})
    op = etree.SubElement(etree.SubElement(env, f"{{{SOAP_NS}}}Body"), f"{{{MD_NS}}}{operation}")
    return env, etree.SubElement(op, f"{{{MD_NS}}}result")


def _add(parent: etree._Element, name: str, value: object) -> None:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    etree.SubElement(parent, f"{{{MD_NS}}}{name}").text = text


def _find(root: etree._Element, name: str) -> etree._Element | None:
    return next((el for el in root.iter() if local(el) == name), None)


def _flag(op: etree._Element, name: str, default: bool) -> bool:
    text = child_text(op, name).lower()
    return default if text == "" else text in ("true", "1")


def operation(raw: bytes) -> tuple[str, str]:
    """(operation, session id) of an envelope, for fault matching; ('', '') when unreadable."""
    try:
        root = etree.fromstring(raw, PARSER)
    except etree.XMLSyntaxError:
        return "", ""
    header = _find(root, "SessionHeader")
    body = _find(root, "Body")
    op = next((c for c in body if local(c)), None) if body is not None else None
    return (local(op) if op is not None else ""), (child_text(header, "sessionId") if header is not None else "")


def refused(mode: str) -> Response:
    """An armed fault's answer (nothing applied): the Metadata API's faults for the modes it has."""
    if mode == "invalid_session":
        return fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
    if mode == "rate_limit":
        return fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    text = "An unexpected error occurred. Please include this ErrorId if you contact support."
    return fault("UNKNOWN_EXCEPTION", text)


def handle(emu: SalesforceHost, deploys: Deploys, request: Request) -> Response:
    """One Metadata API envelope (any path under ``/services/Soap/m/<version>``)."""
    try:
        root = etree.fromstring(request.get_data(), PARSER)
    except etree.XMLSyntaxError:
        return fault("INVALID_XML", "the request is not well-formed XML")
    header = _find(root, "SessionHeader")
    token = child_text(header, "sessionId") if header is not None else ""
    if not token or not emu.sessions.touch(token, emu.clock.monotonic_now()):
        return fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
    body = _find(root, "Body")
    op = next((c for c in body if local(c)), None) if body is not None else None
    name = local(op) if op is not None else ""
    with emu.store.lock:
        if name == "deploy" and op is not None:
            return _deploy(emu, deploys, op)
        if name == "checkDeployStatus" and op is not None:
            emu.stats.count("checkDeployStatus")
            return _check(emu, deploys, op)
    return fault("UNKNOWN_EXCEPTION", f"the sandbox does not implement {name or 'this call'}()")


def _deploy(emu: SalesforceHost, deploys: Deploys, op: etree._Element) -> Response:
    if emu.api_usage() >= emu.daily_api_limit:
        return fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    emu.stats.count("deploy", api_calls=1)
    emu.spend_api_call()
    zipped = child_text(op, "ZipFile")
    options = next((c for c in op if local(c) == "DeployOptions"), None)
    if options is None:
        options = etree.Element("DeployOptions")
    try:
        raw = base64.b64decode(zipped, validate=False)
    except (binascii.Error, ValueError):
        raw = b""
    job = deploys.start(
        read_zip(raw),
        check_only=_flag(options, "checkOnly", False),
        rollback=_flag(options, "rollbackOnError", True),
        ignore_warnings=_flag(options, "ignoreWarnings", False),
    )
    env, result = _envelope("deployResponse")
    _add(result, "done", False)
    _add(result, "id", job.id)
    _add(result, "state", "Queued")
    return _send(env)


def _check(emu: SalesforceHost, deploys: Deploys, op: etree._Element) -> Response:
    job = deploys.jobs.get(child_text(op, "asyncProcessId"))
    if job is None:
        return fault("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    job.checks += 1
    if not job.done:
        if job.checks == 1:
            job.status = "InProgress"
        else:
            run(job, emu.schema, deploys)
    env, result = _envelope("checkDeployStatusResponse")
    _result(result, job, _flag(op, "includeDetails", False), emu)
    return _send(env)


def _result(result: etree._Element, job: DeployJob, details: bool, emu: SalesforceHost) -> None:
    """The DeployResult, elements in the WSDL sequence."""
    user = "005000000000001AAA"
    _add(result, "checkOnly", job.check_only)
    if job.done:
        _add(result, "completedDate", job.completed_date)
    _add(result, "createdBy", user)
    _add(result, "createdByName", "Sandbox User")
    _add(result, "createdDate", job.created_date)
    det = etree.SubElement(result, f"{{{MD_NS}}}details")
    if details and job.done:
        for outcome in job.failures:
            _message(det, "componentFailures", outcome, job)
        for outcome in job.outcomes:
            if outcome.success:
                _message(det, "componentSuccesses", outcome, job)
    _add(result, "done", job.done)
    _add(result, "id", job.id)
    _add(result, "ignoreWarnings", job.ignore_warnings)
    _add(result, "lastModifiedDate", job.completed_date or job.created_date)
    _add(result, "numberComponentErrors", len(job.failures))
    _add(result, "numberComponentsDeployed", job.deployed)
    _add(result, "numberComponentsTotal", len(job.package.components) if job.status != "Pending" else 0)
    _add(result, "numberTestErrors", 0)
    _add(result, "numberTestsCompleted", 0)
    _add(result, "numberTestsTotal", 0)
    _add(result, "rollbackOnError", job.rollback_on_error)
    _add(result, "runTestsEnabled", False)
    _add(result, "startDate", job.created_date)
    _add(result, "status", job.status)
    _add(result, "success", job.status == "Succeeded")


def _message(parent: etree._Element, tag: str, outcome: Outcome, job: DeployJob) -> None:
    c = outcome.component
    msg = etree.SubElement(parent, f"{{{MD_NS}}}{tag}")
    _add(msg, "changed", outcome.changed)
    _add(msg, "componentType", c.type)
    _add(msg, "created", outcome.created)
    _add(msg, "createdDate", job.completed_date)
    _add(msg, "deleted", False)
    _add(msg, "fileName", job.package.root + c.file_name)
    _add(msg, "fullName", c.full_name)
    if outcome.id:
        _add(msg, "id", outcome.id)
    if not outcome.success:
        _add(msg, "problem", outcome.problem)
        _add(msg, "problemType", "Error")
    _add(msg, "success", outcome.success)
