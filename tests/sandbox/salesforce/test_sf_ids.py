"""18-character Salesforce ids: the real case-safe checksum, and 15/18 normalisation."""

from __future__ import annotations

from sfintacct_sandbox.salesforce import ids


def test_checksum_matches_known_real_ids() -> None:
    # pairs quoted in public docs and fixtures (restforce, CumulusCI)
    assert ids.to18("001D000000IqhSL") == "001D000000IqhSLIAZ"
    assert ids.to18("a00D0000008pQRA") == "a00D0000008pQRAIA2"
    assert ids.to18("003q000000KvQ1t") == "003q000000KvQ1tAAF"


def test_make_and_normalize() -> None:
    rid = ids.make_id("001", 1)
    assert len(rid) == 18 and rid.startswith("0015e0")
    assert ids.normalize(rid[:15]) == rid and ids.normalize(rid) == rid
    assert ids.normalize(rid[:15] + "ZZZ") is None
    assert ids.normalize("short") is None and ids.normalize(42) is None
    assert ids.make_id("001", 2) > rid
