"""Three-way merge: every rule per owner and policy, drift, resolutions, and the echo property."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfintacct_desktop.engine.mapping import ConflictPolicy, EntityMapping, FieldMapping, Owner, load_mapping
from sfintacct_desktop.engine.merge import Decision, merge, resolution_value

D = Decision


def _one(owner: str, policy: str = "review", transform: str = "text") -> EntityMapping:
    spec = FieldMapping("name", ("Name",), ("NAME",), Owner(owner), transform)
    return EntityMapping("customer", ConflictPolicy(policy), (spec,), "SF-{seq:06d}", True)


# (owner, policy, base, sf, ia, decision, value, write_sf, write_ia, overridden); base None = new link
RULES = [
    ("both", "review", "a", "a", "a", D.NO_CHANGE, "a", None, None, ""),
    ("both", "review", "a", "b", "a", D.TAKE_SALESFORCE, "b", None, "b", ""),
    ("both", "review", "a", "a", "c", D.TAKE_INTACCT, "c", "c", None, ""),
    ("both", "review", "a", "b", "c", D.CONFLICT, None, None, None, ""),
    ("both", "review", "a", "b", "b", D.CONVERGED, "b", None, None, ""),
    ("both", "salesforce", "a", "b", "c", D.TAKE_SALESFORCE, "b", None, "b", "intacct"),
    ("both", "intacct", "a", "b", "c", D.TAKE_INTACCT, "c", "c", None, "salesforce"),
    ("salesforce", "review", "a", "b", "a", D.TAKE_SALESFORCE, "b", None, "b", ""),
    ("salesforce", "review", "a", "a", "c", D.OVERWRITE_BACK_INTACCT, "a", None, "a", "intacct"),
    ("salesforce", "review", "a", "b", "c", D.OVERWRITE_BACK_INTACCT, "b", None, "b", "intacct"),
    ("salesforce", "intacct", "a", "b", "c", D.OVERWRITE_BACK_INTACCT, "b", None, "b", "intacct"),
    ("salesforce", "review", "a", "b", "b", D.CONVERGED, "b", None, None, ""),
    ("intacct", "review", "a", "a", "c", D.TAKE_INTACCT, "c", "c", None, ""),
    ("intacct", "review", "a", "b", "a", D.OVERWRITE_BACK_SALESFORCE, "a", "a", None, "salesforce"),
    ("intacct", "review", "a", "b", "c", D.OVERWRITE_BACK_SALESFORCE, "c", "c", None, "salesforce"),
    ("intacct", "salesforce", "a", "b", "c", D.OVERWRITE_BACK_SALESFORCE, "c", "c", None, "salesforce"),
    # no base (a new link): the owner decides; "both" needs review or a policy
    ("both", "review", None, "a", "a", D.NO_CHANGE, "a", None, None, ""),
    ("both", "review", None, "a", "b", D.CONFLICT, None, None, None, ""),
    ("both", "salesforce", None, "a", "b", D.TAKE_SALESFORCE, "a", None, "a", ""),
    ("both", "intacct", None, "a", "b", D.TAKE_INTACCT, "b", "b", None, ""),
    ("salesforce", "review", None, "a", "b", D.TAKE_SALESFORCE, "a", None, "a", ""),
    ("intacct", "review", None, "a", "b", D.TAKE_INTACCT, "b", "b", None, ""),
]


@pytest.mark.parametrize(("owner", "policy", "base", "sf", "ia", "decision", "value", "w_sf", "w_ia", "over"), RULES)
def test_merge_rules(owner, policy, base, sf, ia, decision, value, w_sf, w_ia, over):
    bases = None if base is None else {"name": base}
    plan = merge(_one(owner, policy), bases, bases, {"name": sf}, {"name": ia})
    d = plan.decision("name")
    assert d.decision is decision, d.reason
    assert d.value == value
    assert dict(plan.write_salesforce) == ({} if w_sf is None else {"name": w_sf})
    assert dict(plan.write_intacct) == ({} if w_ia is None else {"name": w_ia})
    assert d.overridden == over
    assert plan.has_writes == (w_sf is not None or w_ia is not None)
    if decision is D.CONFLICT:
        (c,) = plan.conflicts
        assert (c.field, c.salesforce, c.intacct) == ("name", sf, ia)
        assert (c.base_salesforce, c.base_intacct) == (base, base)
    else:
        assert not plan.conflicts
        assert plan.base_salesforce["name"] == plan.base_intacct["name"] == (value if value is not None else sf)


@pytest.mark.parametrize(
    ("owner", "policy", "decision", "w_sf", "w_ia"),
    [
        ("salesforce", "review", D.TAKE_SALESFORCE, None, "x"),
        ("intacct", "review", D.TAKE_INTACCT, "y", None),
        ("both", "review", D.CONFLICT, None, None),
        ("both", "salesforce", D.TAKE_SALESFORCE, None, "x"),
        ("both", "intacct", D.TAKE_INTACCT, "y", None),
    ],
)
def test_drift_is_resolved_by_the_owner(owner, policy, decision, w_sf, w_ia):
    """Each side equals its own base, but the bases differ (a write that never landed)."""
    plan = merge(_one(owner, policy), {"name": "x"}, {"name": "y"}, {"name": "x"}, {"name": "y"})
    assert plan.decision("name").decision is decision
    assert "drift" in plan.decision("name").reason
    assert plan.write_salesforce.get("name") == w_sf
    assert plan.write_intacct.get("name") == w_ia


def test_conflict_keeps_the_bases_and_writes_nothing():
    plan = merge(_one("both"), {"name": "a"}, {"name": "a"}, {"name": "b"}, {"name": "c"})
    assert not plan.has_writes
    assert plan.base_salesforce["name"] == "a" and plan.base_intacct["name"] == "a"
    again = merge(_one("both"), plan.base_salesforce, plan.base_intacct, {"name": "b"}, {"name": "c"})
    assert again.decision("name").decision is D.CONFLICT


@pytest.mark.parametrize(("take", "w_sf", "w_ia"), [("salesforce", None, "b"), ("intacct", "c", None), ("z", "z", "z")])
def test_resolution_writes_the_chosen_value_where_it_differs(take, w_sf, w_ia):
    conflict = merge(_one("both"), {"name": "a"}, {"name": "a"}, {"name": "b"}, {"name": "c"}).conflicts[0]
    chosen = resolution_value(conflict, take)
    plan = merge(_one("both"), {"name": "a"}, {"name": "a"}, {"name": "b"}, {"name": "c"}, resolutions={"name": chosen})
    assert plan.decision("name").decision is D.RESOLVED
    assert plan.write_salesforce.get("name") == w_sf
    assert plan.write_intacct.get("name") == w_ia
    assert not plan.conflicts
    after_sf, after_ia = w_sf or "b", w_ia or "c"
    quiet = merge(_one("both"), plan.base_salesforce, plan.base_intacct, {"name": after_sf}, {"name": after_ia})
    assert not quiet.has_writes and not quiet.conflicts


def test_equal_spellings_are_no_change():
    m = load_mapping().customer
    base = {"phone": "+14155550101", "address.country_code": "US", "website": "https://acme.example/"}
    sf = {"phone": "(415) 555-0101", "address.country_code": "United States", "website": "acme.example"}
    ia = {"phone": "+1 415.555.0101", "address.country_code": "USA", "website": "HTTP://ACME.example"}
    plan = merge(m, base, base, sf, ia)
    for field in base:
        assert plan.decision(field).decision is D.NO_CHANGE
    assert not plan.has_writes


def test_different_fields_edited_on_both_sides_both_survive():
    m = load_mapping().customer
    base = {"name": "Acme", "address.city": "San Jose"}
    plan = merge(
        m, base, base, {"name": "Acme Inc", "address.city": "San Jose"}, {"name": "Acme", "address.city": "Austin"}
    )
    assert dict(plan.write_intacct) == {"name": "Acme Inc"}
    assert dict(plan.write_salesforce) == {"address.city": "Austin"}


def test_price_owned_by_intacct_is_put_back_in_salesforce():
    m = load_mapping().product
    base = {"name": "W", "description": "", "active": True, "price": "10.00"}
    plan = merge(m, base, base, {**base, "price": "9.00"}, base)
    d = plan.decision("price")
    assert d.decision is D.OVERWRITE_BACK_SALESFORCE and d.overridden == "salesforce"
    assert dict(plan.write_salesforce) == {"price": "10.00"} and not plan.write_intacct
    assert plan.overwrites_back == (d,)


def test_plan_is_frozen():
    plan = merge(_one("both"), None, None, {"name": "a"}, {"name": "a"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.entity = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        plan.write_salesforce["name"] = "b"  # type: ignore[index]


# ------------------------------------------------------------------ echo property
_FIELDS = ("f0", "f1", "f2", "f3")
_vals = st.sampled_from(["a", "b", "c", " a ", "B"])
_side = st.fixed_dictionaries({f: _vals for f in _FIELDS})


@settings(max_examples=400, deadline=None)
@given(
    owners=st.lists(st.sampled_from(list(Owner)), min_size=4, max_size=4),
    policy=st.sampled_from([ConflictPolicy.SALESFORCE, ConflictPolicy.INTACCT, ConflictPolicy.REVIEW]),
    base_sf=st.one_of(st.none(), _side),
    base_ia=st.one_of(st.none(), _side),
    sf=_side,
    ia=_side,
)
def test_echo_property(owners, policy, base_sf, base_ia, sf, ia):
    """Apply the plan's writes and bases, merge again: no writes, and only the same conflicts."""
    specs = tuple(FieldMapping(f, (f,), (f,), o, "text") for f, o in zip(_FIELDS, owners, strict=True))
    m = EntityMapping("customer", policy, specs, "SF-{seq:06d}", True)
    if (base_sf is None) != (base_ia is None):
        base_ia = base_sf
    plan = merge(m, base_sf, base_ia, sf, ia)
    # INV-OWNERSHIP: the owner side of a field is never written.
    assert not any(specs[_FIELDS.index(f)].owner is Owner.INTACCT for f in plan.write_intacct)
    assert not any(specs[_FIELDS.index(f)].owner is Owner.SALESFORCE for f in plan.write_salesforce)
    new_sf = {**sf, **plan.write_salesforce}
    new_ia = {**ia, **plan.write_intacct}
    again = merge(m, plan.base_salesforce, plan.base_intacct, new_sf, new_ia)
    assert not again.has_writes
    assert {c.field for c in again.conflicts} == {c.field for c in plan.conflicts}
    if policy is not ConflictPolicy.REVIEW:
        assert not plan.conflicts
    for f in _FIELDS:
        if f not in {c.field for c in plan.conflicts}:
            assert m.field(f).transform.equal(new_sf[f], new_ia[f])  # INV-CONVERGE


