"""A real conflict in the Sync tab: shown with both values, resolved by Take Salesforce / Take Intacct."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.wire.intacct import update
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline, sync_once
from tests.support.sync_env import ia_connector, sf_connector


def _writes(sandbox: Sandbox) -> tuple[int, int]:
    got = [
        requests.get(f"{s.url}/__sandbox__/stats", timeout=10).json() for s in (sandbox.sf_server, sandbox.ia_server)
    ]
    return int(got[0]["writes"]), int(got[1]["writes"])


def _ok(qtbot: Any, win: MainWindow) -> Any:
    summary = sync_once(qtbot, win).summary
    assert summary.status == "ok", summary.error
    return summary


def _make_conflict(qtbot: Any, win: MainWindow, sandbox: Sandbox, tag: str) -> tuple[Any, Any, str]:
    """A linked customer whose 'both' field ``name`` is then edited differently on each side."""
    apply_baseline()
    sf, ia = sf_connector(sandbox), ia_connector(sandbox)
    res = sf.client.create_many("Account", [{"Name": f"{tag} Base", "AccountNumber": tag}])[0]
    assert res.success, res
    _ok(qtbot, win)  # the Account becomes customer <tag> and the two are linked
    assert ia.customers_by_ids([tag])[0].name == f"{tag} Base"
    assert sf.client.update_many("Account", [{"Id": res.id, "Name": f"{tag} SF"}])[0].success
    assert ia.client.call([update("CUSTOMER", {"CUSTOMERID": tag, "NAME": f"{tag} IA"})])[0].ok
    summary = _ok(qtbot, win)
    assert sum(s.conflicts for s in summary.streams) == 1
    return sf, ia, str(res.id)


@pytest.mark.parametrize("take", ["salesforce", "intacct"])
def test_conflict_is_shown_and_resolved_from_the_sync_tab(
    qtbot: Any, window: MainWindow, sandbox: Sandbox, take: str
) -> None:
    tag = "GUICF1" if take == "salesforce" else "GUICF2"
    sf, ia, acc = _make_conflict(qtbot, window, sandbox, tag)
    tab = window.sync_tab
    qtbot.waitUntil(lambda: any(r["record"] == tag for r in tab.conflicts.rows), timeout=30_000)
    assert len(tab.conflicts.rows) == 1
    row = tab.conflicts.row(0)
    assert (row["field"], row["base"], row["salesforce"], row["intacct"]) == (
        "name",
        f"{tag} Base",
        f"{tag} SF",
        f"{tag} IA",
    )
    shown = {c.key: tab.conflicts.data(tab.conflicts.index(0, n)) for n, c in enumerate(tab.conflicts.columns)}
    assert (shown["field"], shown["base"], shown["salesforce"], shown["intacct"]) == (
        "name",
        f"{tag} Base",
        f"{tag} SF",
        f"{tag} IA",
    )  # what the operator reads in the table

    tab.conflicts_view.selectRow(0)
    button = tab.take_sf if take == "salesforce" else tab.take_ia
    with qtbot.waitSignal(window.bridge.run_finished, timeout=60_000) as done:
        button.click()
    assert done.args[0].summary.status == "ok", done.args[0].summary.error
    qtbot.waitUntil(lambda: tab.conflicts.rowCount() == 0, timeout=30_000)

    chosen = f"{tag} SF" if take == "salesforce" else f"{tag} IA"
    assert sf.client.query_all(f"SELECT Id, Name FROM Account WHERE Id = '{acc}'")[0]["Name"] == chosen
    assert ia.customers_by_ids([tag])[0].name == chosen
    before = _writes(sandbox)
    quiet = _ok(qtbot, window)  # the echo of the resolution is recognised: nothing is written back
    assert quiet.writes == 0 and _writes(sandbox) == before
    assert tab.conflicts.rowCount() == 0
