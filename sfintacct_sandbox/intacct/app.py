"""The Intacct XML gateway emulator: ``POST /ia/xml/xmlgw.phtml`` over loopback.

Why this layer: it owns the transport behaviour a client must survive (GW-0011 as HTTP 400 for a
body that is not a request, GW-0010 as 429, XML bodies on every status, the injected faults) and
keeps the store lock for the whole of one request so that requests apply one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from ..clock import Clock
from ..faults import Fault
from ..httpserver import DropConnection, Emulator, json_response
from ..latency import UNITS_KEY, Latency
from .envelope import (
    CONTENT_TYPE,
    ControlError,
    GatewayError,
    ParsedRequest,
    control_block,
    control_failure,
    error_message,
    fn_name,
    gateway_error,
    parse_request,
    serialize,
    sub,
)
from .errors import ErrorItem
from .gateway import auth_failure, process
from .hostile import cloudflare_524, entity_bomb_body, xxe_body
from .model import Company
from .reads import Cursors
from .refusals import KINDS as REFUSAL_KINDS
from .seedload import load_seed
from .sessions import SessionManager

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
RATE_LIMITED = ErrorItem("GW-0010", "API rate limit exceeded", "", "Too Many Requests")
OFFLINE = ErrorItem("XL03000001", "The Service is Temporarily Off-line", "Please Try Again Later")
DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024


class IntacctEmulator(Emulator):
    """Sage Intacct Web Services (XML, dtdversion 3.0) for one company, with the order-to-cash model."""

    name = "intacct"

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        clock: Clock | None = None,
        session_timeout_seconds: float = 3600 * 12,
        company_timezone: str = "America/Los_Angeles",
        sotransaction_key: str = "docid",
        duplicate_controlid_errorno: str = "XL03000013",
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        omit_fields: Iterable[str] = (),
        audit_object_key: str = "recordno",
        audit_time_zone: str = "company",
        refuse_reads: Mapping[str, str] | None = None,
        audit_untracked: Iterable[str] = (),
        latency: Latency | None = None,
    ) -> None:
        super().__init__(data_dir, clock=clock, latency=latency)
        # "OBJECT.FIELD": left out of inspect, to emulate a company without our custom fields.
        self.omit_fields = frozenset(f.upper() for f in omit_fields)
        if sotransaction_key not in ("docid", "recordno"):
            raise ValueError("sotransaction_key is 'docid' or 'recordno'")
        self.company = Company(self.store, self.clock, company_timezone)
        if audit_object_key not in ("recordno", "id"):
            raise ValueError("audit_object_key is 'recordno' or 'id'")
        if audit_time_zone not in ("company", "gmt"):
            raise ValueError("audit_time_zone is 'company' or 'gmt'")
        self.company.audit_object_key = audit_object_key
        self.company.audit_time_zone = audit_time_zone
        self.company.audit_untracked = {t.lower() for t in audit_untracked}
        # Reads the company refuses (see refusals.py); a dict tests may change while serving.
        self.refuse_reads: dict[str, str] = dict(refuse_reads or {})
        for target, kind in self.refuse_reads.items():
            if kind not in REFUSAL_KINDS:
                raise ValueError(f"refuse_reads[{target!r}] is one of {REFUSAL_KINDS}")
        self.sessions = SessionManager(self.clock, session_timeout_seconds, self.company.tz)
        self.cursors = Cursors()
        self.sotransaction_key = sotransaction_key
        self.duplicate_controlid_errorno = duplicate_controlid_errorno
        self.max_request_bytes = max_request_bytes

    # ------------------------------------------------------------------ seeds
    def load_seed(self, seed: str) -> None:
        self.cursors.clear()
        load_seed(self.company, seed)

    # ------------------------------------------------------------------- HTTP
    def handle(self, request: Request) -> Response:
        if request.path != GATEWAY_PATH or request.method != "POST":
            body = gateway_error("GW-0404", "Not Found", f"No such endpoint: {request.method} {request.path}")
            return _xml(body, 404)
        raw = self._read_body(request)
        if raw is None:
            return _xml(gateway_error("GW-0011", "Invalid Request", "Invalid Request: the request is too large"), 400)
        parsed: ParsedRequest | None = None
        early: Response | None = None
        try:
            parsed = parse_request(raw)
        except GatewayError:
            early = _xml(gateway_error("GW-0011", "Invalid Request", "Invalid Request"), 400)
        except ControlError as exc:
            early = _xml(control_failure(exc.control, exc.errors))
        names = parsed.function_names() if parsed else []
        request.environ[UNITS_KEY] = len(names)  # the latency model's server time per function
        fault = self.faults.take(*names)
        if fault is not None:
            refused = self._refuse(fault, parsed)
            if refused is not None:
                return refused
        response = early or self._apply(parsed, request)  # type: ignore[arg-type]
        if fault is None:
            return response
        if fault.mode == "drop_after_apply":
            raise DropConnection()
        if fault.mode == "http_524":
            return Response(
                cloudflare_524(), status=524, content_type="text/html; charset=UTF-8", headers={"Server": "cloudflare"}
            )
        if fault.mode == "timeout":
            self.gate.sleep(max(fault.delay_seconds, 0.0))
        if fault.mode == "no_result":
            return _xml(_without_results(response.get_data()))
        return response

    def _read_body(self, request: Request) -> bytes | None:
        length = request.content_length
        if length is not None and length > self.max_request_bytes:
            return None
        raw = request.stream.read(self.max_request_bytes + 1)
        if len(raw) > self.max_request_bytes:
            return None
        if (request.mimetype or "") == "application/x-www-form-urlencoded":
            # The old PHP toolkit posted the XML as a form field.
            form = parse_qs(raw.decode("utf-8", "replace"))
            raw = (form.get("xmlrequest") or [""])[0].encode("utf-8")
        return raw

    def admin_extra(self, action: str, method: str, body: dict[str, Any]) -> Response | None:
        """``/__sandbox__/audit``: how the company writes its audit trail (``GET`` reads it).

        ``untracked``: object types (``customer``, ``arpymt``...) whose changes leave no AUDITHISTORY
        row, as on a company whose audit trail does not cover them; ``object_key`` and ``time_zone``
        as the constructor options. Rows already written stay.
        """
        if action != "audit":
            return None
        company = self.company
        if method == "POST":
            if "untracked" in body:
                company.audit_untracked = {str(t).lower() for t in body["untracked"] or []}
            if "object_key" in body:
                if body["object_key"] not in ("recordno", "id"):
                    raise ValueError("object_key is 'recordno' or 'id'")
                company.audit_object_key = str(body["object_key"])
            if "time_zone" in body:
                if body["time_zone"] not in ("company", "gmt"):
                    raise ValueError("time_zone is 'company' or 'gmt'")
                company.audit_time_zone = str(body["time_zone"])
        return json_response(
            {
                "untracked": sorted(company.audit_untracked),
                "object_key": company.audit_object_key,
                "time_zone": company.audit_time_zone,
            }
        )

    def _apply(self, parsed: ParsedRequest, request: Request) -> Response:
        endpoint = request.host_url.rstrip("/") + GATEWAY_PATH
        with self.store.lock:
            try:
                root = process(self, parsed, endpoint)
            except ControlError as exc:
                return _xml(control_failure(exc.control, exc.errors))
        return _xml(serialize(root, parsed.pretty))

    def _refuse(self, fault: Fault, parsed: ParsedRequest | None) -> Response | None:
        """Faults that answer instead of applying; None for those that apply first."""
        control = parsed.control if parsed else {}
        if fault.mode == "http_500":
            err = ErrorItem("XL03000001", "The Service is Temporarily Off-line", "Please Try Again Later")
            from lxml import etree

            root = etree.Element("response")
            sub(sub(root, "control"), "status", "failure")
            error_message(root, [err])
            return _xml(serialize(root), 500)
        if fault.mode == "rate_limit":
            return _xml(gateway_error("GW-0010", "Too Many Requests", "API rate limit exceeded"), 429)
        if fault.mode == "invalid_session":
            from lxml import etree

            sid = None
            if parsed is not None:
                for op in parsed.operations:
                    sid = op.auth.sessionid or sid
            self.sessions.invalidate(sid)
            root = etree.Element("response")
            control_block(root, control, "success")
            auth_failure(sub(root, "operation"), "", "", f"Invalid session {(sid or '')[:8]}....")
            return _xml(serialize(root))
        if fault.mode == "rate_limit_in_body":
            # HTTP 200 whose control block failed with the rate-limit text (fylein/sageintacct-sdk-py
            # looks for "API rate limit exceeded" anywhere in a 200 body).
            return _xml(control_failure(control, [RATE_LIMITED]))
        if fault.mode == "offline_in_body" and parsed is not None:
            return _xml(self._offline_body(parsed))
        if fault.mode == "xxe":
            return _xml(xxe_body(control))
        if fault.mode == "entity_bomb":
            return _xml(entity_bomb_body(control))
        return None


    def _offline_body(self, parsed: ParsedRequest) -> bytes:
        """HTTP 200, control and sign-in fine, every function failed "Temporarily Off-line"; nothing applied.

        The function-level wording is what fylein/sageintacct-sdk-py matches in a result's
        description2 (its "downtime" handling); the errorno is not public (this one is ours).
        """
        from lxml import etree

        root = etree.Element("response")
        control_block(root, parsed.control, "success")
        for op in parsed.operations:
            op_el = sub(root, "operation")
            auth = sub(op_el, "authentication")
            sub(auth, "status", "success")
            login = op.auth.login or {}
            sub(auth, "userid", login.get("userid", ""))
            sub(auth, "companyid", login.get("companyid", ""))
            for fn in op.functions:
                res = sub(op_el, "result")
                sub(res, "status", "failure")
                sub(res, "function", fn_name(fn))
                sub(res, "controlid", fn.get("controlid", ""))
                error_message(res, [OFFLINE])
        return serialize(root)


def _without_results(body: bytes) -> bytes:
    """An applied request's answer with every ``<result>`` dropped (control and sign-in kept)."""
    from lxml import etree

    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    for res in root.iter("result"):
        res.getparent().remove(res)
    return serialize(root)


def _xml(body: bytes, status: int = 200, **headers: Any) -> Response:
    return Response(body, status=status, content_type=CONTENT_TYPE, headers=headers or None)
