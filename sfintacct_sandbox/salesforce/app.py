"""The Salesforce emulator: routing, sessions, API allocation, faults and stats.

Clients reach it over plain HTTP on loopback (simple-salesforce through an https->http adapter).
Endpoints: SOAP partner login, the OAuth2 endpoints (authorize with its login and consent pages,
token, revoke, userinfo), the Metadata API's deploy and checkDeployStatus under ``/services/Soap/m/``
and the REST API under ``/services/data/``; the wire behaviour of each is in ``metadata_soap.py``,
``auth.py``, ``oauth_web.py``, ``rest.py`` and ``composite.py``, the record model in ``org.py``
and ``rules.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from lxml import etree
from werkzeug.wrappers import Request, Response

from .. import credentials as cred
from ..clock import Clock
from ..httpserver import DropConnection, Emulator, json_response
from ..latency import UNITS_KEY, Latency
from . import auth, composite, metadata_soap, oauth_web, soap
from .calls import (
    MAX_VERSION,
    Call,
    QueryCursors,
    Reply,
    operation_of,
    split_data_path,
    version_ok,
    version_retired,
)
from .metadata_deploy import Deploys
from .oauth_apps import OAuthGrants
from .org import Org
from .schema import Schema
from .seedload import load_seed
from .sessions import Sessions

USAGE_META = "api_usage"  # {minute-epoch: calls}, a rolling 24 h window on the emulator clock
REFUSING = frozenset({"http_500", "rate_limit", "invalid_session", "http_524", "xxe", "entity_bomb"})
SESSION_ERROR = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_ERROR = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
SERVER_ERROR = [
    {
        "message": "An unexpected error occurred. Please include this ErrorId if you contact support: "
        "1234567890-12345 (-1234567890)",
        "errorCode": "UNKNOWN_EXCEPTION",
    }
]
NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
GONE = [{"errorCode": "GONE", "message": "The requested version has been retired and is no longer available"}]


def _release_label(version: int) -> str:
    idx = version - 20
    return f"{('Winter', 'Spring', 'Summer')[idx % 3]} '{11 + (idx + 2) // 3:02d}"


class SalesforceEmulator(Emulator):
    """A Salesforce org on loopback, faithful to the REST/SOAP wire formats simple-salesforce uses."""

    name = "salesforce"

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        clock: Clock | None = None,
        session_idle_seconds: float = 7200.0,
        daily_api_limit: int = 15000,
        omit_fields: Iterable[str] = (),
        soap_login_enabled: bool = True,
        latency: Latency | None = None,
        currencies: Iterable[str] = (),
    ) -> None:
        super().__init__(data_dir, clock=clock, latency=latency)
        self.schema = Schema()
        # Active currencies of a multi-currency org (the first is the corporate one); none: single currency.
        self.currencies = tuple(currencies)
        if self.currencies:
            self.schema.enable_currencies(self.currencies)
        # "Object.Field" or "Object": left out of describe, to emulate an org without our metadata.
        self.schema.omitted = frozenset(omit_fields)
        self._omitted_at_start = self.schema.omitted
        self.deploys = Deploys(self.clock)  # Metadata API deploy requests; a deploy can make omitted fields visible
        self.org = Org(self.store, self.clock, self.schema, cred.SF_USER_ID)
        self.sessions = Sessions(session_idle_seconds)
        self.oauth = OAuthGrants(self.store)
        # The org setting that a new org has off; the sandbox org allows the legacy logins (switch: admin API).
        self.soap_login_enabled = bool(soap_login_enabled)
        self.daily_api_limit = int(daily_api_limit)
        self.cursors = QueryCursors()
        self._jwt_pem = auth.load_or_create_key(self.data_dir)
        self.last_host = "127.0.0.1"
        self.instance_url = "http://127.0.0.1"

    # ------------------------------------------------------------ public API
    def jwt_private_key_pem(self) -> str:
        """The private key whose assertions the JWT bearer flow accepts (public sandbox secret)."""
        return self._jwt_pem.decode()

    def jwt_public_key(self) -> Any:
        return serialization.load_pem_private_key(self._jwt_pem, password=None).public_key()

    def load_seed(self, seed: str) -> None:
        load_seed(self.org, seed)

    def reset(self, seed: str = "demo") -> None:
        super().reset(seed)
        self.cursors.clear()
        self.schema.omitted = self._omitted_at_start
        self.deploys = Deploys(self.clock)

    def base_url(self, request: Request) -> str:
        self.last_host = request.host
        return f"http://{request.host}"

    # -------------------------------------------------------- API allocation
    def api_usage(self) -> int:
        now_min = int(self.clock.monotonic_now() // 60)
        buckets = self.store.meta(USAGE_META, {}) or {}
        return sum(n for m, n in buckets.items() if now_min - int(m) < 1440)

    def spend_api_call(self) -> None:
        now_min = int(self.clock.monotonic_now() // 60)
        buckets = self.store.meta(USAGE_META, {}) or {}
        kept = {m: n for m, n in buckets.items() if now_min - int(m) < 1440}
        kept[str(now_min)] = kept.get(str(now_min), 0) + 1
        self.store.set_meta(USAGE_META, kept)

    def _limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_usage()}/{self.daily_api_limit}"}

    # --------------------------------------------------------------- routing
    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/services/Soap/u/") and request.method == "POST":
            version = path.split("/")[4]
            retired = auth.retired_version_fault(version)
            if retired is not None:
                return retired
            return soap.handle_soap(
                self, request, version, lambda: self._login(request, lambda: auth.soap_login(self, request, version))
            )
        if path.startswith("/services/Soap/m/") and request.method == "POST":
            retired = auth.retired_version_fault(path.split("/")[4])
            if retired is not None:
                return retired
            return self._metadata(request)
        route = path.rstrip("/")
        if route == "/services/oauth2/token" and request.method == "POST":
            return self._login(request, lambda: auth.oauth_token(self, request))
        page = self._oauth_page(request, route)
        if page is not None:
            return page
        if route == "/services/data" and request.method == "GET":
            return json_response(
                [
                    {"version": f"{v}.0", "url": f"/services/data/v{v}.0", "label": _release_label(v)}
                    for v in range(int(auth.OLDEST_VERSION), int(MAX_VERSION) + 1)
                ]
            )
        if path.startswith("/services/data/"):
            return self._rest(request)
        return json_response(NOT_FOUND, 404)

    def _metadata(self, request: Request) -> Response:
        """The Metadata API, with the armed faults of ``deploy`` / ``checkDeployStatus`` (nothing applied)."""
        name, token = metadata_soap.operation(request.get_data())
        fault = self.faults.take(name) if name else None
        if fault is not None and fault.mode in REFUSING:
            self.stats.count(name)
            if fault.mode == "invalid_session":
                self.sessions.invalidate(token)
            return metadata_soap.refused(fault.mode)
        return metadata_soap.handle(self, self.deploys, request)

    def _oauth_page(self, request: Request, route: str) -> Response | None:
        """The browser pages and the small OAuth endpoints (None: not one of them)."""
        method = request.method
        if route == "/services/oauth2/authorize" and method == "GET":
            self.stats.count("authorize")
            return oauth_web.authorize(self, request)
        if route == "" and method in ("GET", "POST"):
            return oauth_web.login_page(self, request)
        if route == oauth_web.AUTHORIZE_PAGE and method in ("GET", "POST"):
            return oauth_web.consent_page(self, request)
        if route == oauth_web.ERROR_PAGE and method == "GET":
            return oauth_web.error_page(request)
        if route == "/services/oauth2/revoke" and method in ("GET", "POST"):
            with self.store.lock:
                return oauth_web.revoke(self, request)
        if route == "/services/oauth2/userinfo" and method in ("GET", "POST"):
            return oauth_web.userinfo(self, request, auth.bearer_token(request))
        return None

    def admin_extra(self, action: str, method: str, body: dict[str, Any]) -> Response | None:
        """``/__sandbox__/oauth``: the External Client App's policies, the SOAP login switch, revoking."""
        if action != "oauth":
            return None
        if method == "POST":
            app = self.oauth.apps.get(str(body.pop("app", cred.SF_CONSUMER_KEY)))
            if app is None:
                raise ValueError("no such app")
            if "soap_login_enabled" in body:
                self.soap_login_enabled = bool(body.pop("soap_login_enabled"))
            if body.pop("revoke_all", False):
                for token in self.oauth.revoke_all():
                    self.sessions.invalidate(token)
            app.update(body)
        return json_response(
            {
                "soap_login_enabled": self.soap_login_enabled,
                "apps": {key: app.settings() for key, app in self.oauth.apps.items()},
                **self.oauth.counts(),
            }
        )

    def _login(self, request: Request, answer: Any) -> Response:
        self.stats.count("login")
        fault = self.faults.take("login")
        if fault is not None and fault.mode in REFUSING | {"unable_to_lock_row"}:
            if fault.mode == "rate_limit":
                return json_response(LIMIT_ERROR, 403)
            if fault.mode == "invalid_session":
                return json_response({"error": "invalid_grant", "error_description": "authentication failure"}, 400)
            return json_response(SERVER_ERROR, 500)
        with self.store.lock:
            response: Response = answer()
        self._after_apply(fault)
        return response

    def _after_apply(self, fault: Any) -> None:
        if fault is None:
            return
        if fault.mode == "timeout":
            self.gate.sleep(fault.delay_seconds)
        elif fault.mode == "drop_after_apply":
            raise DropConnection

    def _rest(self, request: Request) -> Response:
        response = self._rest_json(request)
        if response.status_code >= 400 and _wants_xml(request):
            return _xml_errors(response)
        return response

    def _rest_json(self, request: Request) -> Response:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        split = split_data_path(raw.split("?", 1)[0])
        if split is not None and version_retired(split[0]):
            return json_response(GONE, 410)
        if split is None or not version_ok(split[0]):
            return json_response(NOT_FOUND, 404)
        token = auth.bearer_token(request)
        if token is None or not self.sessions.touch(token, self.clock.monotonic_now()):
            return json_response(SESSION_ERROR, 401)
        data = request.get_data()
        body: Any = None
        body_error = False
        if data.strip():
            try:
                body = json.loads(data)
            except ValueError:
                body_error = True
        headers = {k.lower(): v for k, v in request.headers.items()}
        args = {k: v for k, v in request.args.items()}
        call = Call(request.method, split[0], split[1], args, body, body_error, headers)
        op = operation_of(call)
        fault = self.faults.take(op)
        if fault is not None and fault.mode in REFUSING:
            self.stats.count(op)
            if fault.mode == "invalid_session":
                self.sessions.invalidate(token)
                return json_response(SESSION_ERROR, 401)
            if fault.mode == "rate_limit":
                return json_response(LIMIT_ERROR, 403, self._limit_header())
            return json_response(SERVER_ERROR, 500, self._limit_header())
        with self.store.lock:
            if self.api_usage() >= self.daily_api_limit:
                self.stats.count(op)
                return json_response(LIMIT_ERROR, 403, self._limit_header())
            self.spend_api_call()
            self.instance_url = self.base_url(request)
            if fault is not None and fault.mode == "unable_to_lock_row":
                reply = self._lock_fault(call, op)
            else:
                reply = composite.dispatch(self, call)
            self.stats.count(op, api_calls=1, writes=reply.writes)
            request.environ[UNITS_KEY] = reply.writes  # the latency model's server time per record written
            response = self._to_response(reply)
        self._after_apply(fault)
        return response

    def _lock_fault(self, call: Call, op: str) -> Reply:
        if op == "composite/sobjects":
            return composite.route(self, call, lock_fault=True)
        target = call.segs[2] if len(call.segs) > 2 and op == "sobjects" else ""
        message = f"unable to obtain exclusive access to this record or 1 records: {target}".rstrip()
        return Reply(400, [{"message": message, "errorCode": "UNABLE_TO_LOCK_ROW", "fields": []}])

    def _to_response(self, reply: Reply) -> Response:
        headers = dict(reply.headers)
        headers.update(self._limit_header())
        if reply.status == 204 or (reply.body is None and reply.status < 300):
            return Response(status=reply.status, headers=headers)
        return json_response(reply.body, reply.status, headers)


def _wants_xml(request: Request) -> bool:
    """The client asked for XML (``Accept: application/xml`` before any JSON type)."""
    best = request.accept_mimetypes.best_match(["application/json", "application/xml"])
    return best == "application/xml"


def _xml_errors(response: Response) -> Response:
    """A JSON error array as the REST API's XML error body: ``<Errors><Error><errorCode>…``.

    Only error bodies are rendered in XML (success bodies stay JSON): the product never asks for
    XML; this is so the client can be tested against the shape Salesforce sends when asked.
    """
    try:
        items = json.loads(response.get_data())
    except ValueError:
        return response
    root = etree.Element("Errors")
    for item in items if isinstance(items, list) else [items]:
        if not isinstance(item, dict):
            continue
        err = etree.SubElement(root, "Error")
        for key in ("errorCode", "message"):
            etree.SubElement(err, key).text = str(item.get(key, ""))
        for name in item.get("fields") or []:
            etree.SubElement(err, "fields").text = str(name)
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
    return Response(body, status=response.status_code, headers=headers, content_type="application/xml;charset=UTF-8")
