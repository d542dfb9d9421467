"""Shared helpers for repositories: every repo works in one Session owned by a unit of work."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..errors import NotFoundError

T = TypeVar("T")


class Repo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _get(self, model: type[T], ident: Any) -> T:
        row = self._s.get(model, ident)
        if row is None:
            raise NotFoundError(f"{getattr(model, '__tablename__', model.__name__)} {ident!r} not found")
        return row
