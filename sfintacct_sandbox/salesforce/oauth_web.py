"""The browser half of OAuth 2.0 in the emulated org: authorize, login page, consent page, error page,
and the token grants that follow it (authorization code with PKCE, refresh token), revoke and userinfo.

Why it looks like Salesforce and not like a generic OAuth server: a desktop client must cope with
what Salesforce really does, so the emulator does the same things in the same places (sources in
docs/sandbox.md):

- an unknown ``client_id`` or an unregistered ``redirect_uri`` never redirects to the callback: the
  browser lands on ``/setup/secur/RemoteAccessErrorPage.apexp?error=...&error_description=...``
  (``invalid_client_id`` "client identifier invalid", ``redirect_uri_mismatch`` "redirect_uri must
  match configuration");
- a person who denies access is sent to the callback with ``error=access_denied``;
- the token endpoint answers 400 ``{error, error_description}``: ``invalid_grant`` "invalid code
  verifier" for a wrong or missing PKCE verifier, "expired authorization code", "expired
  access/refresh token" for a refresh token that was revoked or expired;
- a refresh answer carries no ``refresh_token`` unless the app rotates them.
"""

from __future__ import annotations

import hmac
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from werkzeug.wrappers import Request, Response

from .. import credentials as cred
from ..httpserver import json_response
from .oauth_apps import AuthRequest, OAuthApp, s256, signature

if TYPE_CHECKING:
    from .host import SalesforceHost

