"""The emulators' JSON answers are encoded a list item at a time, yet read exactly as ``json.dumps``."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sfintacct_sandbox.httpserver import PIECE_ITEMS, dumps_in_pieces, json_response

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=PIECE_ITEMS + 8) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=400,
)


@given(values)
def test_pieces_are_byte_for_byte_json_dumps(body: object) -> None:
    assert dumps_in_pieces(body) == json.dumps(body)


def test_a_query_page_is_the_same_bytes_on_the_wire() -> None:
    records = [{"attributes": {"type": "Account"}, "Id": f"001{i:015d}", "Name": f"Acme {i} ü"} for i in range(2000)]
    page = {"totalSize": 2000, "done": True, "records": records}
    response = json_response(page)
    assert response.get_data(as_text=True) == json.dumps(page)
    assert json.loads(response.get_data()) == page
