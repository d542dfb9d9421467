"""`python -m sfintacct_desktop.cli`: the same as the `sfintacct` command."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())
