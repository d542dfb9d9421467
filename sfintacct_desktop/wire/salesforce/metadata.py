"""Metadata API deploy over the client's session: ``deploy`` then ``checkDeployStatus`` until done.

Why not ``Salesforce.deploy`` of simple-salesforce: it builds a zeep client from its bundled WSDL
on first use, parses the answers with the standard library's unhardened parser and drops the
per-component successes. We send simple-salesforce's own envelopes (``messages.DEPLOY_MSG`` and
``CHECK_DEPLOY_STATUS_MSG``) to the same endpoint (``/services/Soap/m/<version>/``) and read the
answers with the hardened parser into typed results. ``deploy`` costs one API call of the org's
daily allocation; Salesforce does not count ``checkDeployStatus`` calls.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

import requests
from lxml import etree
from simple_salesforce.messages import CHECK_DEPLOY_STATUS_MSG, DEPLOY_MSG

from ..transport import TransportError, no_answer
from ..xml_safe import parse_untrusted
from .errors import SalesforceApiError, SalesforceAuthError, SalesforceBudgetError

MD_NS = "http://soap.sforce.com/2006/04/metadata"
CLIENT_NAME = "sfintacct-desktop"
POLL_ATTEMPTS = 3
DONE_STATES = frozenset({"Succeeded", "SucceededPartial", "Failed", "Canceled"})


@dataclass(frozen=True)
class ComponentResult:
    """One DeployMessage: a component deployed (or checked), or refused with Salesforce's problem."""

    component_type: str
    full_name: str
    file_name: str
    success: bool
    created: bool
    changed: bool
    problem: str = ""
    problem_type: str = ""


@dataclass(frozen=True)
class DeployResult:
    """The DeployResult of ``checkDeployStatus`` with its details."""

    id: str
    done: bool
    status: str
    success: bool
    check_only: bool
    rollback_on_error: bool
    deployed: int
    total: int
    errors: int
    error_message: str = ""
    successes: list[ComponentResult] = field(default_factory=list)
    failures: list[ComponentResult] = field(default_factory=list)


def _text(el: etree._Element, name: str) -> str:
    return (el.findtext(f"{{{MD_NS}}}{name}") or "").strip()


def _bool(el: etree._Element, name: str) -> bool:
    return _text(el, name).lower() == "true"


def _int(el: etree._Element, name: str) -> int:
    try:
        return int(_text(el, name) or 0)
    except ValueError:
        return 0


def _message(el: etree._Element) -> ComponentResult:
    return ComponentResult(
        component_type=_text(el, "componentType"),
        full_name=_text(el, "fullName"),
        file_name=_text(el, "fileName"),
        success=_bool(el, "success"),
        created=_bool(el, "created"),
        changed=_bool(el, "changed"),
        problem=_text(el, "problem"),
        problem_type=_text(el, "problemType"),
    )


def parse_deploy_result(result: etree._Element) -> DeployResult:
    details = result.find(f"{{{MD_NS}}}details")
    found = list(details) if details is not None else []
    return DeployResult(
        id=_text(result, "id"),
        done=_bool(result, "done"),
        status=_text(result, "status"),
        success=_bool(result, "success"),
        check_only=_bool(result, "checkOnly"),
        rollback_on_error=_bool(result, "rollbackOnError"),
        deployed=_int(result, "numberComponentsDeployed"),
        total=_int(result, "numberComponentsTotal"),
        errors=_int(result, "numberComponentErrors"),
        error_message=_text(result, "errorMessage"),
        successes=[_message(e) for e in found if e.tag == f"{{{MD_NS}}}componentSuccesses"],
        failures=[_message(e) for e in found if e.tag == f"{{{MD_NS}}}componentFailures"],
    )