_phones = st.sampled_from(["(415) 555-0101", "+1 415.555.0101", "415 555 0102", "", "n/a"])
_countries = st.sampled_from(["USA", "United States", "US", "Germany", "DE", "Narnia", ""])
_urls = st.sampled_from(["acme.example", "https://ACME.example/", "www.acme.example", ""])
_lines = st.lists(st.sampled_from(["1 Main St", " Suite 2 ", "Floor 3", "Bldg 4"]), max_size=5)
_CUSTOMER_FIELDS = ("phone", "address.country_code", "website", "address.lines")
_customer = st.fixed_dictionaries(
    {"phone": _phones, "address.country_code": _countries, "website": _urls, "address.lines": _lines}
)


@settings(max_examples=200, deadline=None)
@given(base=st.one_of(st.none(), _customer), sf=_customer, ia=_customer, policy=st.sampled_from(list(ConflictPolicy)))
def test_echo_property_with_the_default_customer_mapping(base, sf, ia, policy):
    """Real transforms: after the writes land (as canonical values), a second merge is quiet."""
    m = load_mapping().customer
    m = dataclasses.replace(m, conflict_policy=policy, fields=tuple(f for f in m.fields if f.name in _CUSTOMER_FIELDS))
    plan = merge(m, base, base, sf, ia)
    new_sf = {**sf, **plan.write_salesforce}
    new_ia = {**ia, **plan.write_intacct}
    again = merge(m, plan.base_salesforce, plan.base_intacct, new_sf, new_ia)
    assert not again.has_writes
    assert {c.field for c in again.conflicts} == {c.field for c in plan.conflicts}


def test_a_side_not_read_is_its_stored_base_and_still_merges_quietly():
    """A pair read on one side only merges against the other side's base as the store hands it back
    (JSON: lists for tuples, text for Decimals): that is the quiet shortcut, not a full merge."""
    m = load_mapping().customer
    values = {f.name: "" for f in m.fields} | {"address.lines": ("1 Main St", "Floor 2"), "active": True}
    stored = {**values, "address.lines": ["1 Main St", "Floor 2"]}
    plan = merge(m, stored, stored, values, stored)
    assert plan.bases_as_stored and not plan.has_writes and not plan.conflicts
    assert plan.base_salesforce["address.lines"] == ("1 Main St", "Floor 2")
    moved = merge(m, stored, stored, {**values, "address.lines": ("2 Main St",)}, stored)
    assert moved.write_intacct == {"address.lines": ("2 Main St",)} and not moved.bases_as_stored
