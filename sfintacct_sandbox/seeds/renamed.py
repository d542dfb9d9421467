"""The ``renamed`` seed: a messy held-out company for the baseline matcher, built around renames.

Not tuned against: the demo seed is what the matcher's weights were chosen on; this one is drawn
from another random stream, with messier contact data (placeholder phones such as 000-000-0000,
social-media pages and free-mail addresses instead of a company domain, missing phones, websites
and addresses, AccountNumbers typed without the hyphen), and every way a company renamed since it
was keyed in the other system can look. Each renamed pair carries what the baseline is expected to
do with it (``expect``), and look-alikes that must never be proposed as strong are near misses.

Truth layout: as :mod:`.truth` describes, plus in ``customers``:

* ``pairs[].expect`` (renamed pairs only): ``auto`` | ``review`` | ``partner`` (not a pair, but each
  create names the other record as its plausible partner) | ``create`` (the evidence cannot tell
  it from two companies: created on both sides, unflagged, by decision);
* ``flagged_creates``: ``[{salesforce|intacct: the record to create, partner: the other side's
  record the plan must name}]``;
* ``near_misses[].kind``: ``office_building`` (another company at the same street address),
  ``shared_phone`` (two companies answering one number, e.g. their accountant's),
  ``placeholder_phone`` (both typed 000-000-0000), ``social_website`` (both give a Facebook page),
  ``same_name_other_city``, ``subsidiary``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from sfintacct_sandbox.seeds import companies as cp
from sfintacct_sandbox.seeds import names as n
from sfintacct_sandbox.seeds.demo_sales import CUTOVER
from sfintacct_sandbox.seeds.model import SeedData, SeedRow
from sfintacct_sandbox.seeds.scale import make_products

RANDOM_SEED = "sfintacct-renamed-v1"
SHARED, SF_ONLY, IA_ONLY = 60, 20, 20
EXACT_FRACTION = 1 / 3
PLACEHOLDER = "000-000-0000"

# (tag, SF AccountNumber = CUSTOMERID?, new legal form?, Salesforce fields dropped, expected outcome)
RENAMES: tuple[tuple[str, str, bool, tuple[str, ...], str], ...] = (
    ("key_all_fields", "key", False, (), "auto"),
    ("key_typed_loosely", "loose_key", False, ("Website",), "auto"),
    ("key_and_phone_only", "key", False, ("Website", "address"), "review"),
    ("key_nothing_else", "key", False, ("Website", "Phone", "address"), "review"),
    ("phone_domain_street", "", False, (), "auto"),
    ("phone_domain_street_new_form", "", True, (), "review"),
    ("no_website", "", False, ("Website",), "review"),
    ("no_phone", "", False, ("Phone",), "review"),
    ("phone_and_domain_no_address", "", False, ("address",), "review"),
    ("phone_only", "", False, ("Website", "address"), "review"),
)


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones = cp.PhoneBook(start=3000)
        self.cores: set[str] = set()
        self.ia_names: set[str] = set()
        self.seq = 5000
        self.sf: list[SeedRow] = []
        self.ia: list[SeedRow] = []
        self.pairs: list[dict[str, Any]] = []
        self.sf_only: list[str] = []
        self.ia_only: list[str] = []
        self.near: list[dict[str, str]] = []
        self.dups: list[list[str]] = []
        self.flagged: list[dict[str, str]] = []
        self.k = 0

    def company(self, **kw: Any) -> cp.Company:
        while True:
            core, the = cp.new_core(self.rng)
            if core not in self.cores:
                self.cores.add(core)
                kw.setdefault("city", self.rng.choice(n.US_CITIES))
                return cp.new_company(self.rng, self.phones, core=core, the=the, **kw)

    def new_core(self) -> tuple[str, bool]:
        while True:
            core, the = cp.new_core(self.rng)
            if core not in self.cores:
                self.cores.add(core)
                return core, the

    def account(self, c: cp.Company, style: cp.NameStyle | None = None, **extra: Any) -> str:
        self.k += 1
        ref = f"acct:r{self.k:03d}-{cp.slug(c.core)[:16]}"
        self.sf.append(SeedRow("Account", ref, cp.render_account(self.rng, c, style or cp.base_style(c), **extra)))
        return ref

    def customer(self, c: cp.Company, style: cp.NameStyle | None = None) -> tuple[str, str]:
        self.k += 1
        ref = f"cust:r{self.k:03d}-{cp.slug(c.core)[:16]}"
        self.seq += self.rng.choice((1, 1, 2, 7))
        cid = f"C-{self.seq}"
        style = style or cp.base_style(c)
        for _ in range(20):  # Intacct contact names are unique: whoever keyed a look-alike typed it apart
            if cp.render_name(c, style).lower() not in self.ia_names:
                break
            style = cp.drift_style(self.rng, c, style, self.rng.choice(cp.available_drifts(c)))
        self.ia_names.add(cp.render_name(c, style).lower())
        self.ia.append(SeedRow("CUSTOMER", ref, cp.render_customer(self.rng, c, style, cid)))
        return ref, cid

    def row(self, ref: str) -> dict[str, Any]:
        return next(r.fields for r in self.sf + self.ia if r.ref == ref)

    # -- mess ---------------------------------------------------------------------------------------

    def mess_account(self, fields: dict[str, Any]) -> None:
        r = self.rng.random()
        if r < 0.05:
            fields["Phone"] = PLACEHOLDER
        elif r < 0.10:
            fields.pop("Phone", None)
        r = self.rng.random()
        if r < 0.06:
            fields["Website"] = f"https://www.facebook.com/{cp.slug(fields['Name'])[:20]}"
        elif r < 0.15:
            fields.pop("Website", None)

    def mess_customer(self, fields: dict[str, Any]) -> None:
        contact = fields["DISPLAYCONTACT"]
        if self.rng.random() < 0.05:
            contact["PHONE1"] = PLACEHOLDER
        if self.rng.random() < 0.08:
            contact["EMAIL1"] = f"{cp.slug(fields['NAME'])[:12]}@gmail.com"
            contact.pop("URL1", None)

    # -- scenarios ----------------------------------------------------------------------------------

    def background(self) -> None:
        for i in range(SHARED):
            c = self.company()
            kind = self.rng.choice(cp.available_drifts(c))
            ia_style = cp.drift_style(self.rng, c, cp.base_style(c), kind)
            cust, cid = self.customer(c, ia_style)
            exact = i < SHARED * EXACT_FRACTION
            acct = self.account(c, **({"AccountNumber": cid} if exact else {}))
            self.mess_account(self.row(acct))
            self.mess_customer(self.row(cust))
            self.pairs.append(
                {"salesforce": acct, "intacct": cust, "kind": "exact_key" if exact else "fuzzy", "drift": [kind]}
            )
        for _ in range(SF_ONLY):
            acct = self.account(self.company())
            self.mess_account(self.row(acct))
            self.sf_only.append(acct)
        for _ in range(IA_ONLY):
            cust, _ = self.customer(self.company())
            self.mess_customer(self.row(cust))
            self.ia_only.append(cust)

    def renames(self) -> None:
        for tag, key, new_form, dropped, expect in RENAMES:
            old = self.company()
            core, the = self.new_core()
            renamed = replace(old, core=core, the=the)
            if new_form:
                renamed = replace(renamed, suffix=next(s for s in ("llc", "inc", "corp") if s != old.suffix))
            cust, cid = self.customer(old)
            extra: dict[str, Any] = {}
            if key == "key":
                extra["AccountNumber"] = cid
            elif key == "loose_key":
                extra["AccountNumber"] = cid.replace("-", "").lower()  # "c5012" for C-5012
            acct = self.account(renamed, **extra)
            fields = self.row(acct)
            fields["Phone"] = cp.format_phone(old, self.rng.randrange(0, 8))  # the renamed kept its number
            fields["Website"] = cp.format_website(old.domain, self.rng.randrange(0, 6))
            for name in dropped:
                if name == "address":
                    for f in ("BillingStreet", "BillingPostalCode", "BillingCity", "BillingState"):
                        fields.pop(f, None)
                else:
                    fields.pop(name, None)
            contact = self.row(cust)["DISPLAYCONTACT"]
            contact["PHONE1"] = cp.format_phone(old, self.rng.randrange(0, 8))
            self.pairs.append(
                {"salesforce": acct, "intacct": cust, "kind": "renamed", "drift": ["renamed", tag], "expect": expect}
            )
        # Renamed, moved and a new domain; only the phone number survived. Indistinguishable from two
        # companies sharing a number (see shared_phone): by decision neither proposed nor flagged.
        old = self.company()
        core, the = self.new_core()
        moved = self.company()
        renamed = replace(moved, core=core, the=the, phone=old.phone, city=old.city)
        cust, _ = self.customer(old)
        acct = self.account(renamed)
        self.row(acct)["Phone"] = cp.format_phone(old, 1)
        self.row(cust)["DISPLAYCONTACT"]["PHONE1"] = cp.format_phone(old, 3)
        self.pairs.append(
            {
                "salesforce": acct,
                "intacct": cust,
                "kind": "renamed",
                "drift": ["renamed", "moved_new_domain_same_phone"],
                "expect": "create",
            }
        )

    def flagged_creates(self) -> None:
        # Keyed twice in Salesforce: once under the old name (linked by its key), once under the new
        # name without a website. Not a duplicate by the evidence, so a create whose partner is taken.
        c = self.company()
        cust, cid = self.customer(c)
        acct = self.account(c, AccountNumber=cid)
        core, the = self.new_core()
        dup = self.account(replace(c, core=core, the=the))
        self.row(dup).pop("Website", None)
        self.row(dup)["Phone"] = self.row(cust)["DISPLAYCONTACT"]["PHONE1"] = cp.format_phone(c, 0)
        self.row(acct)["Phone"] = cp.format_phone(c, 4)
        self.pairs.append({"salesforce": acct, "intacct": cust, "kind": "exact_key", "drift": []})
        self.dups.append([acct, dup])
        self.flagged.append({"salesforce": dup, "partner": cust})
        # Renamed and moved across town, no website on file; only the phone number survived.
        old = self.company()
        core, the = self.new_core()
        moved = replace(self.company(city=old.city), core=core, the=the, phone=old.phone, domain=old.domain)
        cust = self.customer(old)[0]
        acct = self.account(moved)
        self.row(acct).pop("Website", None)
        self.row(acct)["Phone"] = cp.format_phone(old, 2)
        self.row(cust)["DISPLAYCONTACT"]["PHONE1"] = cp.format_phone(old, 5)
        tags = ["renamed", "moved_kept_phone_no_website"]
        self.pairs.append({"salesforce": acct, "intacct": cust, "kind": "renamed", "drift": tags, "expect": "partner"})
        self.flagged += [{"salesforce": acct, "partner": cust}, {"intacct": cust, "partner": acct}]

    def near_misses(self) -> None:
        # An office tower: another company at the same street address (another suite), own phone and domain.
        tenant = self.company()
        neighbour = replace(self.company(city=tenant.city), street_no=tenant.street_no, street=tenant.street)
        neighbour = replace(neighbour, street_type=tenant.street_type, postal=tenant.postal, unit="1800")
        self._miss(tenant, neighbour, "office_building")
        # The same tower, and the neighbour's record holds nothing else: an address alone.
        tenant = self.company()
        neighbour = replace(self.company(city=tenant.city), street_no=tenant.street_no, street=tenant.street)
        neighbour = replace(neighbour, street_type=tenant.street_type, postal=tenant.postal, unit="2200")
        acct, _ = self._miss(tenant, neighbour, "office_building")
        self.row(acct).pop("Phone", None)
        self.row(acct).pop("Website", None)
        # Two clients of one accountant, who gave the accountant's number.
        a = self.company()
        b = replace(self.company(), phone=a.phone, city=a.city)
        acct, cust = self._miss(a, b, "shared_phone")
        self.row(acct)["Phone"] = cp.format_phone(a, 0)
        self.row(cust)["DISPLAYCONTACT"]["PHONE1"] = cp.format_phone(b, 2)
        self.row(acct)["Website"] = cp.format_website(a.domain, 1)
        # Both typed a placeholder phone, in one building.
        a = self.company()
        b = replace(self.company(city=a.city), street_no=a.street_no, street=a.street, street_type=a.street_type)
        acct, cust = self._miss(a, b, "placeholder_phone")
        self.row(acct)["Phone"] = PLACEHOLDER
        self.row(cust)["DISPLAYCONTACT"]["PHONE1"] = "(000) 000-0000"
        # Both give their Facebook page as the website.
        a, b = self.company(), self.company()
        acct, cust = self._miss(a, b, "social_website")
        self.row(acct)["Website"] = "https://www.facebook.com/pages/shop"
        self.row(cust)["DISPLAYCONTACT"]["URL1"] = "facebook.com/pages/shop"
        self.row(cust)["DISPLAYCONTACT"]["EMAIL1"] = "shop@facebook.com"
        # The same name in another city, and a subsidiary abroad.
        home = self.company()
        other_city = rng_city(self.rng, home)
        domain = f"{cp.slug(home.core)[:10]}-{cp.slug(other_city.city)[:8]}.com"
        twin = cp.new_company(
            self.rng, self.phones, core=home.core, the=home.the, city=other_city, suffix=home.suffix, domain=domain
        )
        self._miss(home, twin, "same_name_other_city")
        parent = self.company()
        london = next(cty for cty in n.INTL_CITIES if cty.city == "London")
        sub = cp.new_company(self.rng, self.phones, core=f"{parent.core} UK", suffix="ltd", city=london)
        self._miss(parent, sub, "subsidiary")

    def _miss(self, sf_company: cp.Company, ia_company: cp.Company, kind: str) -> tuple[str, str]:
        """Two different companies, one only in Salesforce and one only in Intacct, that look alike."""
        acct = self.account(sf_company)
        cust, _ = self.customer(ia_company)
        self.sf_only.append(acct)
        self.ia_only.append(cust)
        self.near.append({"salesforce": acct, "intacct": cust, "kind": kind})
        return acct, cust


def rng_city(rng: random.Random, c: cp.Company) -> n.City:
    return rng.choice([x for x in n.US_CITIES if x.city != c.city.city])


def build_renamed() -> SeedData:
    """Build the ``renamed`` seed; identical on every call and every machine."""
    rng = random.Random(RANDOM_SEED)
    b = _Builder(rng)
    b.background()
    b.renames()
    b.flagged_creates()
    b.near_misses()
    products: list[SeedRow] = []
    ia_products: list[SeedRow] = []
    product_truth, _ = make_products(rng, 10, products, ia_products)
    customers = {
        "pairs": b.pairs,
        "salesforce_only": b.sf_only,
        "intacct_only": b.ia_only,
        "duplicates": {"salesforce": b.dups, "intacct": []},
        "near_misses": b.near,
        "flagged_creates": b.flagged,
        "wrong_keys": [],
        "salesforce_deleted": [],
        "intacct_inactive": [],
    }
    truth: dict[str, Any] = {
        "seed": "renamed",
        "cutover_date": CUTOVER.isoformat(),
        "customers": customers,
        "products": product_truth,
        "historical_orders": [],
        "intacct_only_orders": [],
        "pending_orders": [],
        "closed_lost": [],
        "open_opportunities": [],
        "invoices": [],
    }
    return SeedData(salesforce=b.sf + products, intacct=b.ia + ia_products, truth=truth)
