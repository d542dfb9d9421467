"""The Salesforce wire client: login, paged queries, change feeds, describe and collection writes.

Built on simple-salesforce 1.12 (login flows, ``format_soql``, ``restful`` in direct mode). Query
pages are yielded as lists of record dicts **with** their ``attributes`` kept (type and url), as
Salesforce sends them; callers that do not need them ignore the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from simple_salesforce import Salesforce
from simple_salesforce.format import format_soql

from ..transport import Backoff, InsecureTransportError, check_url
from .calls import call_with_policy
from .errors import SalesforceApiError
from .parse import QueryPage, RecordResult, parse_limit_info, parse_query_page
from .session import login, make_session
from .settings import LoginTarget, SalesforceSecrets, SalesforceSettings, resolve_login_target
from .writes import WritesMixin

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_DATA_PATH = re.compile(r"^/services/data/v\d+\.\d+/")
MAX_QUERIES_PER_COMPOSITE = 5


def _name(value: str) -> str:
    """An API name (object or field): checked, because identifiers cannot be bound as values."""
    if not _NAME.match(value):
        raise ValueError(f"not a Salesforce API name: {value!r}")
    return value


@dataclass(frozen=True)
class DeletedRecords:
    """``sobjects/T/deleted/``: ids with their deletion time; use ``latest_date_covered`` next."""

    records: list[tuple[str, str]]
    earliest_date_available: str | None
    latest_date_covered: str | None


class SalesforceClient(WritesMixin):
    """A logged-in connection to one org. Create with :meth:`connect`."""

    def __init__(
        self,
        settings: SalesforceSettings,
        secrets: SalesforceSecrets,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.settings = settings
        self._secrets = secrets
        self._target: LoginTarget = resolve_login_target(settings)
        self.backoff = backoff or Backoff(max_attempts=settings.max_attempts)
        self.session = make_session(settings, self._target)
        self.session.hooks["response"].append(self._read_limit_info)
        self.api_usage: tuple[int, int] | None = None
        self.api_calls = 0  # REST calls this client sent (each attempt), counted client-side
        self.instance = ""
        self._sf: Salesforce | None = None

    @classmethod
    def connect(
        cls, settings: SalesforceSettings, secrets: SalesforceSecrets, *, backoff: Backoff | None = None
    ) -> SalesforceClient:
        """Log in (raises SalesforceAuthError on refusal) and return the ready client."""
        client = cls(settings, secrets, backoff=backoff)
        client._login()
        return client

    def __repr__(self) -> str:
        return f"SalesforceClient(instance={self.instance!r}, username={self.settings.username!r}, secrets=***)"

    def close(self) -> None:
        self.session.close()

    # ----------------------------------------------------------- plumbing
    def _login(self) -> None:
        session_id, instance = login(self.settings, self._secrets, self._target, self.session)
        self.instance = instance
        self._sf = Salesforce(
            session_id=session_id, instance=instance, session=self.session, version=self.settings.api_version
        )

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce object in direct mode (no automatic re-login)."""
        if self._sf is None:
            raise SalesforceApiError("not connected: call SalesforceClient.connect()", code="NOT_CONNECTED")
        return self._sf

    def _read_limit_info(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self.api_usage = usage

    def _rest(
        self,
        method: str,
        path: str,
        *,
        what: str,
        retry: bool,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """``restful`` under the reliability policy (calls.call_with_policy)."""

        def send() -> Any:
            self.api_calls += 1
            return self.sf.restful(
                path, params=params, method=method, json=json, headers=headers or {}, timeout=self.settings.timeout
            )

        return call_with_policy(send, relogin=self._login, backoff=self.backoff, what=what, retry=retry)

    def _relative(self, next_url: str) -> str:
        """A nextRecordsUrl as a path under the data base URL, refusing anything off-instance."""
        if "://" in next_url:
            check_url(next_url)
            if urlsplit(next_url).netloc != self.instance and not self._target.loopback:
                raise InsecureTransportError("nextRecordsUrl points off the instance", code="BAD_URL")
            next_url = urlsplit(next_url).path + (f"?{urlsplit(next_url).query}" if urlsplit(next_url).query else "")
        if not _DATA_PATH.match(next_url):
            raise SalesforceApiError(f"unexpected nextRecordsUrl {next_url!r}", code="BAD_NEXT_URL")
        return _DATA_PATH.sub("", next_url, count=1)

    # -------------------------------------------------------------- reads
    def query_page_objects(self, soql: str, include_deleted: bool = False) -> Iterator[QueryPage]:
        """Every page of a query as parsed :class:`QueryPage` objects, following nextRecordsUrl."""
        headers = {"Sforce-Query-Options": f"batchSize={self.settings.query_batch_size}"}
        path = "queryAll/" if include_deleted else "query/"
        body = self._rest("GET", path, params={"q": soql}, headers=headers, what="query", retry=True)
        page = parse_query_page(body)
        yield page
        while page.next_records_url:
            rel = self._relative(page.next_records_url)
            page = parse_query_page(self._rest("GET", rel, headers=headers, what="query", retry=True))
            yield page

    def query_pages(self, soql: str, include_deleted: bool = False) -> Iterator[list[dict[str, Any]]]:
        """Pages (lists of records, ``attributes`` kept) of a query; queryAll when include_deleted."""
        for page in self.query_page_objects(soql, include_deleted):
            yield page.records

    def query_all(self, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        return [r for page in self.query_pages(soql, include_deleted) for r in page]

    def changed_since(
        self, sobject: str, fields: list[str], since: datetime, overlap: timedelta = timedelta(0)
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of records with SystemModstamp >= since - overlap, oldest first (watermark order)."""
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        names = [_name(f) for f in fields]
        names += [f for f in ("Id", "SystemModstamp") if f not in names]
        soql = format_soql(
            "SELECT {:literal} FROM {:literal} WHERE SystemModstamp >= {} ORDER BY SystemModstamp ASC, Id ASC",
            ", ".join(names),
            _name(sobject),
            since - overlap,
        )
        return self.query_pages(soql)

    def deleted_since(self, sobject: str, start: datetime, end: datetime) -> DeletedRecords:
        """``GET sobjects/T/deleted/`` between two tz-aware datetimes (Salesforce keeps 15 days)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        params = {"start": start.replace(microsecond=0).isoformat(), "end": end.replace(microsecond=0).isoformat()}
        body = self._rest("GET", f"sobjects/{_name(sobject)}/deleted/", params=params, what="deleted", retry=True)
        return DeletedRecords(
            records=[(str(r["id"]), str(r.get("deletedDate", ""))) for r in body.get("deletedRecords", [])],
            earliest_date_available=body.get("earliestDateAvailable"),
            latest_date_covered=body.get("latestDateCovered"),
        )

    def describe(self, sobject: str) -> dict[str, Any]:
        result: dict[str, Any] = self._rest("GET", f"sobjects/{_name(sobject)}/describe", what="describe", retry=True)
        return result

    def limits(self) -> dict[str, Any]:
        """``GET limits/``: the org's limits, e.g. ``DailyApiRequests`` {Max, Remaining} (one API call)."""
        result: dict[str, Any] = self._rest("GET", "limits/", what="limits", retry=True)
        return result

    def query_many(self, soqls: list[str], include_deleted: bool = False) -> list[list[dict[str, Any]]]:
        """Several queries, at most 5 per ``composite`` call; each result's later pages are followed.

        ``include_deleted`` sends them as ``queryAll`` (deleted rows too, with IsDeleted).
        """
        resource = "queryAll" if include_deleted else "query"
        out: list[list[dict[str, Any]]] = []
        for start in range(0, len(soqls), MAX_QUERIES_PER_COMPOSITE):
            chunk = soqls[start : start + MAX_QUERIES_PER_COMPOSITE]
            subs = [
                {
                    "method": "GET",
                    "url": f"/services/data/v{self.settings.api_version}/{resource}/?q={quote(q, safe='')}",
                    "referenceId": f"q{i}",
                }
                for i, q in enumerate(chunk)
            ]
            body = self._rest(
                "POST", "composite", json={"allOrNone": False, "compositeRequest": subs}, what="composite", retry=True
            )
            answers = {a.get("referenceId"): a for a in (body or {}).get("compositeResponse", [])}
            for i in range(len(chunk)):
                answer = answers.get(f"q{i}") or {}
                if answer.get("httpStatusCode") != 200:
                    errs = answer.get("body") or [{}]
                    first = errs[0] if isinstance(errs, list) and errs else {}
                    code, message = first.get("errorCode", ""), first.get("message", "")
                    raise SalesforceApiError(
                        f"Salesforce query {start + i} failed: {code}: {message}",
                        code=str(first.get("errorCode", "")),
                        status=answer.get("httpStatusCode"),
                    )
                page = parse_query_page(answer["body"])
                records = list(page.records)
                while page.next_records_url:
                    rel = self._relative(page.next_records_url)
                    page = parse_query_page(self._rest("GET", rel, what="query", retry=True))
                    records.extend(page.records)
                out.append(records)
        return out


__all__ = ["DeletedRecords", "RecordResult", "SalesforceClient"]
