"""Table models: rows of plain dicts from the app layer, shown by column specs."""

from .plan import PlanModel
from .rows import Column, RowsModel, money

__all__ = ["Column", "PlanModel", "RowsModel", "money"]
