"""The profile editor's rules without a window: each problem under its field, secrets kept or moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from sfintacct_desktop.app import profile_editing as pe
from sfintacct_desktop.app.setup_checklist import checklist
from sfintacct_desktop.config import profiles as cfg
from tests.support.file_keyring import ENV_FILE, FileKeyring

FORM = {
    "name": "acme",
    "sf.auth_method": "web",
    "sf.host_kind": "mydomain",
    "sf.host_value": "acme-corp",
    "sf.consumer_key": "3MVG9key",
    "ia.sender_id": "sender",
    "ia.company_id": "ACME",
    "ia.user_id": "xml_gateway",
}
SECRETS = {"intacct.sender_password": "s-pass", "intacct.user_password": "u-pass"}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield tmp_path / "home"
    keyring.set_keyring(previous)


def test_a_good_form_is_saved_and_reads_back_as_typed() -> None:
    result = pe.save_form(FORM, SECRETS)
    assert result == {"errors": {}, "profile": "acme", "created": True}
    prof = cfg.get_profile("acme")
    assert prof["salesforce"]["login_host"] == "mydomain:acme-corp" and prof["kind"] == "real"
    form = pe.form_of("acme")
    assert {k: form[k] for k in FORM} == FORM
    assert pe.stored_secrets("acme")["intacct.user_password"] == "stored"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": "no spaces"}, "name", "not a valid profile name"),
        ({"sf.host_kind": "url", "sf.host_value": "http://example.com"}, "sf.host_value", "plain http://"),
        ({"sf.api_version": "20.0"}, "sf.api_version", "retired"),
        ({"sf.consumer_key": ""}, "sf.consumer_key", "External Client App"),
        ({"sf.auth_method": "jwt", "sf.username": "u@x.com"}, "sf.private_key_file", "private key file"),
        ({"sf.auth_method": "client_credentials", "sf.host_kind": "production"}, "sf.host_value", "My Domain"),
        ({"sf.callback_ports": "17x7"}, "sf.callback_ports", "not a list of ports"),
        ({"ia.company_id": ""}, "ia.company_id", "company ID is needed"),
        ({"ia.timezone": "Mars/Base"}, "ia.timezone", "IANA time zone"),
    ],
)
def test_each_bad_value_is_named_at_its_field(change: dict[str, str], field: str, words: str) -> None:
    result = pe.save_form({**FORM, **change}, SECRETS)
    assert set(result["errors"]) == {field}, result["errors"]
    assert words in result["errors"][field]
    assert "--" not in result["errors"][field]  # the window has fields, not options
    assert cfg.list_profiles() == {}


def test_an_edit_keeps_stored_secrets_and_drops_those_the_new_login_does_not_use() -> None:
    pe.save_form({**FORM, "sf.auth_method": "soap", "sf.username": "u@x.com"}, {**SECRETS, "salesforce.password": "pw"})
    assert pe.stored_secrets("acme")["salesforce.password"] == "stored"
    result = pe.save_form(FORM, {}, original="acme")  # back to the browser sign-in, no secret typed
    assert result["errors"] == {} and not result["renamed_from"]
    stored = pe.stored_secrets("acme")
    assert stored["intacct.user_password"] == "stored" and stored["salesforce.password"] == "not needed"
    assert FileKeyring().get_password("sfintacct-desktop:acme", "salesforce.password") is None


def test_the_profile_in_use_cannot_be_renamed() -> None:
    pe.save_form(FORM, SECRETS)
    result = pe.save_form({**FORM, "name": "acme2"}, {}, original="acme", open_profile="acme")
    assert "open in the window" in result["errors"]["name"] and "acme2" not in cfg.list_profiles()


def test_first_run_and_the_profile_rows() -> None:
    assert pe.first_run() and pe.profiles_stamp() is None
    pe.save_form(FORM, SECRETS)
    assert not pe.first_run() and pe.profiles_stamp() is not None
    assert pe.profile_rows() == [{"name": "acme", "kind": "real"}]


def test_the_checklist_folds_a_missing_objects_fields_and_names_the_consequence() -> None:
    result = {
        "salesforce": {
            "ok": False,
            "missing": ["Intacct_Payment__c", "Intacct_Payment__c.Amount__c", "Product2.Intacct_Item_ID__c"],
            "problems": ["Account.Intacct_Customer_ID__c: unique is False, expected True"],
        },
        "intacct": {"ok": True, "missing": ["ITEM.SFDC_PRODUCT_ID"], "reads": {"customers": "ok"}},
    }
    items = checklist(result)
    assert [(i["system"], i["status"]) for i in items] == [
        ("Salesforce", "Missing object"),
        ("Salesforce", "Missing field"),
        ("Salesforce", "Wrong field"),
        ("Intacct", "Missing field"),
    ]
    assert items[1]["item"] == "Product2.Intacct_Item_ID__c"
    assert "product links are kept only in the local link table" in items[3]["todo"]
    assert checklist({"salesforce": {"ok": True}, "intacct": {"ok": True}}) == []
