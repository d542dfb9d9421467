"""Demo customers: ~150 Accounts and ~140 CUSTOMERs, ~100 of them the same companies keyed differently.

The scenarios a baseline matcher must get right are built on purpose and recorded in the truth:
exact cross-keys (AccountNumber = CUSTOMERID), fuzzy-only pairs, renamed companies (same phone and
domain), duplicates inside each side, and near misses that must NOT match (same name in another
city, subsidiaries), plus one AccountNumber keyed against the wrong customer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any

from sfintacct_sandbox.seeds import companies as cp
from sfintacct_sandbox.seeds import names as n
from sfintacct_sandbox.seeds.model import Ref, SeedRow

SHARED_EXACT = 30
SHARED_FUZZY = 66  # includes the subsidiary pair and the "moved" pairs
SHARED_RENAMED = 4
SF_SINGLES = 42  # plain Salesforce-only companies (plus near-miss, duplicate and deleted rows)
IA_SINGLES = 35  # plain Intacct-only companies (plus near-miss and duplicate rows)


@dataclass
class SharedCustomer:
    """A company present on both sides; the sales generator puts opportunities on these."""

    account: str
    customer: str
    customer_id: str
    active: bool


@dataclass
class CustomerWorld:
    """Rows and truth for customers, plus handles the sales generator needs."""

    salesforce: list[SeedRow] = field(default_factory=list)
    intacct: list[SeedRow] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)
    shared: list[SharedCustomer] = field(default_factory=list)
    salesforce_only: list[str] = field(default_factory=list)


class _Ids:
    """Intacct CUSTOMERIDs as several people assigned them over the years: mostly C-1xxx with gaps."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seq = 1000
        self.used: set[str] = set()

    def next(self, c: cp.Company, *, legacy: bool | None = None) -> str:
        if legacy is None:
            legacy = self.rng.random() < 0.15
        if legacy:
            base = cp.customer_id_from_name(c)
            cid, k = base, 2
            while cid in self.used:
                cid, k = f"{base[:10]}{k}", k + 1
        else:
            self.seq += self.rng.choice((1, 1, 1, 2, 3))
            cid = f"C-{self.seq}"
        self.used.add(cid)
        return cid


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones = cp.PhoneBook()
        self.ids = _Ids(rng)
        self.cores: set[str] = set()
        self.refs: set[str] = set()
        self.w = CustomerWorld()
        self.pairs: list[dict[str, Any]] = []
        self.sf_only: list[str] = []
        self.ia_only: list[str] = []
        self.dups: dict[str, list[list[str]]] = {"salesforce": [], "intacct": []}
        self.near: list[dict[str, str]] = []
        self.wrong_keys: list[dict[str, str]] = []
        self.deleted: list[str] = []
        self.inactive: list[str] = []
        self.ia_names: set[str] = set()
        self._companies: dict[str, cp.Company] = {}  # account ref of a pair -> its company

    # -- helpers ----------------------------------------------------------------------------------

    def company(self, **kw: Any) -> cp.Company:
        """A company whose core name no other company in the seed uses (unless pinned)."""
        if "core" in kw:
            self.cores.add(kw["core"])
            return cp.new_company(self.rng, self.phones, **kw)
        while True:
            c = cp.new_company(self.rng, self.phones, **kw)
            if c.core not in self.cores:
                self.cores.add(c.core)
                return c

    def ref(self, prefix: str, c: cp.Company, tag: str = "") -> str:
        base = f"{prefix}:{cp.slug(c.core)}{'-' + tag if tag else ''}"
        ref, k = base, 2
        while ref in self.refs:
            ref, k = f"{base}-{k}", k + 1
        self.refs.add(ref)
        return ref

    def styles(self, c: cp.Company, k: int) -> tuple[cp.NameStyle, cp.NameStyle, list[str]]:
        """Two name styles for one company with about k kinds of drift, and the kinds that took effect.

        With k >= 1 the two names always differ as strings.
        """
        for _ in range(20):
            sf, ia = cp.base_style(c), cp.base_style(c)
            # Each side may independently pick another spelling of the same legal form.
            if c.suffix and self.rng.random() < 0.4:
                sf = cp.drift_style(self.rng, c, sf, "suffix")
            pool = cp.available_drifts(c)
            for kind in self.rng.sample(sorted(set(pool)), min(k, len(set(pool)))):
                if self.rng.random() < 0.5:
                    sf = cp.drift_style(self.rng, c, sf, kind)
                else:
                    ia = cp.drift_style(self.rng, c, ia, kind)
            if k == 0 or cp.render_name(c, sf) != cp.render_name(c, ia):
                break
        return sf, ia, cp.name_drifts(c, sf, ia)

    def account(self, c: cp.Company, style: cp.NameStyle, tag: str = "", **extra: Any) -> str:
        ref = self.ref("acct", c, tag)
        deleted = bool(extra.pop("_deleted", False))
        fields = cp.render_account(self.rng, c, style, **extra)
        self.w.salesforce.append(SeedRow("Account", ref, fields, deleted=deleted))
        return ref

    def customer(
        self, c: cp.Company, style: cp.NameStyle, tag: str = "", *, cid: str | None = None, status: str = "active"
    ) -> tuple[str, str, cp.NameStyle]:
        ref = self.ref("cust", c, tag)
        cid = cid or self.ids.next(c)
        # Intacct names the display contact after the customer and contact names must be unique, so
        # whoever keyed a look-alike had to type the name differently.
        for _ in range(20):
            if cp.render_name(c, style).lower() not in self.ia_names:
                break
            style = cp.drift_style(self.rng, c, style, self.rng.choice(cp.available_drifts(c)))
        self.ia_names.add(cp.render_name(c, style).lower())
        self.w.intacct.append(SeedRow("CUSTOMER", ref, cp.render_customer(self.rng, c, style, cid, status=status)))
        if status == "inactive":
            self.inactive.append(ref)
        return ref, cid, style

    def noise_number(self) -> dict[str, Any]:
        """Some reps fill AccountNumber with their own numbering, unrelated to Intacct."""
        if self.rng.random() < 0.2:
            return {"AccountNumber": f"ACCT-{self.rng.randrange(10000, 99999)}"}
        return {}

    def pair(
        self,
        c: cp.Company,
        kind: str,
        *,
        drifts: int,
        exact: bool = False,
        sf_company: cp.Company | None = None,
        ia_company: cp.Company | None = None,
        status: str = "active",
        extra_tags: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        sf_style, ia_style, kinds = self.styles(c, drifts)
        sf_c = sf_company or c
        ia_c = ia_company or c
        if sf_company is not None:
            sf_style = cp.base_style(sf_c)
        cust_ref, cid, ia_style = self.customer(ia_c, ia_style, status=status)
        if sf_company is None:  # the Intacct style may have changed to keep the name unique
            kinds = cp.name_drifts(c, sf_style, ia_style)
        extra = {"AccountNumber": cid} if exact else self.noise_number()
        acct_ref = self.account(sf_c, sf_style, **extra)
        self._companies[acct_ref] = c
        entry = {"salesforce": acct_ref, "intacct": cust_ref, "kind": kind, "drift": kinds + list(extra_tags)}
        self.pairs.append(entry)
        self.w.shared.append(SharedCustomer(acct_ref, cust_ref, cid, status == "active"))
        return entry

    # -- scenarios --------------------------------------------------------------------------------

    def build(self) -> CustomerWorld:
        rng = self.rng
        sf_city = rng.choice(n.US_CITIES[:5])
        # A subsidiary that must never be matched to its parent: Acme Corp vs Acme Corp Europe GmbH.
        acme = self.company(core="Acme", suffix="corp", city=sf_city, domain="acme-corp.com")
        acme_pair = self.pair(acme, "fuzzy", drifts=1)
        berlin = next(cty for cty in n.INTL_CITIES if cty.city == "Berlin")
        acme_eu = self.company(core="Acme Corp Europe", suffix="gmbh", city=berlin, domain="acme-europe.de")
        # A subsidiary that exists on both sides as its own customer (a correct pair of its own).
        london = next(cty for cty in n.INTL_CITIES if cty.city == "London")
        parent = self.company()
        sub = self.company(core=f"{parent.core} UK", suffix="ltd", city=london)
        parent_pair = self.pair(parent, "fuzzy", drifts=1)
        sub_pair = self.pair(sub, "fuzzy", drifts=1)
        self.near += [
            {"salesforce": sub_pair["salesforce"], "intacct": parent_pair["intacct"], "kind": "subsidiary"},
            {"salesforce": parent_pair["salesforce"], "intacct": sub_pair["intacct"], "kind": "subsidiary"},
        ]

        exact = [
            self.pair(self.company(), "exact_key", drifts=rng.choice((0, 1, 1, 2)), exact=True)
            for _ in range(SHARED_EXACT)
        ]
        fuzzy = [acme_pair, parent_pair, sub_pair]
        for i in range(SHARED_FUZZY - 3):
            c = self.company()
            if i < 4:  # the company moved; one side still has the old address
                old = replace(c, street_no=rng.randrange(1, 999), street=rng.choice(n.STREET_NAMES), unit="")
                old = old if c.street_type else replace(old, street=c.street)
                fuzzy.append(self.pair(c, "fuzzy", drifts=1, ia_company=old, extra_tags=("moved",)))
            else:
                fuzzy.append(
                    self.pair(
                        c,
                        "fuzzy",
                        drifts=rng.choice((1, 1, 2, 2, 3)),
                        status="inactive" if i in (10, 30, 50) else "active",
                    )
                )
        for _ in range(SHARED_RENAMED):  # same phone, domain and address; the name changed entirely
            old = self.company()
            new_core, new_the = cp.new_core(rng)
            while new_core in self.cores:
                new_core, new_the = cp.new_core(rng)
            self.cores.add(new_core)
            renamed = replace(old, core=new_core, the=new_the)
            self.pair(old, "renamed", drifts=0, sf_company=renamed, extra_tags=("renamed",))

        # One AccountNumber keyed against the wrong customer (someone copied the row above).
        victim, other = fuzzy[5], exact[3]
        number = next(r for r in self.w.intacct if r.ref == other["intacct"]).fields["CUSTOMERID"]
        row = next(r for r in self.w.salesforce if r.ref == victim["salesforce"])
        row.fields["AccountNumber"] = number
        self.wrong_keys.append(
            {
                "salesforce": victim["salesforce"],
                "account_number": number,
                "points_to": other["intacct"],
                "true_match": victim["intacct"],
            }
        )

        self._duplicates(exact, fuzzy)
        self._near_misses(fuzzy, acme, acme_pair, acme_eu)
        self._singles()
        return self._finish()

    def _duplicates(self, exact: list[dict[str, Any]], fuzzy: list[dict[str, Any]]) -> None:
        rng = self.rng
        # Salesforce: three shared companies keyed a second time by another rep (no AccountNumber).
        for entry in (fuzzy[8], fuzzy[20], exact[12]):
            c = self._company_of(entry)
            style = cp.drift_style(rng, c, cp.base_style(c), rng.choice(cp.available_drifts(c)))
            dup = self.account(c, style, "dup", Type="Prospect")
            self.dups["salesforce"].append([entry["salesforce"], dup])
        # Intacct: three shared companies keyed twice, the second time with an old-style ID.
        for entry in (fuzzy[14], fuzzy[40], exact[20]):
            c = self._company_of(entry)
            style = cp.drift_style(rng, c, cp.base_style(c), rng.choice(cp.available_drifts(c)))
            dup, _, _ = self.customer(c, style, "dup", cid=self.ids.next(c, legacy=True))
            self.dups["intacct"].append([entry["intacct"], dup])

    def _company_of(self, entry: dict[str, Any]) -> cp.Company:
        return self._companies[entry["salesforce"]]

    def _near_misses(
        self, fuzzy: list[dict[str, Any]], acme: cp.Company, acme_pair: dict[str, Any], acme_eu: cp.Company
    ) -> None:
        rng = self.rng
        eu_ref = self.account(acme_eu, cp.base_style(acme_eu), ParentId=Ref(acme_pair["salesforce"]))
        self.sf_only.append(eu_ref)
        self.near.append({"salesforce": eu_ref, "intacct": acme_pair["intacct"], "kind": "subsidiary"})
        # Same name, another city, another phone and domain: distinct companies.
        for side, entry in (
            ("salesforce", fuzzy[25]),
            ("salesforce", fuzzy[33]),
            ("intacct", fuzzy[45]),
            ("intacct", fuzzy[52]),
        ):
            c = self._company_of(entry)
            city = rng.choice([x for x in n.US_CITIES if x.city != c.city.city])
            twin = cp.new_company(
                rng,
                self.phones,
                core=c.core,
                the=c.the,
                city=city,
                suffix=c.suffix,
                domain=f"{cp.slug(c.core)[:10]}-{cp.slug(city.city)[:8]}.com",
            )
            if side == "salesforce":
                ref = self.account(twin, cp.base_style(twin), "other-city")
                self.sf_only.append(ref)
                self.near.append({"salesforce": ref, "intacct": entry["intacct"], "kind": "same_name_other_city"})
            else:
                ref, _, _ = self.customer(twin, cp.base_style(twin), "other-city")
                self.ia_only.append(ref)
                self.near.append({"salesforce": entry["salesforce"], "intacct": ref, "kind": "same_name_other_city"})

    def _singles(self) -> None:
        rng = self.rng
        for i in range(SF_SINGLES):  # prospects and customers not yet in the ERP
            c = self.company()
            extra = {"Type": "Prospect"} if i % 3 == 0 else {}
            ref = self.account(c, cp.base_style(c), **extra)
            self.sf_only.append(ref)
            if i == 0:  # an SF-only company entered twice
                c2 = cp.drift_style(rng, c, cp.base_style(c), "case")
                dup = self.account(c, c2, "dup", Type="Prospect")
                self.dups["salesforce"].append([ref, dup])
        c = self.company()
        self.deleted.append(self.account(c, cp.base_style(c), Type="Prospect", _deleted=True))
        for i in range(IA_SINGLES):  # customers that never came through the CRM
            c = self.company()
            ref, _, _ = self.customer(c, cp.base_style(c), status="inactive" if i in (3, 17) else "active")
            self.ia_only.append(ref)

    def _finish(self) -> CustomerWorld:
        self.w.salesforce_only = list(self.sf_only)
        rows = {r.ref: r.fields for r in self.w.salesforce + self.w.intacct}
        for p in self.pairs:
            p["contact_drift"] = contact_drift(rows[p["salesforce"]], rows[p["intacct"]])
        self.w.truth = {
            "pairs": self.pairs,
            "salesforce_only": self.sf_only,
            "intacct_only": self.ia_only,
            "duplicates": self.dups,
            "near_misses": self.near,
            "wrong_keys": self.wrong_keys,
            "salesforce_deleted": self.deleted,
            "intacct_inactive": self.inactive,
        }
        return self.w


def contact_drift(account: dict[str, Any], customer: dict[str, Any]) -> list[str]:
    """How an Account and a CUSTOMER of the same company differ outside the name (for error analysis)."""
    contact = customer["DISPLAYCONTACT"]
    addr = contact["MAILADDRESS"]
    tags = []
    if not account.get("Phone") or not contact.get("PHONE1"):
        tags.append("phone_missing")
    elif account["Phone"] != contact["PHONE1"]:
        tags.append("phone_format")
    lines = [addr["ADDRESS1"]] + ([addr["ADDRESS2"]] if "ADDRESS2" in addr else [])
    if account["BillingStreet"] != "\n".join(lines):
        tags.append("street")
    if account.get("BillingState", "") != addr.get("STATE", ""):
        tags.append("state")
    if account["BillingPostalCode"] != addr["ZIP"]:
        tags.append("postal_code")
    if account.get("BillingCountry") != addr["COUNTRY"]:
        tags.append("country")
    if not account.get("Website") or not contact.get("URL1"):
        tags.append("website_missing")
    elif account["Website"] != contact["URL1"]:
        tags.append("website_format")
    return tags


def build_customers(rng: random.Random) -> CustomerWorld:
    """Build the demo's customers (both sides) and their truth."""
    b = _Builder(rng)
    return b.build()
