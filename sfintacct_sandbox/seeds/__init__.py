"""Sandbox seed data: ``build_seed("demo" | "empty" | "renamed" | "scale:N")`` -> :class:`SeedData`.

Pure and deterministic (no I/O, no clock, fixed random seeds). The emulators create the company
setup themselves (standard price book, Sales Order / Sales Invoice definitions, BOA, Net 30) and
then load ``data.salesforce`` / ``data.intacct`` rows in order, mapping each ``ref`` to the id or
key they created. ``data.truth`` (layout in :mod:`.truth`) is the matching ground truth, and
:func:`resolve_truth` turns its refs into real ids using the emulators' ``seed_refs`` meta.
"""

from __future__ import annotations

from sfintacct_sandbox.seeds.model import STANDARD_PRICEBOOK, Ref, SeedData, SeedRow
from sfintacct_sandbox.seeds.truth import resolve_truth

__all__ = ["STANDARD_PRICEBOOK", "Ref", "SeedData", "SeedRow", "build_seed", "resolve_truth"]

SEED_NAMES = ("demo", "empty", "renamed", "scale:N")


def build_seed(seed: str) -> SeedData:
    """Build the named seed; raises ValueError for an unknown name or a bad N."""
    if seed == "empty":
        return SeedData(truth={})
    if seed == "demo":
        from sfintacct_sandbox.seeds.demo import build_demo

        return build_demo()
    if seed == "renamed":  # a messy held-out company built around renamed customers
        from sfintacct_sandbox.seeds.renamed import build_renamed

        return build_renamed()
    if seed.startswith("scale:"):
        from sfintacct_sandbox.seeds.scale import build_scale

        try:
            n = int(seed.removeprefix("scale:"))
        except ValueError:
            raise ValueError(f"bad seed {seed!r}: expected scale:N with a positive integer N") from None
        return build_scale(n)
    raise ValueError(f"unknown seed {seed!r}: expected demo, empty, renamed or scale:N")
