"""Ground truth of a seed, and its translation from seed refs to real ids.

``SeedData.truth`` is JSON-serialisable and names records by seed ref (``acct:…``, ``prod:…``,
``opp:…`` in Salesforce; ``cust:…``, ``item:…``, ``so:…``, ``inv:…``, ``pay:…`` in Intacct). The
baseline matcher's precision and recall are measured against it. Layout (``demo``; ``scale:N``
has the same keys, with fewer scenarios filled in; ``renamed`` adds the expected outcome of each
renamed pair and the creates that must name a plausible partner, see :mod:`.renamed`; ``empty`` is
``{}``)::

    seed            "demo" | "scale:N"
    cutover_date    "2026-01-01": Closed Won before it is history already keyed in Intacct
    customers
      pairs              [{salesforce, intacct, kind, drift: [..]}] one per real company on both sides;
                         kind: exact_key (AccountNumber = CUSTOMERID) | fuzzy (names/phones/addresses
                         only) | renamed (other name, same phone + domain + address: SHOULD match);
                         drift: name drifts applied (suffix, suffix_missing, case, punctuation,
                         the_prefix, ampersand, abbreviation, typo, spacing) plus moved / renamed;
                         contact_drift (demo only): phone_format | phone_missing | street | state |
                         postal_code | country | website_format | website_missing
      salesforce_only    [acct] companies only in Salesforce (includes near-miss rows)
      intacct_only       [cust] companies only in Intacct (includes near-miss rows)
      duplicates         {salesforce: [[canonical, dup, ..]], intacct: [...]}: the same company keyed
                         twice on one side; the canonical ref is the one in pairs / *_only, the others
                         appear nowhere else
      near_misses        [{salesforce, intacct, kind}] look-alikes that must NOT match;
                         kind: same_name_other_city | subsidiary
      wrong_keys         [{salesforce, account_number, points_to, true_match}] an AccountNumber keyed
                         against the wrong CUSTOMERID
      salesforce_deleted [acct] in the recycle bin (row has deleted=True)
      intacct_inactive   [cust] STATUS inactive (pairs and Intacct-only alike)
    products
      pairs              [{salesforce: prod, intacct: item, kind: exact_key|fuzzy, drift: ["name"]?}]
      salesforce_only, intacct_only, duplicates (as for customers)
      inactive           {salesforce: [prod], intacct: [item]}
      price_mismatch     [{salesforce, intacct, salesforce_price, intacct_price}]
    historical_orders    [{opportunity, sales_order, account, customer, close_date, order_date, total}]
                         Closed Won before the cut-over, keyed by hand in Intacct (no PONUMBER)
    intacct_only_orders  [so] orders with no opportunity behind them
    pending_orders       [{opportunity, account, close_date, total, needs: {customers, products}}]
                         Closed Won after the cut-over, not in Intacct; needs lists what the sync
                         must create first
    closed_lost, open_opportunities   [opp]
    invoices             [{invoice, sales_order, invoice_date, total, paid, due,
                           status: paid|partial|unpaid, payments: [pay]}]

Every ref in the truth is the ``ref`` of a row of the same seed; each Account / CUSTOMER row sits
in exactly one of pairs, *_only, duplicates (non-canonical) or salesforce_deleted.
"""

from __future__ import annotations

from typing import Any


def resolve_truth(truth: dict[str, Any], salesforce_refs: dict[str, Any], intacct_refs: dict[str, Any]) -> dict:
    """Return a copy of ``truth`` with every seed ref replaced by the id or key the emulator gave it.

    The ref maps are what each emulator stores as meta ``seed_refs`` after loading. Salesforce and
    Intacct refs use disjoint prefixes, so a string is looked up in both maps; anything that is not
    a ref (kinds, dates, amounts) is left alone.
    """

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            if value in salesforce_refs:
                return salesforce_refs[value]
            return intacct_refs.get(value, value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk(truth)


SALESFORCE_PREFIXES = ("acct:", "prod:", "pbe:", "opp:")
INTACCT_PREFIXES = ("cust:", "item:", "so:", "inv:", "pay:")


def truth_refs(truth: dict[str, Any]) -> set[str]:
    """Every seed ref mentioned anywhere in the truth (used by tests and loaders to check coverage)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if value.startswith(SALESFORCE_PREFIXES + INTACCT_PREFIXES):
                found.add(value)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk(truth)
    return found
