"""sandbox layer of sfintacct-desktop (see docs/architecture.md)."""
