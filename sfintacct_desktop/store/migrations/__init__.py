"""Alembic migrations of the state store, shipped in the package and run programmatically."""
