"""Test-only helpers shared by integration tests (never imported by the product)."""
