"""Suite-wide test settings."""

from __future__ import annotations

from hypothesis import settings

# Timing is never a test assertion here (timings live in benchmarks/): no per-example deadline,
# so a loaded CI machine cannot turn a slow example into a failure.
settings.register_profile("sfintacct", deadline=None, print_blob=True)
settings.load_profile("sfintacct")

from tests.support.postgres import postgres_server, postgres_url, state_backend, state_target  # noqa: E402, F401
