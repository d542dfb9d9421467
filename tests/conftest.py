"""Suite-wide test settings."""

from __future__ import annotations

from hypothesis import settings

# Timing is never a test assertion here (timings live in benchmarks/): no per-example deadline,
# so a loaded CI machine cannot turn a slow example into a failure.
settings.register_profile("sfintacct", deadline=None, print_blob=True)
settings.load_profile("sfintacct")

from tests.support.postgres import postgres_server, postgres_url, state_backend, state_target  # noqa: E402, F401


def pytest_collection_modifyitems(config: object, items: list) -> None:  # type: ignore[type-arg]
    """The slowest tests first, so the 4 xdist workers do not end on one long test alone.

    Why: the suite's wall time on a 2-core CI machine was set by its tail (one 2-minute CLI journey
    starting late). ``tests/durations.json`` holds the slowest tests' seconds from a measured run
    (``pytest --durations=80``), keyed by test function; the rest keep their collected order.
    Pytest calls this hook once for the whole session, so it is the one place the order is decided.
    """
    import json
    from pathlib import Path

    path = Path(__file__).with_name("durations.json")
    try:
        seconds: dict[str, float] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    order = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda item: (-seconds.get(item.nodeid.split("[")[0], 0.0), order[id(item)]))
    # The desktop app's build (tests/packaging) overlaps the whole suite: the one test that builds it
    # first, the tests that only run the built program last (they wait for the build's lock).
    bundle = [i for i in items if i.nodeid.startswith("tests/packaging/")]
    if bundle:
        rest = [i for i in items if not i.nodeid.startswith("tests/packaging/")]
        items[:] = [bundle[0], *rest, *bundle[1:]]
