"""The records every part of the emulated company writes through: clock, numbering, audit trail.

Why a base class: master data (``model``), order entry (``orders``), order updates (``orderupdate``)
and payments (``payments``) must stamp the same wall-clock times in the company's time zone, draw
RECORDNOs from the same sequences and leave the same AUDITHISTORY rows. Each of those modules adds
its part on top of the one below it (records <- payments <- orders <- orderupdate <- model), so no
part imports a part above it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..clock import Clock
from ..storage import RecordStore
from .values import DATE_FORMAT, TS_FORMAT, Record, money


class CompanyRecords:
    """One company's ``RecordStore`` with the helpers every write path shares."""

    def __init__(self, store: RecordStore, clock: Clock, timezone: str = "America/Los_Angeles") -> None:
        self.store = store
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.userid = "xml_gateway"
        self.audit_object_key = "recordno"  # or "id": see audit()
        self.audit_time_zone = "company"  # or "gmt": see audit()
        self.audit_source = "api"  # developer.intacct.com (audit trails): SOURCE is api, csv, system or ui
        self.audit_untracked: set[str] = set()  # object types (lower case) whose changes leave no row

    # ------------------------------------------------------------------ time
    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.tz)

    def now_ts(self) -> str:
        return self.local_now().strftime(TS_FORMAT)

    def utc_ts(self) -> str:
        """AU* fields look like UTC in real data (AUWHENCREATED vs WHENMODIFIED; see docs/sandbox.md)."""
        return self.clock.now().strftime(TS_FORMAT)

    def today(self) -> str:
        return self.local_now().strftime(DATE_FORMAT)

    # --------------------------------------------------------------- helpers
    def next_recordno(self, obj: str) -> str:
        # ARINVOICE and ARPYMT are both PR records in Intacct: they share one RECORDNO sequence.
        seq = "PRRECORD" if obj in ("ARINVOICE", "ARPYMT") else obj
        return str(self.store.next_sequence(f"recordno:{seq}"))

    def by_id(self, obj: str, field: str, value: str) -> Record | None:
        keys = self.store.find(obj, field, value)
        return self.store.get(obj, keys[0]) if keys else None

    def audit(self, objtype: str, record: Record, mode: str, desc: str = "") -> None:
        """AUDITHISTORY row with the documented fields only; OBJECTTYPE and SOURCE lower case.

        OBJECTKEY is the RECORDNO (``audit_object_key="recordno"``) or the readable ID ``desc``
        (CUSTOMERID, ITEMID, invoice RECORDID, DOCID; ``"id"``): which one a real company writes for
        CUSTOMER, ITEM and ARINVOICE is not public, so the emulator serves either. ACCESSTIME is the
        company's wall time (``audit_time_zone="company"``) or GMT (``"gmt"``), also not public.
        """
        if objtype.lower() in self.audit_untracked:  # a company whose trail does not cover the object
            return
        key = desc if self.audit_object_key == "id" and desc else record.get("RECORDNO", "")
        when = self.utc_ts() if self.audit_time_zone == "gmt" else self.now_ts()
        no = str(self.store.next_sequence("recordno:AUDITHISTORY"))
        self.store.put(
            "AUDITHISTORY",
            no,
            {
                "OBJECTTYPE": objtype.lower(),
                "OBJECTKEY": key,
                "ACCESSTIME": when,
                "ACCESSMODE": mode,
                "USERID": self.userid,
                "SOURCE": self.audit_source,
            },
        )

    def stamp_modified(self, record: Record) -> Record:
        return {**record, "WHENMODIFIED": self.now_ts(), "MODIFIEDBY": "1"}

    def adjust_customer_due(self, cid: str, delta: Decimal) -> None:
        customer = self.by_id("CUSTOMER", "CUSTOMERID", cid)
        if customer is None:
            return
        due = Decimal(customer.get("TOTALDUE") or "0") + delta
        # TOTALDUE is derived: it changes WHENMODIFIED of the invoice, not of the customer master.
        self.store.put("CUSTOMER", customer["RECORDNO"], {**customer, "TOTALDUE": money(due)})
