"""Reading the shops' files: CSV (UTF-8 or GB18030) or .xlsx, headers matched with aliases."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .errors import MetricsError

#: Excel keeps 15 significant digits of a number: one of 1e15 or more may have lost digits.
LONG_NUMBER = 1e15
MISSING_MARKS = {"", "-", "--", "—", "nan", "none", "null", "n/a", "na", "#n/a", "/"}


def normalise_header(text) -> str:
    text = str(text).strip().lower().replace("（", "(").replace("）", ")")
    text = text.replace("－", "-").replace("＞", ">").replace("→", "->")
    return re.sub(r"[\s_·:：]+", "", text)


def read_any(path):
    """The file's first sheet or CSV as a DataFrame of strings (no value turned into NaN).

    ``attrs["sheet"]`` names an .xlsx's sheet; ``attrs["long_numbers"]`` holds, per column
    of an .xlsx, the positions of the cells stored as numbers of 16 digits or more (see
    :func:`long_numbers`)."""
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
            df = _read_xlsx(path)
        else:
            encoding, sep = _text_format(path)
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding,
                             sep=sep)
    except MetricsError:
        raise
    except Exception as exc:  # pandas and openpyxl raise many kinds; all mean "unreadable"
        raise MetricsError(f"The file {path} cannot be read as CSV or .xlsx: {exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_xlsx(path: Path):
    """The first sheet as text, as CSV would give it (an integral number without ".0"),
    and where it stored numbers too long for a spreadsheet to keep exactly."""
    import pandas as pd
    with pd.ExcelFile(path) as book:
        sheet = book.sheet_names[0]
        cells = pd.read_excel(book, sheet_name=sheet, dtype=object, keep_default_na=False)
    long = {}
    for column in cells.columns:
        hit = np.fromiter((_long_number(v) for v in cells[column]), bool, len(cells))
        if hit.any():
            long[str(column).strip()] = np.flatnonzero(hit)
    df = cells.astype(str)
    df.attrs.update(sheet=sheet, long_numbers=long)
    return df


def _long_number(value) -> bool:
    """A cell stored as a number of 16 digits or more (1e15 and up): past the 15
    significant digits a spreadsheet keeps, its last digits cannot be trusted."""
    return (isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            and abs(value) >= LONG_NUMBER)


def long_numbers(df, column: str) -> np.ndarray:
    """Positions of ``column``'s cells an .xlsx stored as numbers of 16 digits or more."""
    return df.attrs.get("long_numbers", {}).get(column, np.zeros(0, dtype=np.int64))


def _text_format(path: Path) -> tuple[str, str]:
    """(encoding, separator) of a CSV or text export: UTF-8, GB18030 (Chinese Windows and
    the platforms' back ends), or UTF-16 with its byte-order mark (Excel's "Unicode text",
    tab-separated); the separator a tab when the header line has more tabs than commas."""
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
            first = fh.readline()
    except UnicodeDecodeError as exc:
        raise MetricsError(f"The file {path} is neither UTF-8, GB18030 nor UTF-16 text "
                           f"({exc.reason} at byte {exc.start}); save it as CSV (UTF-8) or "
                           ".xlsx.") from None
    return encoding, "\t" if first.count("\t") > first.count(",") else ","


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


def bad_rows_sentence(source: str, column: str, rows, values, what: str) -> str:
    """One sentence for the bad cells of a column (the first few of them named)."""
    rows = list(rows)
    values = list(values)
    shown = ", ".join(f"row {r} ({v!r})" for r, v in zip(rows[:5], values[:5]))
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return f"{source}, column {column!r}: {shown}{more} {'is' if len(rows) == 1 else 'are'} not {what}."
