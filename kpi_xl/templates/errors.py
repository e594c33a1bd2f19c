"""Expected failures of building, filling and consolidating workbooks."""
from __future__ import annotations

from ..errors import UserFacingError


class TemplateError(UserFacingError):
    """An unknown template, or a workbook that is not one of ours."""


class DataError(UserFacingError):
    """Agent data that cannot be used: unreadable file, missing or unknown columns, bad values.

    ``problems`` holds one finished sentence per problem (file, row and column named).
    """

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class SummaryError(UserFacingError):
    """Workbooks that cannot be consolidated (no results sheet, no cached values)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
