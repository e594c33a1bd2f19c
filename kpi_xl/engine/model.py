"""What the evaluator needs to know of a workbook, independent of how it was read."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SheetInput:
    name: str
    values: dict = field(default_factory=dict)    # (row, col) -> constant value
    formulas: dict = field(default_factory=dict)  # (row, col) -> formula text without "="
    arrays: dict = field(default_factory=dict)    # anchor (row, col) -> (r1, c1, r2, c2)
    dynamic: set = field(default_factory=set)     # anchors of those that spill (dynamic arrays)
    hidden_rows: set = field(default_factory=set)
    filtered_rows: set = field(default_factory=set)   # of the hidden rows, those a filter hid
    cached: dict = field(default_factory=dict)    # (row, col) -> value saved with the file, where
    #   iterative calculation starts from it (filled only for workbooks that iterate)


@dataclass
class TableInput:
    name: str
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    columns: list
    header_rows: int = 1
    totals_rows: int = 0


@dataclass
class BookInput:
    sheets: list                                  # [SheetInput] in workbook order
    names: dict = field(default_factory=dict)     # (NAME_UPPER, scope sheet or None) -> text
    tables: list = field(default_factory=list)    # [TableInput]
    date1904: bool = False
    path: str = ""
    iterate: bool = False                         # <calcPr iterate="1">: circular references iterate
    iterate_count: int = 100                      # at most this many passes
    iterate_delta: float = 0.001                  # until no value changes by more than this
