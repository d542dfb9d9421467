"""What the wire clients spend, counted by the emulators' /__sandbox__/stats.

Run:  .venv/bin/python benchmarks/bench_wire_batching.py

- 1,000 Account upserts by external id (Salesforce API calls);
- 1,000 CUSTOMER creates then 1,000 updates (Intacct HTTP requests and billed transactions);
- reading 10,000 Accounts (Salesforce API calls).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfintacct_desktop.wire.intacct import functions as fn
from sfintacct_desktop.wire.intacct.client import IntacctClient
from sfintacct_desktop.wire.intacct.settings import IntacctSecrets, IntacctSettings
from sfintacct_desktop.wire.salesforce.client import SalesforceClient
from sfintacct_desktop.wire.salesforce.settings import AuthMethod, SalesforceSecrets, SalesforceSettings
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions


def stats(url: str) -> dict:
    return requests.get(url + "/__sandbox__/stats", timeout=10).json()


def main() -> int:
    out: dict[str, object] = {}
    with Sandbox(SandboxOptions(seed="empty")) as sb:
        sf = SalesforceClient.connect(
            SalesforceSettings(
                auth_method=AuthMethod.OAUTH_PASSWORD,
                login_host=sb.salesforce_url,
                username=cred.SF_USERNAME,
                consumer_key=cred.SF_CONSUMER_KEY,
            ),
            SalesforceSecrets(cred.SF_PASSWORD, cred.SF_SECURITY_TOKEN, cred.SF_CONSUMER_SECRET),
        )
        base = stats(sb.salesforce_url)["api_calls"]
        t0 = time.perf_counter()
        records = [{"Name": f"Upsert {i}", "Intacct_Customer_ID__c": f"U-{i:05d}"} for i in range(1000)]
        results = sf.upsert_many("Account", "Intacct_Customer_ID__c", records)
        assert all(r.success for r in results)
        out["salesforce_1000_upserts"] = {
            "api_calls": stats(sb.salesforce_url)["api_calls"] - base,
            "seconds": round(time.perf_counter() - t0, 2),
        }

        ia_root = sb.intacct_url.rsplit("/ia/", 1)[0]
        ia = IntacctClient(
            IntacctSettings(
                sender_id=cred.INTACCT_SENDER_ID,
                company_id=cred.INTACCT_COMPANY_ID,
                user_id=cred.INTACCT_USER_ID,
                endpoint=sb.intacct_url,
            ),
            IntacctSecrets(cred.INTACCT_SENDER_PASSWORD, cred.INTACCT_USER_PASSWORD),
        )
        ia.login()
        before = stats(ia_root)
        t0 = time.perf_counter()
        creates = [fn.create("CUSTOMER", {"CUSTOMERID": f"B-{i:05d}", "NAME": f"Batch {i}"}) for i in range(1000)]
        assert all(r.ok for r in ia.call(creates, uniqueid=True))
        updates = [fn.update("CUSTOMER", {"CUSTOMERID": f"B-{i:05d}", "NAME": f"Batch {i} v2"}) for i in range(1000)]
        assert all(r.ok for r in ia.call(updates, uniqueid=True))
        after = stats(ia_root)
        out["intacct_1000_creates_plus_1000_updates"] = {
            "requests": after["requests"] - before["requests"],
            "transactions": after["transactions"] - before["transactions"],
            "seconds": round(time.perf_counter() - t0, 2),
        }

        requests.post(sb.salesforce_url + "/__sandbox__/reset", json={"seed": "scale:10000"}, timeout=120)
        sf = SalesforceClient.connect(
            SalesforceSettings(
                auth_method=AuthMethod.OAUTH_PASSWORD,
                login_host=sb.salesforce_url,
                username=cred.SF_USERNAME,
                consumer_key=cred.SF_CONSUMER_KEY,
            ),
            SalesforceSecrets(cred.SF_PASSWORD, cred.SF_SECURITY_TOKEN, cred.SF_CONSUMER_SECRET),
        )
        base = stats(sb.salesforce_url)["api_calls"]
        t0 = time.perf_counter()
        n = sum(len(p) for p in sf.query_pages("SELECT Id, Name, AccountNumber, SystemModstamp FROM Account"))
        out["salesforce_read_accounts"] = {
            "rows": n,
            "api_calls": stats(sb.salesforce_url)["api_calls"] - base,
            "seconds": round(time.perf_counter() - t0, 2),
        }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
