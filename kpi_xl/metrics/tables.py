"""Reading the shops' files: CSV (UTF-8 or GB18030) or .xlsx, headers matched with aliases."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import MetricsError

HEADER_SCAN = 10   # rows searched for the header below title rows
#: Excel keeps 15 significant digits of a number: one of 1e15 or more may have lost digits.
LONG_NUMBER = 1e15
MISSING_MARKS = {"", "-", "--", "—", "nan", "none", "null", "n/a", "na", "#n/a", "/"}


def normalise_header(text) -> str:
    text = str(text).strip().lower().replace("（", "(").replace("）", ")")
    text = text.replace("－", "-").replace("＞", ">").replace("→", "->")
    return re.sub(r"[\s_·:：]+", "", text)


@dataclass(frozen=True, eq=False)
class RowNumbers:
    """The file's row numbers of a frame's rows, as Excel shows the file (a blank line of a
    CSV is a row, a line break inside a quoted cell is not): ``first``, the row of the
    frame's first row (2 under a header in row 1, more under title rows), and ``blank``,
    the file's blank rows below it that :func:`read_any` left out, in order."""

    first: int = 2
    blank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __call__(self, idx) -> np.ndarray:
        """The file's rows of the frame's rows at positions ``idx``."""
        idx = np.asarray(idx, dtype=np.int64)
        if not len(self.blank):
            return idx + self.first
        # The j-th blank row lies before the frame's position blank[j] - first - j: the
        # rows from there on are one further down the file.
        before = self.blank - self.first - np.arange(len(self.blank))
        return idx + self.first + np.searchsorted(before, idx, side="right")


def read_any(path, known=frozenset()):
    """The file's table as a DataFrame of strings (no value turned into NaN): a CSV's, or
    the sheet of an .xlsx whose header holds the most ``known`` headers (see
    :func:`read_tables`)."""
    tables = read_tables(path, known)
    return max(tables, key=lambda df: df.attrs.get("known", 0))


def read_tables(path, known=frozenset(), sheets=()) -> list:
    """The file's tables as DataFrames of strings (no value turned into NaN): a CSV's one,
    or each sheet of an .xlsx whose header holds a ``known`` header, in the workbook's
    order (the first sheet when none does); with ``sheets`` (names as ``--sheet`` gives
    them, see :func:`wanted_sheets`), the workbook's sheets of those names only.

    A header is the row among the first :data:`HEADER_SCAN` holding the most ``known``
    headers (see :func:`header_names`; the first row when none is known): exports put a
    title (客服绩效报表 2025-10) and a blank row above it.  Blank rows below the header
    (every cell empty or spaces) are left out.  ``attrs["rows"]`` gives the file's row
    number of each data row (see :func:`row_numbers`), ``attrs["known"]`` how many known
    headers the header holds, ``attrs["sheet"]`` an .xlsx's sheet name and
    ``attrs["sheets"]`` how many sheets it has (see :func:`source_name`),
    ``attrs["sheet_names"]`` its sheets' names, ``attrs["path"]`` the file, and
    ``attrs["long_numbers"]`` the positions, per column of an .xlsx, of the cells stored as
    numbers of 16 digits or more (see :func:`long_numbers`)."""
    import pandas as pd
    path = Path(path)
    if not path.exists():
        raise MetricsError(f"The file {path} does not exist.")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise MetricsError(f"The file {path} is an old Excel workbook (.xls); open it in Excel "
                           "or WPS and save it as .xlsx, or as CSV.")
    try:
        if suffix in (".xlsx", ".xlsm"):
            tables = _read_xlsx(path, known, sheets)
        else:
            encoding, sep, header = _text_format(path, known)
            # Blank lines are read as rows, so that each row keeps its place in the file.
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding,
                             sep=sep, skiprows=header, skip_blank_lines=False)
            df = _drop_blank_rows(df, header + 2)
            df.attrs["known"] = _known_count(df.columns, known)
            tables = [df]
    except MetricsError:
        raise
    except Exception as exc:  # pandas and openpyxl raise many kinds; all mean "unreadable"
        raise MetricsError(f"The file {path} cannot be read as CSV or .xlsx: {exc}") from exc
    for df in tables:
        df.columns = [str(c).strip() for c in df.columns]
        df.attrs["path"] = str(path)
    return tables


def named_sheets(value: str, names) -> set:
    """The sheets one ``--sheet`` value names, among a workbook's sheet ``names``: the value
    itself when it is a sheet's name as it stands (a sheet may hold a comma), else the
    names it separates by commas."""
    if value in names:
        return {value}
    return {part.strip() for part in re.split(r"[,，]", value) if part.strip()}


