"""Fault registry: armed faults fire for the named operation, the given number of times."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.faults import FaultRegistry, FaultSpecError


def test_fault_fires_count_times_for_its_operation_only():
    reg = FaultRegistry()
    reg.arm("create_sotransaction", "http_500", count=2)
    assert reg.take("query") is None
    assert reg.take("create_sotransaction").mode == "http_500"
    assert reg.take("CREATE_SOTRANSACTION").mode == "http_500"
    assert reg.take("create_sotransaction") is None


def test_star_matches_any_and_first_armed_fires_first():
    reg = FaultRegistry()
    reg.arm("*", "timeout", delay_seconds=3)
    reg.arm("query", "rate_limit")
    first = reg.take("query")
    assert (first.mode, first.delay_seconds) == ("timeout", 3)
    assert reg.take("query").mode == "rate_limit"
    assert reg.pending() == []


@pytest.mark.parametrize(("mode", "count"), [("explode", 1), ("http_500", 0), ("http_500", -1)])
def test_bad_specs_are_refused(mode, count):
    with pytest.raises(FaultSpecError):
        FaultRegistry().arm("query", mode, count=count)
