"""Which new audit rows are the product's own writes: each expectation takes one row, never a deletion."""

from __future__ import annotations

from sfintacct_desktop.engine.echoes import Echoes, consume


def _row(objtype: str, key: str, mode: str = "M", when: str = "12/06/2026 01:00:00") -> dict[str, str]:
    return {"OBJECTTYPE": objtype, "OBJECTKEY": key, "ACCESSMODE": mode, "ACCESSTIME": when}


def test_a_row_matches_by_readable_id_or_recordno_once_each() -> None:
    expected = [("customer", ("C-1", "101")), ("customer", ("C-2", "102"))]
    rows = [_row("customer", "101"), _row("CUSTOMER", "C-2", "C"), _row("customer", "102--REC")]
    assert consume(rows, expected) == [rows[2]]  # C-2's one expectation went to its first row


def test_a_second_row_for_one_expectation_stays_new_even_in_the_same_second() -> None:
    rows = [_row("customer", "C-1"), _row("customer", "C-1")]
    assert consume(rows, [("customer", ("C-1", "101"))]) == [rows[1]]


def test_deletions_and_other_types_are_never_taken_for_our_writes() -> None:
    expected = [("customer", ("C-1", "101")), ("item", ("I-1", "7"))]
    rows = [_row("customer", "C-1", "D"), _row("item", "C-1"), _row("arinvoice", "101")]
    assert consume(rows, expected) == rows


def test_echoes_of_a_run_skip_empty_keys_and_unknown_entities() -> None:
    echoes = Echoes()
    echoes.wrote_ia("customer", "C-1", None, "")
    echoes.wrote_ia("product", "I-1", "7")
    echoes.wrote_ia("order", "SO-1")
    echoes.wrote_ia("customer", None)
    echoes.wrote_sf("customer", "001000000000001AAA", 5)
    echoes.wrote_sf("product", "01t000000000001AAA", 6)
    assert echoes.ia == [("customer", ("C-1",)), ("item", ("7", "I-1"))]
    assert echoes.sf_accounts == {"001000000000001AAA": 5}