def wanted_sheets(given, names) -> list[str]:
    """The sheets of a workbook (its sheet ``names``) that the ``--sheet`` values ``given``
    name (see :func:`named_sheets`), in the workbook's order."""
    wanted = set().union(*(named_sheets(value, names) for value in given))
    return [name for name in names if name in wanted]


def source_name(path, df) -> str:
    """How sentences name the table ``df`` of the file ``path``: the file, and the sheet
    when the workbook has more than one."""
    if df.attrs.get("sheets", 1) > 1:
        return f"{path}, sheet {df.attrs['sheet']!r}"
    return str(path)


def header_names(*aliases: dict) -> frozenset:
    """The headers (as :func:`normalise_header` writes them) of alias tables such as
    :func:`match_columns` takes: what :func:`read_any` looks for below title rows."""
    return frozenset(normalise_header(name) for table in aliases
                     for key, names in table.items() for name in (key, *names))


def row_numbers(df) -> RowNumbers:
    """The file's row numbers of the frame's rows (2, 3, … under a header in row 1)."""
    return df.attrs.get("rows", RowNumbers())


def _drop_blank_rows(df, first: int):
    """``df`` (text, its first row the file's row ``first``) without the rows whose every
    cell is empty or spaces — a blank line of a CSV, an empty row of a sheet, a line of
    commas alone — and with ``attrs["rows"]`` naming the others as the file does."""
    if not len(df.columns) or not len(df):
        df.attrs["rows"] = RowNumbers(first)
        return df
    blank = np.array(df.iloc[:, 0].astype(str).str.strip() == "", dtype=bool)
    if blank.any():
        idx = np.flatnonzero(blank)
        rest = df.iloc[idx, 1:].astype(str)
        blank[idx] = (rest.apply(lambda c: c.str.strip() == "")).all(axis=1).to_numpy()
    if not blank.any():
        df.attrs["rows"] = RowNumbers(first)
        return df
    attrs = dict(df.attrs)
    df = df[~blank].reset_index(drop=True)
    df.attrs.update(attrs, rows=RowNumbers(first, np.flatnonzero(blank) + first))
    return df


def _header_row(rows, known) -> tuple[int, int]:
    """(index, known headers) of the header among ``rows`` (lists of cells): the first with
    the most ``known`` headers; (0, 0) when no row holds one."""
    from ..templates.fill import header_row
    return header_row(rows, lambda row: _known_count(row, known))


def _known_count(row, known) -> int:
    return sum(1 for v in row if str(v).strip() and normalise_header(v) in known)


def _read_xlsx(path: Path, known, sheets=()) -> list:
    """The sheets ``sheets`` names (see :func:`wanted_sheets`), else those whose header holds
    a ``known`` header (else the first sheet), each read by :func:`_read_sheet`."""
    import pandas as pd
    with pd.ExcelFile(path) as book:
        names = book.sheet_names
        chosen = wanted_sheets(sheets, names) if sheets else _known_sheets(book, known)
        if not chosen:
            raise MetricsError(f"{path} has no sheet named by --sheet "
                               f"({', '.join(map(repr, sheets))}); its sheets are "
                               f"{', '.join(map(repr, names))}.")
        tables = [_read_sheet(book, name, known) for name in chosen]
    for df in tables:
        df.attrs.update(sheets=len(names), sheet_names=list(names))
    return tables


def _known_sheets(book, known) -> list[str]:
    """The workbook's sheets whose first rows hold a ``known`` header; the first sheet when
    none does."""
    import pandas as pd
    names = book.sheet_names
    heads = [pd.read_excel(book, sheet_name=name, header=None, dtype=object,
                           keep_default_na=False, nrows=HEADER_SCAN) for name in names]
    scores = [max((_known_count(row, known) for row in head.itertuples(index=False)),
                  default=0) for head in heads]
    return [n for n, score in zip(names, scores) if score] or names[:1]


def _read_sheet(book, sheet: str, known):
    """A sheet as text, as CSV would give it (an integral number without ".0"), its header
    found below title rows, and where it stored numbers too long for a spreadsheet to keep
    exactly."""
    import pandas as pd
    cells = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object,
                          keep_default_na=False)
    h, score = _header_row(cells.head(HEADER_SCAN).itertuples(index=False), known)
    header = _column_names(cells.iloc[h]) if len(cells) else []
    cells = cells.iloc[h + 1:].reset_index(drop=True)
    cells.columns = header
    cells = _drop_blank_rows(cells, h + 2)
    long = {}
    for n, column in enumerate(header):
        hit = np.fromiter((_long_number(v) for v in cells.iloc[:, n]), bool, len(cells))
        if hit.any():
            long[column] = np.flatnonzero(hit)
    df = cells.astype(str)
    df.attrs.update(sheet=sheet, rows=row_numbers(cells), long_numbers=long, known=score)
    return df


