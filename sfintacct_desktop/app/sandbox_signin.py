"""The sandbox's stand-in for the person at the browser: it walks the emulator's sign-in pages.

Why a scripted browser and not a shortcut in the emulator: the sandbox profile then signs in
through every real step of the browser sign-in (authorize, the login form, the consent page, the
redirect to the loopback listener, the state check, the PKCE code exchange, the refresh token),
with nobody at the keyboard. It types the sandbox's public credentials, so it refuses to go
anywhere but a loopback host. Tests use it to drive the flow, including what a person can do
wrong (a wrong password, Deny, a forged redirect).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from ..wire.transport import is_loopback_host

MAX_STEPS = 12


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    submits: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The forms of a page with their inputs (hidden values kept, submit buttons apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.error = ""
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            target = self.forms[-1].submits if a.get("type") == "submit" else self.forms[-1].fields
            target[a["name"]] = a.get("value", "")
        elif a.get("id") == "error" or "loginError" in a.get("class", ""):
            self._in_error = True

    def handle_data(self, data: str) -> None:
        if self._in_error and data.strip():
            self.error += data.strip()

    def handle_endtag(self, tag: str) -> None:
        self._in_error = False


@dataclass
class ScriptedBrowser:
    """``open_url`` for :func:`browser_sign_in`: walks the pages on a thread (the listener must serve)."""

    username: str
    password: str = field(repr=False)
    approve: bool = True
    visited: list[str] = field(default_factory=list)
    error: str = ""
    unreachable: bool = False  # nothing answered at all: the sandbox is not running, no sign-in problem
    done: threading.Event = field(default_factory=threading.Event)

    def open(self, url: str) -> None:
        threading.Thread(target=self._walk, args=(url,), name="sandbox-signin-browser", daemon=True).start()

    def gave_up(self) -> bool:
        """True once the walk ended without reaching the callback (pass as ``cancelled``)."""
        return self.done.is_set() and bool(self.error)

    def _walk(self, url: str) -> None:
        try:
            self._follow(url)
        except requests.RequestException as exc:
            self.unreachable = isinstance(exc, requests.ConnectionError)
            self.error = f"the sign-in page could not be reached ({type(exc).__name__})"
        finally:
            self.done.set()

    def _follow(self, url: str) -> None:
        session = requests.Session()
        method, data = "get", None
        for _ in range(MAX_STEPS):
            parts = urlsplit(url)
            if not is_loopback_host(parts.hostname):
                self.error = "the scripted sign-in only visits loopback hosts"
                return
            self.visited.append(f"{method.upper()} {parts.path}")
            response = session.request(method, url, data=data, allow_redirects=False, timeout=(5.0, 30.0))
            if parts.path == "/OauthRedirect":  # the loopback listener answered: the sign-in goes on there
                if response.status_code != 200:
                    self.error = f"the redirect was refused (HTTP {response.status_code})"
                return
            if response.is_redirect:
                url, method, data = urljoin(url, response.headers["Location"]), "get", None
                continue
            page = _Forms()
            page.feed(response.text)
            form = next((f for f in page.forms if "pw" in f.fields or "oaapprove" in f.submits), None)
            if form is None:
                self.error = page.error or f"the sign-in stopped on {parts.path} (HTTP {response.status_code})"
                return
            if "pw" in form.fields:
                if self.visited.count(f"POST {urlsplit(urljoin(url, form.action)).path}") >= 1 and page.error:
                    self.error = page.error  # the login form came back with its error: give up
                    return
                data = {**form.fields, "username": self.username, "pw": self.password}
            else:
                button = "oaapprove" if self.approve else "oadeny"
                data = {**form.fields, button: form.submits.get(button, "")}
            url, method = urljoin(url, form.action), form.method
        self.error = "the sign-in pages did not end at the redirect"
