"""The frozen application's one entry script: the window, the CLI and the sandbox from one build.

Why one script for both executables: the bundle ships ``sfintacct-desktop`` (the window; a GUI
program on Windows and macOS, so no console flashes up) and ``sfintacct`` (the CLI; a console
program), built from the same analysed code into one folder. The role comes from the name the
program was started under (``argv[0]``: on Linux and macOS ``sfintacct`` is a symlink, and
``sys.executable`` names the link's target). ``<exe> -m sfintacct_desktop.cli ...`` is also accepted because the
window starts its private sync child as ``sys.executable -m sfintacct_desktop.cli service run``,
and in a frozen build ``sys.executable`` is this program, not a Python interpreter.
"""

from __future__ import annotations

import sys
from pathlib import Path

CLI_MODULE = ["-m", "sfintacct_desktop.cli"]
CLI_NAMES = {"sfintacct"}


def role(program: str, args: list[str]) -> tuple[str, list[str]]:
    """("cli" | "window", the arguments for it) from the program's name and its arguments."""
    if args[:2] == CLI_MODULE:
        return "cli", args[2:]
    if Path(program).stem.lower() in CLI_NAMES:
        return "cli", args
    return "window", args


def main() -> int:
    which, args = role(sys.argv[0], sys.argv[1:])
    if which == "cli":
        from sfintacct_desktop.cli import main as cli_main

        return cli_main(args)
    from sfintacct_desktop.__main__ import main as window_main

    return window_main(args)


if __name__ == "__main__":
    sys.exit(main())
