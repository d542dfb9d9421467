"""The window's connection test words each side's failure for the window: buttons, never commands."""

from __future__ import annotations

import socket
from typing import Any

from sfintacct_desktop.app import gui_support
from sfintacct_desktop.config.profiles import save_profile


def test_connection_test_words_an_unreachable_intacct_for_the_window(sandbox: Any) -> None:
    """Both cards of the window's connection test name buttons, never a command to type."""
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    info = sandbox.connection_info("down")
    info["intacct"]["url"] = f"http://127.0.0.1:{port}/ia/xml/xmlgw.phtml"
    save_profile("down", {"kind": "sandbox", "salesforce": info["salesforce"], "intacct": info["intacct"]})
    result = gui_support.check_connections("down")
    error = result["intacct"]["error"]
    assert result["intacct"]["ok"] is False and "reach" in error["title"].lower()
    assert "sfintacct" not in error["hint"] and "`" not in error["hint"] and "Test connection" in error["hint"]