class MetadataDeployer:
    """Deploys one zip through a logged-in session. ``calls``: Metadata API requests sent."""

    def __init__(
        self,
        session: requests.Session,
        metadata_url: str,
        session_id: Callable[[], str],
        relogin: Callable[[], None],
        timeout: float | tuple[float, float],
    ) -> None:
        self._session = session
        self._url = metadata_url if metadata_url.endswith("/") else metadata_url + "/"
        self._session_id = session_id
        self._relogin = relogin
        self._timeout = timeout
        self.calls = 0  # every request sent (deploy and each poll)
        self.api_calls = 0  # those Salesforce counts against the daily allocation (deploy only)

    def _post(self, path: str, action: str, build: Callable[[str], str]) -> etree._Element:
        """POST an envelope; one re-login on INVALID_SESSION_ID (the fault proves nothing was done)."""
        for attempt in (0, 1):
            self.calls += 1
            try:
                answer = self._session.post(
                    self._url + path,
                    data=build(escape(self._session_id())).encode("utf-8"),
                    headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": action},
                    timeout=self._timeout,
                )
            except requests.RequestException as exc:
                raise TransportError(f"the Metadata API did not answer: {no_answer(exc)}") from None
            root = parse_untrusted(answer.content, "the Metadata API's answer")
            fault = root.find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
            if fault is None:
                return root
            code = (fault.findtext("faultcode") or "").split(":")[-1]
            text = (fault.findtext("faultstring") or "").strip()
            if code == "INVALID_SESSION_ID" and attempt == 0:
                self._relogin()
                continue
            if code == "INVALID_SESSION_ID":
                raise SalesforceAuthError(f"Salesforce refused the session for {action}: {text}", code=code)
            if code == "REQUEST_LIMIT_EXCEEDED":
                raise SalesforceBudgetError(f"Salesforce API allocation spent ({action}): {text}", code=code)
            raise SalesforceApiError(f"{action} refused: {text}", code=code, status=answer.status_code)
        raise AssertionError("unreachable")

    def start(self, zipped: bytes, *, check_only: bool, rollback_on_error: bool = True) -> str:
        """``deploy()``: the async process id."""
        encoded = base64.b64encode(zipped).decode("ascii")

        def build(sid: str) -> str:
            return DEPLOY_MSG.format(
                client=CLIENT_NAME, sessionId=sid, ZipFile=encoded, allowMissingFiles="false",
                autoUpdatePackage="false", checkOnly=str(check_only).lower(), ignoreWarnings="false",
                performRetrieve="false", purgeOnDelete="false", rollbackOnError=str(rollback_on_error).lower(),
                singlePackage="true", testLevel="<met:testLevel>NoTestRun</met:testLevel>", tests="",
            )  # fmt: skip

        root = self._post("deployRequest", "deploy", build)
        self.api_calls += 1
        async_id = root.findtext(f".//{{{MD_NS}}}deployResponse/{{{MD_NS}}}result/{{{MD_NS}}}id") or ""
        if not async_id:
            raise SalesforceApiError("deploy() answered without an id", code="BAD_ANSWER")
        return async_id.strip()

    def status(self, async_id: str) -> DeployResult:
        """``checkDeployStatus(id, includeDetails=true)``."""

        def build(sid: str) -> str:
            return CHECK_DEPLOY_STATUS_MSG.format(
                client=CLIENT_NAME, sessionId=sid, asyncProcessId=escape(async_id), includeDetails="true"
            )

        for attempt in range(POLL_ATTEMPTS):  # a poll changes nothing: safe to send again
            try:
                root = self._post(f"deployRequest/{async_id}", "checkDeployStatus", build)
                break
            except (TransportError, SalesforceApiError) as exc:
                lasting = isinstance(exc, SalesforceApiError) and exc.code != "UNKNOWN_EXCEPTION"
                if attempt + 1 == POLL_ATTEMPTS or lasting:
                    raise
                time.sleep(0.5 * (attempt + 1))
        result = root.find(f".//{{{MD_NS}}}checkDeployStatusResponse/{{{MD_NS}}}result")
        if result is None:
            raise SalesforceApiError("checkDeployStatus() answered without a result", code="BAD_ANSWER")
        return parse_deploy_result(result)

    def deploy(
        self,
        zipped: bytes,
        *,
        check_only: bool,
        poll_seconds: float = 2.0,
        max_wait: float = 1800.0,
        progress: Callable[[DeployResult], None] | None = None,
    ) -> DeployResult:
        """Start a deploy and poll until it is done (at most ``max_wait`` seconds)."""
        async_id = self.start(zipped, check_only=check_only)
        waited = 0.0
        delay = min(0.2, poll_seconds)
        while True:
            result = self.status(async_id)
            if progress is not None:
                progress(result)
            if result.done or result.status in DONE_STATES:
                return result
            if waited >= max_wait:
                raise SalesforceApiError(
                    f"the deploy {async_id} was still {result.status} after {int(max_wait)} seconds",
                    code="DEPLOY_TIMEOUT",
                )
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, poll_seconds)
