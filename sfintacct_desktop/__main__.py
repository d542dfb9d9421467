"""`sfintacct-desktop` / `python -m sfintacct_desktop`: the desktop app's entry point.

The PySide6 window arrives with the GUI milestone; until then this starts the embedded
sandbox and shows what it holds, which is the product's first-run experience.
"""

from __future__ import annotations

import sys

from .cli import main as cli_main


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    return cli_main(["sandbox", "show", *args])


if __name__ == "__main__":
    sys.exit(main())
