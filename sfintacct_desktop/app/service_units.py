"""Installing the background service as a per-user unit: systemd (Linux), launchd (macOS), Task Scheduler (Windows).

Why one template per system, filled from one description of the command (:class:`ServiceCommand`):
what starts (this installation's ``sfintacct service run``), which profiles, which environment, is
decided once; each system's template only says it in that system's words. Every unit restarts the
service when it fails and stops it with SIGTERM (Windows has no signal: its task is ended, which
the service survives like a SIGKILL, see ``docs/service.md``). Nothing here needs root.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any
from xml.sax.saxutils import escape

from ..config.paths import app_paths
from ..config.private import ensure_dir, write_atomic
from .logging_setup import LOG_FILE_NAME

UNIT_NAME = "sfintacct.service"
LAUNCHD_LABEL = "com.sfintacct.desktop.sync"
TASK_NAME = "sfintacct-sync"
STOP_TIMEOUT = 120  # seconds the system waits for the current batch before it kills the service
PASSED_ENV = ("SFINTACCT_HOME", "SFINTACCT_LOG_LEVEL", "PYTHON_KEYRING_BACKEND")  # kept from the installing shell


@dataclass(frozen=True)
class ServiceCommand:
    """What the unit starts: the program, its arguments and the environment it needs."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


def service_command(
    profiles: list[str] | tuple[str, ...] = (), environ: dict[str, str] | None = None
) -> ServiceCommand:
    """This installation's ``sfintacct service run`` (the venv's script, else its Python ``-m``)."""
    bindir = Path(sys.executable).parent  # not resolved: a venv's python is a link out of the venv
    script = shutil.which("sfintacct", path=str(bindir))
    head = (script,) if script else (sys.executable, "-m", "sfintacct_desktop.cli")
    args = [*head, "service", "run"]
    for name in profiles:
        args += ["--profile", name]
    env = environ if environ is not None else dict(os.environ)
    return ServiceCommand(tuple(args), {k: env[k] for k in PASSED_ENV if env.get(k)})


# ------------------------------------------------------------------------------ systemd
SYSTEMD_TEMPLATE = Template("""\
[Unit]
Description=sfintacct background sync (Salesforce <-> Sage Intacct)

[Service]
Type=simple
ExecStart=$exec_start
${environment}Restart=on-failure
RestartSec=10
KillSignal=SIGTERM
KillMode=mixed
TimeoutStopSec=$stop_timeout

[Install]
WantedBy=default.target
""")

_SYSTEMD_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@")


def _systemd_word(arg: str) -> str:
    """One ExecStart word: quoted when needed; ``%`` and ``$`` escaped (systemd expands both)."""
    text = arg.replace("%", "%%").replace("$", "$$")
    if text and set(text) <= _SYSTEMD_SAFE:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(cmd: ServiceCommand) -> str:
    environment = "".join(f"Environment={_systemd_word(f'{k}={v}')}\n" for k, v in sorted(cmd.env.items()))
    return SYSTEMD_TEMPLATE.substitute(
        exec_start=" ".join(_systemd_word(a) for a in cmd.argv), environment=environment, stop_timeout=STOP_TIMEOUT
    )


# ------------------------------------------------------------------------------ launchd
def launchd_plist(cmd: ServiceCommand) -> bytes:
    """The agent: started at login, started again when it fails (``KeepAlive``), SIGTERM to stop."""
    logs = app_paths().log_dir
    template: dict[str, Any] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(cmd.argv),
        "EnvironmentVariables": dict(cmd.env),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "ExitTimeOut": STOP_TIMEOUT,
        "ProcessType": "Background",
        "StandardOutPath": str(logs / "service.out.log"),
        "StandardErrorPath": str(logs / "service.err.log"),
    }
    return plistlib.dumps(template, fmt=plistlib.FMT_XML, sort_keys=True)


# ------------------------------------------------------------------------------ Task Scheduler
TASK_TEMPLATE = Template("""\
<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>sfintacct background sync (Salesforce &lt;-&gt; Sage Intacct)</Description>
    <URI>\\$task_name</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>$user</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>$user</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <Hidden>true</Hidden>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>$command</Command>
      <Arguments>$arguments</Arguments>
    </Exec>
  </Actions>
</Task>
""")


def task_xml(cmd: ServiceCommand, user: str | None = None) -> str:
    """The scheduled task: at the user's logon, restarted on failure, no time limit.

    The environment cannot be set on a task: ``SFINTACCT_HOME`` and friends must be set for the user.
    """
    who = user or os.environ.get("USERNAME") or os.environ.get("USER") or ""
    domain = os.environ.get("USERDOMAIN")
    if domain and "\\" not in who:
        who = f"{domain}\\{who}"
    return TASK_TEMPLATE.substitute(
        task_name=escape(TASK_NAME),
        user=escape(who),
        command=escape(cmd.argv[0]),
        arguments=escape(subprocess.list2cmdline(cmd.argv[1:])),
    )


