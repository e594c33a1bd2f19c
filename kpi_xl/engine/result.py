"""What recalculating one file gave: :class:`FileResult`.

A module of its own, without the engine's imports, so that the process that hands
files to workers (``batch.recalc_many``) can hold results without loading the
engine it does not run.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileResult:
    path: str
    output: str | None = None
    ok: bool = True
    message: str = ""
    cells: int = 0
    seconds: float = 0.0
    errors: dict = field(default_factory=dict)  # "Sheet!A1" -> "#N/A"
    unknown_functions: dict = field(default_factory=dict)  # NAME -> ["Sheet!A1", ...]
    unknown_names: dict = field(default_factory=dict)      # name -> ["Sheet!A1", ...]
    circular: list = field(default_factory=list)
    bug: bool = False
    approximate_functions: dict = field(default_factory=dict)  # NAME -> calls, see docs/fallback_functions.md
    engine_bugs: dict = field(default_factory=dict)        # "Sheet!A1" -> what went wrong inside
    incomplete: str = ""                                   # why some cells were not computed
    not_computed: list = field(default_factory=list)       # ["Sheet!A1", ...] of those cells
    beyond_limits: dict = field(default_factory=dict)      # "Sheet!A1" -> why it is #NUM!
    limit_errors: dict = field(default_factory=dict)       # of those, "Sheet!A1" -> error if not #NUM!
    stopped: dict = field(default_factory=dict)            # "Sheet!A1" -> why it is #CALC!
    kept_from_file: dict = field(default_factory=dict)  # "Sheet!A1" -> (functions, cached value found)
    reader_fallbacks: list = field(default_factory=list)  # [(sheet, why)] read the slow way
    partless_read: dict = field(default_factory=dict)  # sheet without a part -> ["Sheet!A1", ...] reading it
