"""The audit trail helpers: OBJECTKEY forms, the ACCESSTIME window under either clock, zone detection."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sfintacct_desktop.connectors import ia_audit

LA, TOKYO = ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Tokyo")


def test_object_key_forms() -> None:
    assert ia_audit.object_key(" 123 ") == "123"
    assert ia_audit.object_key("123--REC") == "123"
    assert ia_audit.object_key("C-001") == "C-001"
    assert ia_audit.object_key("A--B") == "A--B"


@pytest.mark.parametrize("zone", [LA, TOKYO])
def test_the_unknown_clock_window_starts_at_or_before_the_moment_under_both(zone: ZoneInfo) -> None:
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    bound = datetime.strptime(ia_audit.since_text(moment, zone, None), "%m/%d/%Y %H:%M:%S")
    company = moment.astimezone(zone).replace(tzinfo=None)
    gmt = moment.replace(tzinfo=None)
    assert bound <= company and bound <= gmt and bound in (company, gmt)
    assert ia_audit.since_text(moment, zone, "company") == company.strftime("%m/%d/%Y %H:%M:%S")
    assert ia_audit.since_text(moment, zone, "gmt") == gmt.strftime("%m/%d/%Y %H:%M:%S")


def _rows(stamp: str) -> list[dict[str, str]]:
    return [{"OBJECTTYPE": "customer", "OBJECTKEY": "7", "ACCESSTIME": stamp, "ACCESSMODE": "M"}]


def test_detect_zone() -> None:
    records = [("customer", {"7", "C-7"}, "07/01/2026 10:00:00")]  # WHENMODIFIED, LA wall time (UTC-7)
    assert ia_audit.detect_zone(_rows("07/01/2026 10:00:01"), records, LA) == "company"
    assert ia_audit.detect_zone(_rows("07/01/2026 17:00:00"), records, LA) == "gmt"
    assert ia_audit.detect_zone(_rows("07/01/2026 13:00:00"), records, LA) is None  # neither: no evidence
    assert ia_audit.detect_zone(_rows("07/01/2026 10:00:00"), [], LA) is None
    winter = [("customer", {"7"}, "01/10/2026 10:00:00")]  # UTC-8 in January
    assert ia_audit.detect_zone(_rows("01/10/2026 18:00:00"), winter, LA) == "gmt"
