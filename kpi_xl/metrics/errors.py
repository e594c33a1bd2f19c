"""Expected failures of computing agent metrics from the shops' data."""
from __future__ import annotations

from ..errors import UserFacingError


class MetricsError(UserFacingError):
    """Shop data or rules that cannot be used.

    ``problems`` holds one finished sentence per problem, naming the file, row and column
    where there is one.
    """

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RulesError(MetricsError):
    """A rules file that cannot be read or holds a setting we do not know."""