def _column_names(row) -> list[str]:
    """A header row's names as pandas gives them: 'Unnamed: 3' for a blank one, 'x.1' for
    the second 'x'."""
    names: list[str] = []
    seen: dict = {}
    for i, v in enumerate(row):
        name = str(v).strip() or f"Unnamed: {i}"
        n = seen.get(name, 0)
        seen[name] = n + 1
        names.append(f"{name}.{n}" if n else name)
    return names


def _long_number(value) -> bool:
    """A cell stored as a number of 16 digits or more (1e15 and up): past the 15
    significant digits a spreadsheet keeps, its last digits cannot be trusted."""
    return (isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            and abs(value) >= LONG_NUMBER)


def long_numbers(df, column: str) -> np.ndarray:
    """Positions of ``column``'s cells an .xlsx stored as numbers of 16 digits or more."""
    return df.attrs.get("long_numbers", {}).get(column, np.zeros(0, dtype=np.int64))


def _text_format(path: Path, known) -> tuple[str, str, int]:
    """(encoding, separator, header line) of a CSV or text export: UTF-8, GB18030 (Chinese
    Windows and the platforms' back ends), or UTF-16 with its byte-order mark (Excel's
    "Unicode text", tab-separated); the header the line among the first
    :data:`HEADER_SCAN` with the most ``known`` headers, split by commas or tabs (else the
    first line), and the separator the one that splits it so (else a tab when the line has
    more tabs than commas)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in head:
        raise MetricsError(f"The file {path} is not text (it holds NUL bytes): it may be a "
                           "workbook or UTF-16 text without its byte-order mark. Save it as "
                           "CSV (UTF-8) or as .xlsx.")
    else:
        encoding = "utf-8-sig"
        try:
            with open(path, encoding=encoding) as fh:
                while fh.read(1 << 20):
                    pass
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        with open(path, encoding=encoding, newline="") as fh:
            lines = [fh.readline() for _ in range(HEADER_SCAN)]
    except UnicodeDecodeError as exc:
        raise MetricsError(f"The file {path} is neither UTF-8, GB18030 nor UTF-16 text "
                           f"({exc.reason} at byte {exc.start}); save it as CSV (UTF-8) or "
                           ".xlsx.") from None
    best = (0, 0, ",")   # (known headers, line, separator)
    for sep in (",", "\t"):
        rows = [next(csv.reader([line], delimiter=sep), []) for line in lines]
        h, score = _header_row(rows, known)
        if score > best[0]:
            best = (score, h, sep)
    if best[0]:
        return encoding, best[2], best[1]
    first = lines[0]
    return encoding, "\t" if first.count("\t") > first.count(",") else ",", 0


def match_columns(columns, aliases: dict) -> dict:
    """{field: column} for the fields whose header (or an alias of it) is among ``columns``."""
    lookup = {}
    for key, names in aliases.items():
        for name in (key, *names):
            lookup.setdefault(normalise_header(name), key)
    found: dict = {}
    for col in columns:
        key = lookup.get(normalise_header(col))
        if key is not None and key not in found:
            found[key] = col
    return found


def rows_by_place(places, shown: int = 5) -> str:
    """'a.csv rows 2, 3; b.csv row 7': the (place, row) pairs ``places`` grouped by place in
    the order met, the first ``shown`` rows of each named and how many more."""
    by_place: dict = {}
    for place, row in places:
        by_place.setdefault(place, []).append(str(row))
    return "; ".join(f"{place} row{'s' if len(r) > 1 else ''} {', '.join(r[:shown])}"
                     + (f" and {len(r) - shown} more" if len(r) > shown else "")
                     for place, r in by_place.items())


def bad_rows_sentence(source: str, column: str, rows, values, what: str) -> str:
    """One sentence for the bad cells of a column (the first few of them named)."""
    rows = list(rows)
    values = list(values)
    shown = ", ".join(f"row {r} ({v!r})" for r, v in zip(rows[:5], values[:5]))
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return f"{source}, column {column!r}: {shown}{more} {'is' if len(rows) == 1 else 'are'} not {what}."
