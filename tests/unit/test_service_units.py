"""The per-user units `sfintacct service install` writes: each system's file is valid for that system's
tool and says the same things (this installation's `service run`, its profiles, restart on failure,
SIGTERM to stop); install without starting writes the file and says how to start it."""

from __future__ import annotations

import configparser
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from sfintacct_desktop.app import service_units as su

ODD = "odd name 100% $HOME"  # a profile name that needs quoting and escaping in every format
ENV = {"SFINTACCT_HOME": "/tmp/a home", "PATH": "/not/passed"}


def _cmd() -> su.ServiceCommand:
    return su.service_command(["sandbox", ODD], ENV)


def test_the_command_is_this_installations_service_run() -> None:
    cmd = _cmd()
    assert cmd.argv[-6:] == ("service", "run", "--profile", "sandbox", "--profile", ODD)
    assert Path(cmd.argv[0]).parent == Path(sys.executable).parent  # the venv's own script or python
    assert cmd.env == {"SFINTACCT_HOME": "/tmp/a home"}  # only the product's own settings travel


def _exec_words(line: str) -> list[str]:
    """ExecStart's words as systemd reads them (its quoting is shell-like; %% and $$ unescape)."""
    return [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(line)]


def test_systemd_unit_parses_and_has_the_required_keys(tmp_path: Path) -> None:
    text = su.systemd_unit(_cmd())
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)  # strict: a duplicate key or section fails
    service = parser["Service"]
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) == su.STOP_TIMEOUT
    assert _exec_words(service["ExecStart"]) == list(_cmd().argv)
    assert _exec_words(service["Environment"]) == ["SFINTACCT_HOME=/tmp/a home"]
    assert parser["Install"]["WantedBy"] == "default.target"

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    unit = tmp_path / su.UNIT_NAME
    unit.write_text(text, encoding="utf-8")
    runtime = tmp_path / "xdg-runtime"
    runtime.mkdir(mode=0o700)
    done = subprocess.run(
        [analyze, "verify", "--user", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
    )
    assert done.returncode == 0, done.stderr
    assert str(unit) not in done.stderr, done.stderr  # no warning about a line of ours (unknown key, bad value)


def test_launchd_plist_is_valid_and_keeps_the_agent_alive() -> None:
    doc = plistlib.loads(su.launchd_plist(_cmd()))
    assert doc["Label"] == su.LAUNCHD_LABEL
    assert doc["ProgramArguments"] == list(_cmd().argv)
    assert doc["KeepAlive"] == {"SuccessfulExit": False} and doc["RunAtLoad"] is True
    assert doc["EnvironmentVariables"] == {"SFINTACCT_HOME": "/tmp/a home"}


def test_task_xml_is_well_formed_for_a_hardened_parser() -> None:
    data = su.task_xml(_cmd(), user="alice").encode("utf-16")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(data, parser)
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert root.findtext("t:Actions/t:Exec/t:Command", namespaces=ns) == _cmd().argv[0]
    arguments = root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns)
    assert arguments == subprocess.list2cmdline(_cmd().argv[1:]) and f'"{ODD}"' in arguments
    assert root.findtext("t:Settings/t:RestartOnFailure/t:Count", namespaces=ns) == "999"
    assert root.findtext("t:Principals/t:Principal/t:UserId", namespaces=ns).endswith("alice")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the systemd path")
def test_install_without_start_writes_the_unit_and_says_how_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    report = su.install(["sandbox"], start=False)
    unit = tmp_path / ".config" / "systemd" / "user" / su.UNIT_NAME
    assert report["unit_file"] == str(unit) and report["ran"] == []
    assert "systemctl --user daemon-reload" in report["next"]
    assert "--profile sandbox" in unit.read_text(encoding="utf-8")
    gone = su.uninstall(stop=False)
    assert gone["removed"] and not unit.exists()


def test_logs_tail_filters_by_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path))
    log = tmp_path / "logs" / "sfintacct.log"
    log.parent.mkdir(parents=True)
    lines = [f"2025-01-01 INFO x [sfintacct-sync-{'a' if i % 2 else 'b'}] line {i}" for i in range(10)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert su.log_tail(3)[1] == lines[-3:]
    assert su.log_tail(2, ["a"])[1] == [lines[7], lines[9]]
