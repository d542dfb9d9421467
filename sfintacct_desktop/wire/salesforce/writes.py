"""Collection writes (``composite/sobjects``): batches of 200, per-record results in input order.

Why a policy per operation: update by id, upsert by external id and delete are idempotent, so a
lost answer or a per-record UNABLE_TO_LOCK_ROW is resent (only the locked records, bounded).
A create is not: a lost answer raises OutcomeUnknownError with the caller's key and nothing is
resent, so that the engine can look the records up by natural key first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..transport import Backoff
from .calls import Ambiguous
from .errors import SalesforceOutcomeUnknownError
from .parse import RecordError, RecordResult, parse_record_results

BATCH_SIZE = 200
LOCKED = "UNABLE_TO_LOCK_ROW"
MAX_SUBREQUESTS = 25


@dataclass(frozen=True)
class Collection:
    """One idempotent collection write for :meth:`WritesMixin.write_collections`: an update by Id
    (``external_id`` empty; records may be of any sObject type, each naming it in ``sobject``) or
    an upsert by ``external_id``."""

    sobject: str
    records: list[dict[str, Any]]
    external_id: str = ""


class WritesMixin:
    """create_many / update_many / upsert_many / delete_many over sObject Collections."""

    backoff: Backoff
    _rest: Callable[..., Any]
    settings: Any

    def create_many(self, sobject: str, records: list[dict[str, Any]], *, key: str = "") -> list[RecordResult]:
        """Insert records (allOrNone=false). A lost answer → SalesforceOutcomeUnknownError(key=key)."""
        return self._batches("POST", "composite/sobjects", sobject, records, key=key or f"create:{sobject}")

    def update_many(self, sobject: str, records: list[dict[str, Any]]) -> list[RecordResult]:
        """Update records by ``Id`` (each record carries its Id); retried safely."""
        if any(not (r.get("Id") or r.get("id")) for r in records):
            raise ValueError("update_many: every record needs an Id")
        return self._batches("PATCH", "composite/sobjects", sobject, records)

    def upsert_many(self, sobject: str, external_id_field: str, records: list[dict[str, Any]]) -> list[RecordResult]:
        """Upsert by external id (``created`` tells insert from update); retried safely."""
        if any(external_id_field not in r for r in records):
            raise ValueError(f"upsert_many: every record needs {external_id_field}")
        return self._batches("PATCH", f"composite/sobjects/{sobject}/{external_id_field}", sobject, records)

    def delete_many(self, ids: list[str]) -> list[RecordResult]:
        """Delete by id (allOrNone=false); a repeated delete answers ENTITY_IS_DELETED per record."""
        return self._batches("DELETE", "composite/sobjects", "", [{"Id": i} for i in ids])

    def write_collections(self, groups: list[Collection]) -> list[list[RecordResult]]:
        """Several updates/upserts, of different objects, in ONE ``composite`` call per 25 batches of 200.

        Why: a flow that writes two objects (invoices and Accounts, payments and Accounts) pays one
        API call instead of one per object. Subrequests run in order, each on its own (allOrNone
        false); a refused subrequest fails its records with its error. Results per group, input order.
        """
        batches: list[tuple[int, list[int], dict[str, Any]]] = []
        for g, group in enumerate(groups):
            path = (
                f"composite/sobjects/{group.sobject}/{group.external_id}" if group.external_id else "composite/sobjects"
            )
            for start in range(0, len(group.records), BATCH_SIZE):
                idx = list(range(start, min(start + BATCH_SIZE, len(group.records))))
                records = [{"attributes": {"type": group.sobject}, **group.records[i]} for i in idx]
                sub = {
                    "method": "PATCH",
                    "url": f"/services/data/v{self.settings.api_version}/{path}",
                    "body": {"allOrNone": False, "records": records},
                }
                batches.append((g, idx, sub))
        out: list[list[RecordResult]] = [[] for _ in groups]
        for start in range(0, len(batches), MAX_SUBREQUESTS):
            chunk = batches[start : start + MAX_SUBREQUESTS]
            subs = [{**sub, "referenceId": f"w{i}"} for i, (_, _, sub) in enumerate(chunk)]
            body = self._rest(
                "POST", "composite", json={"allOrNone": False, "compositeRequest": subs}, what="composite", retry=True
            )
            answers = {a.get("referenceId"): a for a in (body or {}).get("compositeResponse", [])}
            for i, (g, idx, _) in enumerate(chunk):
                answer = answers.get(f"w{i}") or {}
                if int(answer.get("httpStatusCode") or 0) < 300:
                    out[g].extend(parse_record_results(answer.get("body"), idx))
                    continue
                errs = answer.get("body") if isinstance(answer.get("body"), list) else [{}]
                first = errs[0] if errs and isinstance(errs[0], dict) else {}
                err = RecordError(str(first.get("errorCode") or "UNKNOWN_EXCEPTION"), str(first.get("message") or ""))
                out[g].extend(RecordResult(index=j, id=None, success=False, errors=[err]) for j in idx)
        return out

    # ------------------------------------------------------------------
    def _send(self, method: str, path: str, sobject: str, items: list[dict[str, Any]], idempotent: bool) -> Any:
        if method == "DELETE":
            params = {"ids": ",".join(str(i["Id"]) for i in items), "allOrNone": "false"}
            return self._rest(method, path, params=params, what="delete", retry=True)
        body = {"allOrNone": False, "records": [{"attributes": {"type": sobject}, **r} for r in items]}
        return self._rest(method, path, json=body, what=f"{method} {path}", retry=idempotent)

    def _batches(
        self, method: str, path: str, sobject: str, records: list[dict[str, Any]], *, key: str = ""
    ) -> list[RecordResult]:
        idempotent = method != "POST"
        results: list[RecordResult] = []
        for start in range(0, len(records), BATCH_SIZE):
            indexes = list(range(start, min(start + BATCH_SIZE, len(records))))
            try:
                body = self._send(method, path, sobject, [records[i] for i in indexes], idempotent)
            except Ambiguous as exc:
                raise SalesforceOutcomeUnknownError(
                    f"Salesforce did not answer a create of {len(indexes)} {sobject} records "
                    f"(input {indexes[0]}..{indexes[-1]}; {exc}); look them up before resending",
                    key=key,
                    results=results,
                    first_unknown=indexes[0],
                    status=exc.status,
                ) from None
            batch = parse_record_results(body, indexes)
            if idempotent:
                batch = self._retry_locked(method, path, sobject, records, batch)
            results.extend(batch)
        return results

    def _retry_locked(
        self, method: str, path: str, sobject: str, records: list[dict[str, Any]], batch: list[RecordResult]
    ) -> list[RecordResult]:
        """Resend only the records that failed with UNABLE_TO_LOCK_ROW, a bounded number of times."""
        by_index = {r.index: r for r in batch}
        for attempt in range(self.backoff.max_attempts - 1):
            locked = [r.index for r in by_index.values() if not r.success and r.has_error(LOCKED)]
            if not locked:
                break
            self.backoff.wait(attempt)
            body = self._send(method, path, sobject, [records[i] for i in locked], True)
            for result in parse_record_results(body, locked):
                by_index[result.index] = result
        return [by_index[r.index] for r in batch]
