"""The seeds load into both emulators through their rule-checking create paths (admin reset over HTTP)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.seeds import build_seed, resolve_truth
from sfintacct_sandbox.seeds.truth import truth_refs

sf_app = pytest.importorskip("sfintacct_sandbox.salesforce.app")
ia_app = pytest.importorskip("sfintacct_sandbox.intacct.app")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[EmulatorServer, EmulatorServer]]:
    sf = EmulatorServer(sf_app.SalesforceEmulator(None), "127.0.0.1", 0).start()
    ia = EmulatorServer(ia_app.IntacctEmulator(None), "127.0.0.1", 0).start()
    try:
        yield sf, ia
    finally:
        sf.stop()
        ia.stop()


@pytest.mark.parametrize("seed", ["demo", "renamed", "scale:400", "empty"])
def test_every_row_loads_and_every_truth_ref_resolves(servers: tuple, seed: str) -> None:
    sf, ia = servers
    for server in (sf, ia):
        reply = requests.post(f"{server.url}/__sandbox__/reset", json={"seed": seed}, timeout=60)
        assert reply.status_code == 200, reply.text
    data = build_seed(seed)
    sf_refs = sf.emulator.store.meta("seed_refs", {})
    ia_refs = ia.emulator.store.meta("seed_refs", {})
    assert {r.ref for r in data.salesforce} <= set(sf_refs)
    assert {r.ref for r in data.intacct} == set(ia_refs)
    truth = resolve_truth(data.truth, sf_refs, ia_refs)
    assert truth_refs(truth) == set()
    if seed == "empty":
        return
    sf_id = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
    for pair in truth["customers"]["pairs"]:
        assert sf_id.match(pair["salesforce"]) and pair["salesforce"].startswith("001")
        assert pair["intacct"] in {r.fields["CUSTOMERID"] for r in data.intacct if r.object == "CUSTOMER"}
    for order in truth["historical_orders"]:
        assert order["opportunity"].startswith("006") and order["sales_order"].startswith("Sales Order-")
    for invoice in truth["invoices"]:
        assert invoice["invoice"].startswith("Sales Invoice-")
