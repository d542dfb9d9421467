"""The ``demo`` seed: a realistic, deliberately messy mid-size company on both sides.

See :mod:`sfintacct_sandbox.seeds.truth` for the layout of ``SeedData.truth``.
"""

from __future__ import annotations

import random

from sfintacct_sandbox.seeds.demo_customers import build_customers
from sfintacct_sandbox.seeds.demo_sales import CUTOVER, build_sales
from sfintacct_sandbox.seeds.model import SeedData

DEMO_RANDOM_SEED = "sfintacct-demo-v1"


def build_demo() -> SeedData:
    """Build the demo seed; identical on every call and every machine."""
    rng = random.Random(DEMO_RANDOM_SEED)
    customers = build_customers(rng)
    sales = build_sales(rng, customers)
    # Parents first: Accounts, then products and price book entries, then opportunities with lines.
    sf_accounts = customers.salesforce
    intacct = customers.intacct + sales.intacct
    truth = {"seed": "demo", "cutover_date": CUTOVER.isoformat(), "customers": customers.truth}
    truth.update(sales.truth)
    return SeedData(salesforce=sf_accounts + sales.salesforce, intacct=intacct, truth=truth)
