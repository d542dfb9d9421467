"""Tests that set up the product's logging put the root logger back as they found it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sfintacct_desktop.secrets import RedactingFilter


@contextmanager
def root_logging_restored() -> Iterator[logging.Logger]:
    """Yields the root logger; afterwards removes (and closes) the handlers and redacting filters
    added meanwhile and restores its level, so a log file set up by one test never leaks into the next."""
    root = logging.getLogger()
    before_level, before_handlers = root.level, list(root.handlers)
    try:
        yield root
    finally:
        for handler in [h for h in root.handlers if h not in before_handlers]:
            root.removeHandler(handler)
            handler.close()
        for flt in [f for f in root.filters if isinstance(f, RedactingFilter)]:
            root.removeFilter(flt)
        root.setLevel(before_level)
