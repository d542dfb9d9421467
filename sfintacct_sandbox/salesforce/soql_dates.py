"""Named SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, ...) as half-open key ranges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

__all__ = ["Range", "date_range"]


@dataclass(frozen=True)
class Range:
    """A named date literal (TODAY, LAST_N_DAYS:n, ...) as a half-open key range [lo, hi)."""

    lo: Any
    hi: Any


def _add_months(d: date, k: int) -> date:
    m = d.month - 1 + k
    return date(d.year + m // 12, m % 12 + 1, 1)


def date_range(name: str, n: int, today: date) -> tuple[date, date]:
    day = timedelta(days=1)
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday (en_US)
    month = today.replace(day=1)
    year = date(today.year, 1, 1)
    ranges = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_N_DAYS": (today - n * day, today + day),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "THIS_WEEK": (week, week + 7 * day),
        "LAST_WEEK": (week - 7 * day, week),
        "NEXT_WEEK": (week + 7 * day, week + 14 * day),
        "LAST_N_WEEKS": (week - 7 * n * day, week),
        "NEXT_N_WEEKS": (week + 7 * day, week + 7 * (n + 1) * day),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "LAST_MONTH": (_add_months(month, -1), month),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        "LAST_N_MONTHS": (_add_months(month, -n), month),
        "NEXT_N_MONTHS": (_add_months(month, 1), _add_months(month, n + 1)),
        "THIS_YEAR": (year, year.replace(year=year.year + 1)),
        "LAST_YEAR": (year.replace(year=year.year - 1), year),
        "NEXT_YEAR": (year.replace(year=year.year + 1), year.replace(year=year.year + 2)),
        "LAST_N_YEARS": (year.replace(year=year.year - n), year),
        "NEXT_N_YEARS": (year.replace(year=year.year + 1), year.replace(year=year.year + n + 1)),
    }
    return ranges[name]
