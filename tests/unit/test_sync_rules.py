"""The sync rules as the window edits them: the profile's mapping file changed in place, checked first.

Each test saves through the editor's use cases and reads the file back with the engine's own loader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sfintacct_desktop.app import profile_editing as pe
from sfintacct_desktop.app import sync_rules as sr
from sfintacct_desktop.engine.mapping import Owner, load_mapping
from tests.unit.test_profile_editing import FORM, SECRETS, home  # noqa: F401 (home: a fixture)


@pytest.fixture(autouse=True)
def acme(home: Path) -> Path:  # noqa: F811 (the imported fixture, asked for by name)
    """A real profile named acme (the profile editor's tests' form), its secrets in the test keyring."""
    assert pe.save_form(FORM, SECRETS)["errors"] == {}
    return home


def test_a_profile_without_its_own_file_shows_the_shipped_rules() -> None:
    rules = sr.read_rules("acme")
    assert not rules.own_file and Path(rules.path).name == "acme.toml" and not Path(rules.path).exists()
    names = [f.name for f in rules.customer.fields]
    assert names[:3] == ["name", "phone", "website"] and all(f.synced for f in rules.customer.fields)
    assert rules.customer.field("name").required and not rules.customer.field("phone").required
    assert rules.product.field("price").owner == "intacct" and rules.price_owner == "intacct"
    assert rules.customer.conflict_policy == "review"


def test_a_save_writes_the_profiles_own_file_with_its_comments_and_the_engine_reads_it() -> None:
    rules = sr.read_rules("acme")
    rules = sr.with_field(rules, "customer", "phone", owner="intacct")
    rules = sr.with_field(rules, "customer", "website", synced=False)
    rules.product.conflict_policy = "intacct"
    rules.pricebook_active_owner = "salesforce"
    result = sr.save_rules(rules)
    path = Path(result["path"])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# sfintacct-desktop field mapping") and "# Price books (custom Salesforce" in text
    mapping = load_mapping(path)
    assert mapping.customer.field("phone").owner is Owner.INTACCT
    assert "website" not in mapping.customer.names
    assert mapping.product.conflict_policy.value == "intacct"
    assert mapping.pricebook.active is Owner.SALESFORCE and mapping.pricebook.price is Owner.INTACCT
    assert result["changes"] == [
        "Customers: Phone is now owned by Intacct.",
        "Customers: Website no longer syncs.",
        "Products: a conflict now Intacct wins.",
        "Price books: the active flag is now owned by Salesforce.",
    ]
    again = sr.read_rules("acme")
    assert again.own_file and [f.name for f in again.customer.fields][:3] == ["name", "phone", "website"]
    assert not again.customer.field("website").synced and again.customer.field("phone").owner == "intacct"


def test_a_field_turned_on_again_goes_back_to_its_place_and_an_unchanged_save_changes_nothing() -> None:
    sr.save_rules(sr.with_field(sr.read_rules("acme"), "customer", "website", synced=False))
    path = Path(sr.read_rules("acme").path)
    sr.save_rules(sr.with_field(sr.read_rules("acme"), "customer", "website", synced=True))
    mapping = load_mapping(path)
    assert mapping.customer.names == load_mapping(None).customer.names
    before = path.read_text(encoding="utf-8")
    assert sr.save_rules(sr.read_rules("acme"))["changes"] == []
    assert path.read_text(encoding="utf-8") == before


def test_an_operators_own_comment_in_the_file_is_kept() -> None:
    rules = sr.read_rules("acme")
    path = Path(rules.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rules.text.replace('name = "phone"', '# ours: finance keeps the phone\nname = "phone"'))
    sr.save_rules(sr.with_field(sr.read_rules("acme"), "customer", "phone", owner="salesforce"))
    text = path.read_text(encoding="utf-8")
    assert "# ours: finance keeps the phone" in text
    assert load_mapping(path).customer.field("phone").owner is Owner.SALESFORCE


@pytest.mark.parametrize("name", ["name", "active"])
def test_the_name_and_the_active_flag_always_sync(name: str) -> None:
    rules = sr.with_field(sr.read_rules("acme"), "customer", name, synced=False)
    with pytest.raises(sr.RulesError) as err:
        sr.save_rules(rules)
    assert "always syncs" in err.value.errors["customer.fields"]
    assert not Path(rules.path).exists()


def test_a_bad_id_pattern_is_refused_under_its_field_and_nothing_is_written() -> None:
    rules = sr.read_rules("acme")
    rules.customer.id_pattern = "SF {seq}"
    with pytest.raises(sr.RulesError) as err:
        sr.save_rules(rules)
    assert (
        set(err.value.errors) == {"customer.id_pattern"} and "SF-{seq:06d}" in err.value.errors["customer.id_pattern"]
    )
    assert not Path(rules.path).exists()


def test_a_broken_file_is_shown_as_the_shipped_rules_and_kept_aside_when_replaced() -> None:
    path = Path(sr.read_rules("acme").path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("version = 1\n[customer\n", encoding="utf-8")
    rules = sr.read_rules("acme")
    assert rules.problem["title"] == "Mapping file is not valid TOML" and str(path) in rules.problem["message"]
    assert rules.customer.field("phone").synced
    sr.save_rules(rules)
    assert path.with_name("acme.toml.bad").read_text(encoding="utf-8") == "version = 1\n[customer\n"
    assert load_mapping(path).customer.names == load_mapping(None).customer.names


def test_reset_gives_the_shipped_rules_for_the_same_file() -> None:
    sr.save_rules(sr.with_field(sr.read_rules("acme"), "customer", "phone", owner="intacct"))
    reset = sr.default_rules("acme")
    assert reset.path == sr.read_rules("acme").path and reset.customer.field("phone").owner == "both"
    assert sr.save_rules(reset)["changes"] == ["Customers: Phone is now owned by both systems."]


def test_a_renamed_profile_keeps_its_rules() -> None:
    sr.save_rules(sr.with_field(sr.read_rules("acme"), "customer", "phone", owner="intacct"))
    result = pe.save_form({**FORM, "name": "acme2"}, {}, original="acme")
    assert result["errors"] == {}, result
    assert sr.read_rules("acme2").customer.field("phone").owner == "intacct"


def test_the_cli_twin_shows_changes_and_refuses_a_bad_setting(capsys: pytest.CaptureFixture[str]) -> None:
    from sfintacct_desktop.cli import main

    assert main(["profile", "rules", "acme"]) == 0
    shown = capsys.readouterr().out
    assert "shipped rules" in shown and "  phone                  both" in shown
    assert main(["profile", "rules", "acme", "--set", "customer.phone=intacct", "--set", "customer.website=off"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Customers: Phone is now owned by Intacct.\nCustomers: Website no longer syncs.\n")
    assert "  website                off" in out
    path = Path(sr.read_rules("acme").path)
    before = path.read_text(encoding="utf-8")
    assert main(["profile", "rules", "acme", "--set", "product.price=salesforce", "--set", "customer.fax=off"]) == 1
    err = capsys.readouterr().err
    assert "'fax' is not a customer field" in err and "Nothing was written" in err
    assert path.read_text(encoding="utf-8") == before  # the good --set before the bad one is not saved either
    assert main(["profile", "rules", "acme", "--reset", "--json"]) == 0
    assert '"changes": ["Customers: Phone is now owned by both systems.", "Customers: Website now syncs."]' in (
        capsys.readouterr().out
    )


def test_a_removed_profiles_rules_are_kept_aside_and_a_new_one_of_its_name_starts_from_the_shipped_rules() -> None:
    sr.save_rules(sr.with_field(sr.read_rules("acme"), "customer", "phone", owner="intacct"))
    path = Path(sr.read_rules("acme").path)
    assert pe.remove("acme")["removed"]
    assert not path.exists()
    (aside,) = path.parent.glob("acme.toml.removed-*")
    assert load_mapping(aside).customer.field("phone").owner is Owner.INTACCT
    assert pe.save_form(FORM, SECRETS)["errors"] == {}
    again = sr.read_rules("acme")
    assert not again.own_file and again.customer.field("phone").owner == "both"