COOKIE = "sid"
AUTHORIZE_PAGE = "/setup/secur/RemoteAccessAuthorizationPage.apexp"
ERROR_PAGE = "/setup/secur/RemoteAccessErrorPage.apexp"
LOGIN_ERROR = (
    "Please check your username and password. If you still can't log in, contact your Salesforce administrator."
)


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _redirect(location: str, cookie: str | None = None) -> Response:
    response = Response(f"Redirecting to {escape(location)}", status=302, content_type="text/html;charset=UTF-8")
    response.headers["Location"] = location
    response.headers["Cache-Control"] = "no-cache,must-revalidate,max-age=0,no-store,private"
    if cookie is not None:
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax", path="/")
    return response


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    response = Response(html, status=status, content_type="text/html;charset=UTF-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _error_page_redirect(error: str, description: str) -> Response:
    return _redirect(f"{ERROR_PAGE}?{urlencode({'error': error, 'error_description': description})}")


def _callback_error(req: AuthRequest, error: str, description: str) -> Response:
    params = {"error": error, "error_description": description}
    if req.state is not None:
        params["state"] = req.state
    return _redirect(_with_query(req.redirect_uri, params))


# ----------------------------------------------------------------------- pages
def authorize(emu: SalesforceHost, request: Request) -> Response:
    """``GET /services/oauth2/authorize``: check the app and the callback, then log in and ask consent."""
    args = request.args
    app = emu.oauth.apps.get(args.get("client_id", ""))
    if app is None:
        return _error_page_redirect("invalid_client_id", "client identifier invalid")
    redirect_uri = args.get("redirect_uri", "")
    if not app.callback_ok(redirect_uri):
        return _error_page_redirect("redirect_uri_mismatch", "redirect_uri must match configuration")
    asked = (args.get("scope") or "").replace("+", " ").split()
    scope = frozenset(asked) if asked else app.scopes  # no scope: every scope the admin gave the app
    req = AuthRequest(
        app.consumer_key,
        redirect_uri,
        args.get("state"),
        scope,
        args.get("code_challenge") or None,
        args.get("prompt", ""),
        emu.clock.monotonic_now(),
    )
    if args.get("response_type") != "code":
        return _callback_error(req, "unsupported_response_type", "response type is not supported")
    if not scope <= app.scopes:
        return _callback_error(req, "invalid_scope", "the requested scope is not allowed")
    method = args.get("code_challenge_method")
    if method is not None and method != "S256":
        return _callback_error(req, "invalid_request", "invalid code challenge method")
    if app.require_pkce and req.challenge is None:
        return _callback_error(req, "invalid_request", "missing required code challenge")
    key = emu.oauth.begin(req)
    start = f"{AUTHORIZE_PAGE}?source={key}"
    user = emu.oauth.browser_user(request.cookies.get(COOKIE))
    if user is not None and "login" not in req.prompt.split():
        return _redirect(start)
    return _redirect(f"/?{urlencode({'ec': '302', 'startURL': start})}")


def _login_form(start_url: str, error: str = "") -> Response:
    problem = f"<div id='error' class='loginError'>{escape(error)}</div>" if error else ""
    form = (
        f"{problem}<form name='login' method='post' action='/'>"
        f"<input type='hidden' name='startURL' value='{escape(start_url, quote=True)}'>"
        "<label for='username'>Username</label><input id='username' name='username' type='email'>"
        "<label for='password'>Password</label><input id='password' name='pw' type='password'>"
        "<input id='Login' name='Login' type='submit' value='Log In'></form>"
    )
    return _page("Login | Salesforce", form)


def login_page(emu: SalesforceHost, request: Request) -> Response:
    """``GET /`` shows the login form; ``POST /`` checks it and starts a browser session."""
    start = request.values.get("startURL", "")
    if not start.startswith("/") or start.startswith("//"):
        start = ""  # never an open redirect
    if request.method == "GET":
        return _login_form(start)
    username, password = request.form.get("username", ""), request.form.get("pw", "")
    if username != cred.SF_USERNAME or not hmac.compare_digest(password, cred.SF_PASSWORD):
        emu.stats.count("ui_login_failed")
        return _login_form(start, LOGIN_ERROR)
    cookie = emu.oauth.browser_login(username)
    return _redirect(start or "/home/home.jsp", cookie)


def _consent_form(app: OAuthApp, key: str, scope: frozenset[str]) -> Response:
    items = "".join(f"<li>{escape(s)}</li>" for s in sorted(scope))
    body = (
        f"<p>{escape(app.consumer_key)} is asking to:</p><ul>{items}</ul>"
        f"<form method='post' action='{AUTHORIZE_PAGE}'>"
        f"<input type='hidden' name='source' value='{escape(key, quote=True)}'>"
        "<input id='oaapprove' name='oaapprove' type='submit' value='Allow'>"
        "<input id='oadeny' name='oadeny' type='submit' value='Deny'></form>"
    )
    return _page("Allow Access?", body)


def consent_page(emu: SalesforceHost, request: Request) -> Response:
    """The "Allow Access?" page: GET shows it (or skips it), POST records the answer."""
    key = request.values.get("source", "")
    req = emu.oauth.pending(key, emu.clock.monotonic_now())
    if req is None:
        return _error_page_redirect("OAUTH_APPROVAL_ERROR_GENERIC", "An unexpected error has occurred")
    user = emu.oauth.browser_user(request.cookies.get(COOKIE))
    if user is None:
        return _redirect(f"/?{urlencode({'ec': '302', 'startURL': f'{AUTHORIZE_PAGE}?source={key}'})}")
    app = emu.oauth.apps[req.client_id]
    if request.method == "POST":
        emu.oauth.finish(key)
        if "oadeny" in request.form or "oaapprove" not in request.form:
            return _callback_error(req, "access_denied", "end-user denied authorization")
        emu.oauth.approve(user, app.consumer_key)
        return _issue_code(emu, req)
    asked_again = "consent" in req.prompt.split()
    if (app.pre_authorized or emu.oauth.approved(user, app.consumer_key)) and not asked_again:
        emu.oauth.finish(key)
        return _issue_code(emu, req)
    return _consent_form(app, key, req.scope)


def _issue_code(emu: SalesforceHost, req: AuthRequest) -> Response:
    code = emu.oauth.issue_code(req, emu.clock.monotonic_now())
    emu.stats.count("authorization_code")
    params = {"code": code}
    if req.state is not None:
        params["state"] = req.state
    return _redirect(_with_query(req.redirect_uri, params))


def error_page(request: Request) -> Response:
    error = request.args.get("error", "")
    description = request.args.get("error_description", "")
    body = (
        "<p>There was a problem in setting up your remote access.</p>"
        f"<p id='error'>error={escape(quote(error))}&amp;error_description={escape(quote(description))}</p>"
        f"<p><span class='error'>{escape(error)}</span>: <span class='description'>{escape(description)}</span></p>"
    )
    return _page("Remote Access Error", body)


# ----------------------------------------------------------------------- tokens
def _client(emu: SalesforceHost, request: Request) -> tuple[OAuthApp | None, Response | None]:
    form = request.form
    app = emu.oauth.apps.get(form.get("client_id", ""))
    if app is None:
        return None, _oauth_error("invalid_client_id", "client identifier invalid")
    secret = form.get("client_secret")
    if secret is not None and not hmac.compare_digest(secret, app.consumer_secret):
        return None, _oauth_error("invalid_client", "invalid client credentials")
    if app.require_secret and secret is None:
        return None, _oauth_error("invalid_client", "invalid client credentials")
    return app, None


def _tokens(emu: SalesforceHost, request: Request, scope: list[str], refresh: str | None) -> dict[str, str]:
    access = emu.sessions.issue(emu.clock.monotonic_now())
    base = emu.base_url(request)
    issued_at = str(int(emu.clock.now().timestamp() * 1000))
    ident = f"{base}/id/{cred.SF_ORG_ID}/{cred.SF_USER_ID}"
    body = {"access_token": access}
    if refresh is not None:
        body["refresh_token"] = refresh
        emu.oauth.own_access(access, refresh)
    body.update(
        {
            "signature": signature(ident, issued_at),
            "scope": " ".join(scope),
            "instance_url": base,
            "id": ident,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }
    )
    return body


def code_grant(emu: SalesforceHost, request: Request) -> Response:
    """``grant_type=authorization_code``: one use per code, the same redirect_uri, the PKCE verifier."""
    app, problem = _client(emu, request)
    if problem is not None or app is None:
        return problem or _oauth_error("invalid_client_id", "client identifier invalid")
    form = request.form
    grant = emu.oauth.take_code(form.get("code", ""))
    now = emu.clock.monotonic_now()
    if grant is None or grant.client_id != app.consumer_key:
        return _oauth_error("invalid_grant", "invalid authorization code")
    if grant.expires < now:
        return _oauth_error("invalid_grant", "expired authorization code")
    if form.get("redirect_uri", "") != grant.redirect_uri:
        return _oauth_error("redirect_uri_mismatch", "redirect_uri must match configuration")
    verifier = form.get("code_verifier")
    if grant.challenge is None and verifier is not None:
        return _oauth_error("invalid_grant", "unexpected code verifier")
    if grant.challenge is not None and (
        verifier is None or not hmac.compare_digest(s256(verifier), grant.challenge)
    ):
        return _oauth_error("invalid_grant", "invalid code verifier")
    scope = sorted(grant.scope)
    wants_refresh = bool({"refresh_token", "offline_access"} & grant.scope)
    refresh = emu.oauth.issue_refresh(app.consumer_key, grant.scope, now) if wants_refresh else None
    return json_response(_tokens(emu, request, scope, refresh))


def refresh_grant(emu: SalesforceHost, request: Request) -> Response:
    """``grant_type=refresh_token``: a new access token; a new refresh token only when the app rotates."""
    app, problem = _client(emu, request)
    if problem is not None or app is None:
        return problem or _oauth_error("invalid_client_id", "client identifier invalid")
    token = request.form.get("refresh_token", "")
    now = emu.clock.monotonic_now()
    grant = emu.oauth.use_refresh(token, app.consumer_key, now)
    if grant is None:
        return _oauth_error("invalid_grant", "expired access/refresh token")
    if app.rotate_refresh_tokens:
        new = emu.oauth.rotate(token, app.consumer_key, grant.scope, now)
        return json_response(_tokens(emu, request, grant.scope, new))
    body = _tokens(emu, request, grant.scope, None)
    emu.oauth.own_access(body["access_token"], token)
    return json_response(body)


def revoke(emu: SalesforceHost, request: Request) -> Response:
    """``/services/oauth2/revoke``: a refresh token ends with its access tokens; an access token alone."""
    token = request.values.get("token", "")
    if not token:
        return _oauth_error("invalid_request", "token is missing")
    was_refresh, access_tokens = emu.oauth.revoke(token)
    ended = 0
    for access in access_tokens:
        ended += emu.sessions.invalidate(access)
    if not was_refresh and not ended:
        return _oauth_error("invalid_token", "invalid token")
    emu.stats.count("revoke")
    return Response(status=200)


def userinfo(emu: SalesforceHost, request: Request, token: str | None) -> Response:
    """``/services/oauth2/userinfo``: who the access token belongs to (OpenID Connect claims)."""
    if token is None or not emu.sessions.touch(token, emu.clock.monotonic_now()):
        return Response("Bad_OAuth_Token", status=403, content_type="text/plain;charset=UTF-8")
    base = emu.base_url(request)
    return json_response(
        {
            "sub": f"{base}/id/{cred.SF_ORG_ID}/{cred.SF_USER_ID}",
            "user_id": cred.SF_USER_ID,
            "organization_id": cred.SF_ORG_ID,
            "preferred_username": cred.SF_USERNAME,
            "nickname": "operator",
            "name": "Sandbox Operator",
            "email": cred.SF_USERNAME,
            "email_verified": True,
            "zoneinfo": "America/Los_Angeles",
            "locale": "en_US",
            "language": "en_US",
            "active": True,
            "user_type": "STANDARD",
            "urls": {"rest": f"{base}/services/data/v{{version}}/"},
        }
    )
