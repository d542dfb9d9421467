"""The Intacct part of a profile: the concurrency its tier allows is read, checked, and 1 by default."""

from __future__ import annotations

import pytest

from sfintacct_desktop.app.connections import intacct_config
from sfintacct_desktop.app.profiles import ResolvedProfile
from sfintacct_desktop.config.profiles import ProfileError


def _profile(**intacct: object) -> ResolvedProfile:
    base = {"sender_id": "s", "company_id": "c", "user_id": "u", "url": "https://api.intacct.com/ia/xml/xmlgw.phtml"}
    return ResolvedProfile("acme", "real", {"intacct": {**base, **intacct}}, {})


def test_one_request_at_a_time_unless_the_profile_says_more() -> None:
    assert intacct_config(_profile())[0].max_concurrent_requests == 1
    assert intacct_config(_profile(max_concurrent_requests=2))[0].max_concurrent_requests == 2
    assert intacct_config(_profile(max_concurrent_requests="3"))[0].max_concurrent_requests == 3


@pytest.mark.parametrize("bad", [0, -1, 9, "two", 1.5])
def test_a_concurrency_the_tier_cannot_have_is_refused_with_a_hint(bad: object) -> None:
    with pytest.raises(ProfileError) as err:
        intacct_config(_profile(max_concurrent_requests=bad))
    assert "max_concurrent_requests" in str(err.value) and err.value.hint