# ------------------------------------------------------------------------------ install
def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def unit_file(system: str = sys.platform) -> Path:
    """Where this system's unit goes (Windows: the task's XML, kept beside the data for ``schtasks``)."""
    if system.startswith("linux"):
        return _config_home() / "systemd" / "user" / UNIT_NAME
    if system == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
    return app_paths().data_dir / "service" / f"{TASK_NAME}.xml"


def _run(argv: list[str], ran: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60)  # noqa: S603 - fixed tools
    ran.append(" ".join(argv))


def install(profiles: list[str], *, start: bool = True, system: str = sys.platform) -> dict[str, Any]:
    """Write this system's unit and, with ``start``, register and start it (where the tool exists)."""
    cmd = service_command(profiles)
    path = unit_file(system)
    ran: list[str] = []
    next_step = ""
    if system.startswith("linux"):
        write_atomic(path, systemd_unit(cmd))
        systemctl = shutil.which("systemctl")
        if start and systemctl:
            _run([systemctl, "--user", "daemon-reload"], ran)
            _run([systemctl, "--user", "enable", "--now", UNIT_NAME], ran)
        else:
            next_step = f"Start it with: systemctl --user daemon-reload && systemctl --user enable --now {UNIT_NAME}"
    elif system == "darwin":
        write_atomic(path, launchd_plist(cmd))
        launchctl = shutil.which("launchctl")
        if start and launchctl:
            _run([launchctl, "bootstrap", f"gui/{os.getuid()}", str(path)], ran)
        else:
            next_step = f"Start it with: launchctl bootstrap gui/$(id -u) {path}"
    else:
        ensure_dir(path.parent)
        path.write_bytes(task_xml(cmd).encode("utf-16"))
        schtasks = shutil.which("schtasks")
        if start and schtasks:
            _run([schtasks, "/Create", "/TN", TASK_NAME, "/XML", str(path), "/F"], ran)
            _run([schtasks, "/Run", "/TN", TASK_NAME], ran)
        else:
            next_step = f'Register it with: schtasks /Create /TN {TASK_NAME} /XML "{path}" /F'
    return {"unit_file": str(path), "command": list(cmd.argv), "ran": ran, "next": next_step}


def uninstall(*, stop: bool = True, system: str = sys.platform) -> dict[str, Any]:
    """Stop and unregister the unit (where the tool exists), then remove its file."""
    path = unit_file(system)
    ran: list[str] = []
    next_step = ""
    if system.startswith("linux"):
        tool = shutil.which("systemctl")
        if stop and tool:
            _run([tool, "--user", "disable", "--now", UNIT_NAME], ran)
        elif stop:
            next_step = "Stop the running service process yourself (systemctl was not found)."
    elif system == "darwin":
        tool = shutil.which("launchctl")
        if stop and tool and path.exists():
            _run([tool, "bootout", f"gui/{os.getuid()}", str(path)], ran)
    else:
        tool = shutil.which("schtasks")
        if stop and tool:
            _run([tool, "/End", "/TN", TASK_NAME], ran)
            _run([tool, "/Delete", "/TN", TASK_NAME, "/F"], ran)
    removed = path.exists()
    path.unlink(missing_ok=True)
    if system.startswith("linux") and ran and (tool := shutil.which("systemctl")):
        _run([tool, "--user", "daemon-reload"], ran)
    return {"unit_file": str(path), "removed": removed, "ran": ran, "next": next_step}


# ------------------------------------------------------------------------------ logs
def log_tail(lines: int, profiles: list[str] | tuple[str, ...] = ()) -> tuple[Path, list[str]]:
    """The last ``lines`` lines of the log file; with ``profiles``, only the lines of their threads."""
    path = app_paths().log_dir / LOG_FILE_NAME
    marks = [f"-{name}]" for name in profiles]  # the thread names: sfintacct-sync-P, sfintacct-hub-P
    kept: deque[str] = deque(maxlen=max(0, lines))
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not marks or any(mark in line for mark in marks):
                    kept.append(line.rstrip("\n"))
    except FileNotFoundError:
        pass
    return path, list(kept)


__all__ = [
    "LAUNCHD_LABEL",
    "TASK_NAME",
    "UNIT_NAME",
    "ServiceCommand",
    "install",
    "launchd_plist",
    "log_tail",
    "service_command",
    "systemd_unit",
    "task_xml",
    "uninstall",
    "unit_file",
]
