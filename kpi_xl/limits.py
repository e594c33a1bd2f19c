"""Limits on what one workbook may cost to read and recalculate.

A hostile or broken file (a zip bomb, a package of a million parts, a calculation that
never ends) is refused with a sentence naming the limit and the ``kpi-xl recalc`` flag
that raises it, instead of taking the machine's memory or the batch's time.  The
defaults leave room for genuine workbooks many times larger than a month's appraisal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Limits:
    # All parts of the package together, as inflated: checked while inflating, since a
    # zip's declared sizes can lie.
    max_unpacked_mb: float = 500.0
    # Zip entries in the package (a real workbook has tens; each one costs memory to list).
    max_parts: int = 10_000
    # Inflated ÷ compressed size of one part, for parts above RATIO_FLOOR bytes: XML
    # compresses 5–15 times (13 at most among 468 Excel-saved test files), a bomb up to
    # deflate's 1,032.
    max_ratio: float = 200.0
    # Cells stored in all sheets together (values and formulas).
    max_cells: int = 5_000_000
    # Seconds one file may take; None for no limit.
    timeout: Optional[float] = 600.0

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * 1024 * 1024)


RATIO_FLOOR = 1024 * 1024

DEFAULT_LIMITS = Limits()
