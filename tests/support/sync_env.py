"""A sync test bench: both emulators on loopback (seed ``empty``), a state store on disk, an engine.

Records are created and edited on each side through the wire clients (as a user's org would
change), the engine syncs them, and the helpers read each side back and the emulators' stats.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from sfintacct_desktop.connectors import IntacctConnector, SalesforceConnector
from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.store import StateStore
from sfintacct_desktop.wire.intacct import IntacctClient, IntacctSecrets, IntacctSettings, create, delete, update
from sfintacct_desktop.wire.transport import Backoff
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions

from .signin import web_connector

NO_SLEEP = Backoff(sleep=lambda s: None, max_attempts=2)
TZ = "America/Los_Angeles"
V = "59.0"


def sf_connector(sb: Sandbox) -> SalesforceConnector:
    """Signs in as the default profile does: the browser sign-in (scripted), then refresh tokens."""
    return web_connector(sb.salesforce_url, profile="test", backoff=NO_SLEEP)


def ia_connector(sb: Sandbox) -> IntacctConnector:
    settings = IntacctSettings(
        sender_id=cred.INTACCT_SENDER_ID,
        company_id=cred.INTACCT_COMPANY_ID,
        user_id=cred.INTACCT_USER_ID,
        endpoint=sb.intacct_url,
        read_timeout=30.0,
    )
    client = IntacctClient(
        settings, IntacctSecrets(cred.INTACCT_SENDER_PASSWORD, cred.INTACCT_USER_PASSWORD), backoff=NO_SLEEP
    )
    conn = IntacctConnector(client, TZ, profile="test")
    conn.login()
    return conn


@dataclass
class SyncEnv:
    sandbox: Sandbox
    db_path: Path | str  # a SQLite file, or a PostgreSQL URL (tests on both state backends)
    store: StateStore
    engine: SyncEngine
    user_sf: SalesforceConnector  # "the user": edits records as people do, not through the engine
    user_ia: IntacctConnector

    # ----------------------------------------------------------------- engine
    def new_engine(self, **settings: Any) -> SyncEngine:
        """A fresh engine (new connectors and store handle), as after a restart.

        The bench fills both empty systems by hand and syncs them without a baseline on purpose
        (its records share nothing), so ``allow_without_baseline`` is on unless a test says not.
        """
        settings.setdefault("allow_without_baseline", True)
        self.store.close()
        self.store = StateStore.open(self.db_path)
        self.engine = SyncEngine(
            self.store,
            sf_connector(self.sandbox),
            ia_connector(self.sandbox),
            load_mapping(),
            EngineSettings(profile="test", **settings),
        )
        return self.engine

    def sync(self) -> Any:
        return self.engine.run_cycle("test")

    # ------------------------------------------------------------------ admin
    def _admin(self, which: str, action: str, body: dict[str, Any] | None = None) -> Any:
        base = self.sandbox.sf_server.url if which == "salesforce" else self.sandbox.ia_server.url
        if body is None:
            return requests.get(f"{base}/__sandbox__/{action}", timeout=10).json()
        return requests.post(f"{base}/__sandbox__/{action}", json=body, timeout=10).json()

    def stats(self, which: str) -> dict[str, Any]:
        return self._admin(which, "stats")

    def writes(self) -> tuple[int, int]:
        return int(self.stats("salesforce")["writes"]), int(self.stats("intacct")["writes"])

    def fault(self, which: str, operation: str, mode: str, count: int = 1) -> None:
        self._admin(which, "faults", {"operation": operation, "mode": mode, "count": count})

    def clock(self, which: str, offset_seconds: float) -> None:
        emu = self.sandbox.salesforce if which == "salesforce" else self.sandbox.intacct
        emu.clock.set_offset(offset_seconds)

    def freeze(self, which: str, at: datetime | None) -> None:
        """Stop an emulator's clock at ``at`` through the admin API (None: let it run again)."""
        body: dict[str, Any] = {"frozen": at is not None}
        if at is not None:
            body["freeze_at"] = at.isoformat()
        assert self._admin(which, "clock", body)["frozen"] is (at is not None)

    # --------------------------------------------------------------- Salesforce
    @property
    def sf(self) -> Any:
        return self.user_sf.client

    def create_account(self, **fields: Any) -> str:
        res = self.sf.create_many("Account", [fields])[0]
        assert res.success, res
        return str(res.id)

    def update_sf(self, sobject: str, record_id: str, **fields: Any) -> None:
        res = self.sf.update_many(sobject, [{"Id": record_id, **fields}])[0]
        assert res.success, res

    def delete_sf(self, record_id: str) -> None:
        assert self.sf.delete_many([record_id])[0].success

    def undelete_sf(self, record_id: str) -> None:
        token = self.sf.sf.session_id
        body = (
            '<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">'
            f"<soapenv:Header><urn:SessionHeader><urn:sessionId>{token}</urn:sessionId></urn:SessionHeader>"
            f"</soapenv:Header><soapenv:Body><urn:undelete><urn:ids>{record_id}</urn:ids>"
            "</urn:undelete></soapenv:Body></soapenv:Envelope>"
        )
        r = requests.post(
            f"{self.sandbox.salesforce_url}/services/Soap/u/{V}/{cred.SF_ORG_ID}",
            data=body.encode(),
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "undelete"},
            timeout=10,
        )
        assert "<success>true</success>" in r.text, r.text

    def account(self, record_id: str) -> dict[str, Any]:
        fields = "Id, Name, Phone, BillingCity, Intacct_Customer_ID__c, Intacct_Inactive__c, IsDeleted"
        rows = self.sf.query_all(f"SELECT {fields} FROM Account WHERE Id = '{record_id}'", True)
        return rows[0]

    def accounts(self) -> list[dict[str, Any]]:
        return self.sf.query_all("SELECT Id, Name, Intacct_Customer_ID__c FROM Account")

    def create_product(self, price: str | None = None, **fields: Any) -> str:
        res = self.sf.create_many("Product2", [fields])[0]
        assert res.success, res
        if price is not None:
            book = self.user_sf.standard_pricebook_id()
            body = {"Pricebook2Id": book, "Product2Id": res.id, "UnitPrice": float(price), "IsActive": True}
            assert self.sf.create_many("PricebookEntry", [body])[0].success
        return str(res.id)

    def product(self, record_id: str) -> Any:
        return self.user_sf.products_by_ids([record_id])[0]

    # ------------------------------------------------------------------- Intacct
    def create_customer(self, customer_id: str, name: str, **extra: Any) -> None:
        res = self.user_ia.client.call([create("CUSTOMER", {"CUSTOMERID": customer_id, "NAME": name, **extra})])[0]
        assert res.ok, res.errors

    def update_ia(self, obj: str, fields: dict[str, Any]) -> None:
        res = self.user_ia.client.call([update(obj, fields)])[0]
        assert res.ok, res.errors

    def delete_ia(self, obj: str, record_no: str) -> None:
        res = self.user_ia.client.call([delete(obj, [record_no])])[0]
        assert res.ok, res.errors

    def create_item(self, item_id: str, name: str, **extra: Any) -> None:
        body = {"ITEMID": item_id, "NAME": name, "ITEMTYPE": "Non-Inventory", **extra}
        res = self.user_ia.client.call([create("ITEM", body)])[0]
        assert res.ok, res.errors

    def customers(self) -> list[Any]:
        return [c for page in self.user_ia.read_customers() for c in page]

    def customer(self, customer_id: str) -> Any:
        got = self.user_ia.customers_by_ids([customer_id])
        return got[0] if got else None

    def item(self, item_id: str) -> Any:
        got = self.user_ia.products_by_ids([item_id])
        return got[0] if got else None


def make_env(
    tmp_path: Path, target: Path | str | None = None, *, salesforce_options: dict[str, Any] | None = None
) -> Iterator[SyncEnv]:
    """``target``: where the state store lives (default: a SQLite file in ``tmp_path``);
    ``salesforce_options``: the emulated org's settings (e.g. ``currencies`` for a multi-currency org)."""
    sb = Sandbox(SandboxOptions(seed="empty", salesforce_options=salesforce_options or {})).start()
    db = target if target is not None else tmp_path / "state.sqlite3"
    store = StateStore.open(db)
    try:
        env = SyncEnv(sb, db, store, None, sf_connector(sb), ia_connector(sb))  # type: ignore[arg-type]
        env.new_engine()
        yield env
    finally:
        env.store.close()
        sb.stop()


def ok(env: SyncEnv) -> Any:
    """One cycle that must succeed; its summary."""
    summary = env.sync()
    assert summary.status == "ok", summary.error
    return summary


def assert_quiet(env: SyncEnv) -> None:
    """A further cycle writes nothing on either emulator (echo suppression)."""
    before = env.writes()
    summary = ok(env)
    assert env.writes() == before
    assert summary.writes == 0
