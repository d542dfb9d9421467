"""How fast are the emulators on this machine? So later benchmarks know they are not the bottleneck.

Run:  .venv/bin/python benchmarks/bench_emulators.py [--rounds N] [--json OUT]

Measures, over real HTTP on loopback with one keep-alive client:
- small requests per second (Salesforce: GET one record; Intacct: a one-function `read`);
- one 2,000-row Salesforce query page (`SELECT ... FROM Account LIMIT 2000`);
- one 200-record `composite/sobjects` create;
- one 100-function Intacct request (100 `create` CUSTOMER functions in one request).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions

API = "v59.0"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def sf_login(session: requests.Session, base: str) -> str:
    r = session.post(
        base + "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": cred.SF_CONSUMER_KEY,
            "client_secret": cred.SF_CONSUMER_SECRET,
            "username": cred.SF_USERNAME,
            "password": cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN,
        },
        timeout=30,
    )
    r.raise_for_status()
    return r.json()["access_token"]


def ia_envelope(auth: str, functions: str) -> bytes:
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><request><control><senderid>{cred.INTACCT_SENDER_ID}</senderid>"
        f"<password>{cred.INTACCT_SENDER_PASSWORD}</password><controlid>{uuid.uuid4()}</controlid>"
        "<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace>"
        f"</control><operation><authentication>{auth}</authentication><content>{functions}</content>"
        "</operation></request>"
    ).encode()


def ia_login(session: requests.Session, url: str) -> str:
    login = (
        f"<login><userid>{cred.INTACCT_USER_ID}</userid><companyid>{cred.INTACCT_COMPANY_ID}</companyid>"
        f"<password>{cred.INTACCT_USER_PASSWORD}</password></login>"
    )
    body = ia_envelope(login, "<function controlid='s'><getAPISession/></function>")
    r = session.post(url, data=body, headers={"Content-Type": "application/xml"}, timeout=30)
    root = etree.fromstring(r.content, PARSER)
    return root.findtext(".//sessionid")


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p90_ms": round(sorted(samples)[int(len(samples) * 0.9) - 1] * 1000, 2),
        "rounds": len(samples),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    results: dict[str, object] = {}
    data_dir = Path(tempfile.mkdtemp(prefix="sfintacct-bench-"))  # on disk, as `sandbox serve` runs
    t0 = time.perf_counter()
    sandbox = Sandbox(SandboxOptions(seed="scale:2500", data_dir=data_dir))
    results["seed_scale_2500_load_seconds"] = round(time.perf_counter() - t0, 2)
    with sandbox as sb:
        s = requests.Session()
        sf = sb.salesforce_url
        token = sf_login(s, sf)
        h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        q = s.get(f"{sf}/services/data/{API}/query/", params={"q": "SELECT Id FROM Account LIMIT 1"}, headers=h)
        one_id = q.json()["records"][0]["Id"]

        small = timed(lambda: s.get(f"{sf}/services/data/{API}/sobjects/Account/{one_id}", headers=h), 300)
        results["salesforce_small_requests_per_second"] = round(len(small) / sum(small), 1)

        soql = "SELECT Id, Name, AccountNumber, Phone, BillingCity, SystemModstamp FROM Account LIMIT 2000"

        def page() -> None:
            r = s.get(f"{sf}/services/data/{API}/query/", params={"q": soql}, headers=h)
            assert len(r.json()["records"]) == 2000, r.text[:300]

        results["salesforce_query_page_2000_rows"] = summary(timed(page, args.rounds))

        def composite() -> None:
            records = [
                {"attributes": {"type": "Account"}, "Name": f"Bench {uuid.uuid4().hex[:12]}"} for _ in range(200)
            ]
            r = s.post(
                f"{sf}/services/data/{API}/composite/sobjects", json={"allOrNone": False, "records": records}, headers=h
            )
            assert all(x["success"] for x in r.json()), r.text[:300]

        results["salesforce_composite_create_200"] = summary(timed(composite, args.rounds))

        ia = sb.intacct_url
        sid = ia_login(s, ia)
        auth = f"<sessionid>{sid}</sessionid>"
        read_fn = "<read><object>CUSTOMER</object><keys>1</keys><fields>*</fields></read>"
        read_one = ia_envelope(auth, f"<function controlid='r'>{read_fn}</function>")
        xh = {"Content-Type": "application/xml"}
        small_ia = timed(lambda: s.post(ia, data=read_one, headers=xh), 300)
        results["intacct_small_requests_per_second"] = round(len(small_ia) / sum(small_ia), 1)

        def hundred() -> None:
            fns = "".join(
                f"<function controlid='f{i}'><create><CUSTOMER><CUSTOMERID>B{uuid.uuid4().hex[:16]}</CUSTOMERID>"
                f"<NAME>Bench {i}</NAME></CUSTOMER></create></function>"
                for i in range(100)
            )
            r = s.post(ia, data=ia_envelope(auth, fns), headers=xh)
            root = etree.fromstring(r.content, PARSER)
            statuses = root.xpath("//result/status/text()")
            assert statuses.count("success") == 100, r.text[:500]

        results["intacct_request_100_functions"] = summary(timed(hundred, args.rounds))
        results["stats"] = {
            "salesforce": requests.get(sf + "/__sandbox__/stats", timeout=10).json(),
            "intacct": requests.get(ia.rsplit("/ia/", 1)[0] + "/__sandbox__/stats", timeout=10).json(),
        }
    shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
