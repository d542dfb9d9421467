"""sfintacct-desktop: keeps Salesforce and Sage Intacct in sync for order-to-cash."""

from importlib.metadata import PackageNotFoundError, version

try:  # one source of truth: pyproject's version, read from the installed (or frozen) metadata
    __version__ = version("sfintacct-desktop")
except PackageNotFoundError:  # a bare checkout on PYTHONPATH, never installed: say so rather than guess
    __version__ = "0+unknown"
