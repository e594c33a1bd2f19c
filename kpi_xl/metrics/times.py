"""Reading a column of date-times from the shops' exports, one rule per column.

The exports write times in many ways: ISO (2025-10-01 10:00:00, the usual one, read on
whole columns), 2025/10/1, 2025年10月1日, day-first (Shopee, AliExpress: 05-10-2025) or
month-first (10-05-2025), with a UTC offset (2025-10-01T10:00:00+08:00) or in UTC (…Z).
A time is never guessed one value at a time:

- the order of day and month in DD-MM-YYYY / MM-DD-YYYY is one for the whole column: a
  value whose first number is above 12 makes the column day-first, one whose second is
  above 12 month-first; a column where no value decides (or values decide both ways) is
  refused, naming the file and column;
- times that give an offset are turned into the shop's wall-clock time of that offset
  (the days and months of the metrics are the shop's).  A column may mix one offset with
  UTC (…Z): the UTC times are moved to that offset.  A column wholly in UTC, one with two
  offsets, or one mixing times with and without an offset is refused: which calendar day a
  message falls on cannot be known;
- a time without a date (10:00:05) or a date without a year (10-01 10:00, Oct 1 10:00) is
  refused; a date and a time in separate columns are combined by the caller.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import MetricsError
from .tables import MISSING_MARKS, bad_rows_sentence

_OFFSET = (r"(?i)^(?P<rest>.*\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:\s*[ap]m)?)\s*"
           r"(?P<zone>z|utc|gmt|[+-]\d\d(?::?\d\d)?)$")
_TIME = r"(?:(?:[T\s]+|(?<=日)\s*)(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?))?"
_YEAR_FIRST = r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?" + _TIME + r"$"
_YEAR_LAST = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})" + _TIME + r"$"
_TIME_ONLY = r"^\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?$"
_MONTH_NAME = (r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b")


def _rows(mask: pd.Series) -> np.ndarray:
    """The labels where ``mask`` holds: the file's row numbers (the index of the text)."""
    return mask[mask].index.to_numpy()


def _shown(text: pd.Series, rows) -> str:
    return ", ".join(f"row {i} ({text.loc[i]!r})" for i in rows[:3])


def _split_offsets(value: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(the text without its UTC offset, the offset in minutes east of UTC or NaN)."""
    parts = value.str.extract(_OFFSET)
    has = parts["zone"].notna()
    zone = parts["zone"].str.upper()
    minutes = pd.Series(np.nan, index=value.index)
    utc = has & zone.isin(["Z", "UTC", "GMT"])
    minutes[utc] = 0.0
    num = has & ~utc
    if num.any():
        z = zone[num].str.replace(":", "", regex=False)
        sign = np.where(z.str[0] == "-", -1, 1)
        mins = z.str[3:5].where(z.str.len() > 3, "0").astype(int)
        minutes[num] = sign * (z.str[1:3].astype(int) * 60 + mins)
    return value.where(~has, parts["rest"]), minutes


def _iso_text(y, m, d, time) -> pd.Series:
    date = (y.astype(str) + "-" + m.astype(int).map("{:02d}".format) + "-"
            + d.astype(int).map("{:02d}".format))
    return date + (" " + time).fillna("")


def _parse_each(text: pd.Series) -> pd.Series:
    """Each text (year first, nothing left to guess) parsed one by one; NaT when unreadable."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for i, v in text.items():
        try:
            ts = pd.to_datetime(v, format="mixed")
        except (ValueError, TypeError, OverflowError):
            continue
        if ts is not pd.NaT and ts.tzinfo is None:
            out[i] = ts
    return out


def _parse_other(text: pd.Series, source: str, column: str) -> pd.Series:
    """The values the ISO reader did not take, read by the column's one rule."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    time_only = text.str.fullmatch(_TIME_ONLY)
    if time_only.any():
        idx = _rows(time_only)
        raise MetricsError(
            f"{source}, column {column!r}: {_shown(text, idx)} "
            f"{'is a time' if len(idx) == 1 else 'are times'} without a date; give the date in "
            "the same cell (2025-10-01 10:00:05) or in a 日期 column beside it.")
    first = text.str.extract(_YEAR_FIRST)
    is_first = first["y"].notna()
    if is_first.any():
        f = first[is_first]
        out[is_first] = _parse_each(_iso_text(f["y"], f["m"], f["d"], f["time"]))
    last = text.str.extract(_YEAR_LAST)
    is_last = last["y"].notna()
    if is_last.any():
        f = last[is_last]
        a, b = f["a"].astype(int), f["b"].astype(int)
        day_first, month_first = (a > 12) & (b <= 12), (b > 12) & (a <= 12)
        if day_first.any() and month_first.any():
            i, j = _rows(day_first), _rows(month_first)
            raise MetricsError(
                f"{source}, column {column!r}: the dates are written day first in "
                f"{_shown(text, i)} but month first in {_shown(text, j)}; one column must "
                "write them one way (better: year first, 2025-10-05).")
        if not day_first.any() and not month_first.any():
            idx = _rows(is_last)
            raise MetricsError(
                f"{source}, column {column!r}: the dates ({_shown(text, idx)}) may be day-month "
                "or month-day, and no date of the column is past the 12th to tell which; "
                "write them year first (2025-10-05) so that no month is guessed.")
        d, m = (a, b) if day_first.any() else (b, a)
        out[is_last] = _parse_each(_iso_text(f["y"], m, d, f["time"]))
    rest = ~is_first & ~is_last
    if rest.any():
        r = text[rest]
        # Looks like a date (10-01, 10/01, 10月1日, Oct 1) but has no year.
        datelike = (r.str.contains(r"\d{1,2}\s*[-/.月]\s*\d{1,2}", regex=True)
                    | r.str.contains(_MONTH_NAME, regex=True))
        no_year = datelike & ~r.str.contains(r"(?<!\d)\d{4}(?!\d)", regex=True)
        if no_year.any():
            idx = _rows(no_year)
            raise MetricsError(
                f"{source}, column {column!r}: {_shown(text, idx)} "
                f"{'has' if len(idx) == 1 else 'have'} no year; give dates with their year "
                "(2025-10-01 10:00) so that each lands in its month.")
        # A month written as a word (Oct 1, 2025 10:00) leaves nothing to guess.
        named = r.str.contains(_MONTH_NAME, regex=True)
        if named.any():
            out[named[named].index] = _parse_each(r[named])
    return out


def read_times(series: pd.Series, source: str, column: str, required: bool,
               first_row: int = 2) -> tuple[pd.Series, float | None]:
    """(the column's times as the shop's wall-clock times, naive; the UTC offset in
    minutes the column gave, or None when it gave none).  Refuses, with a sentence naming
    the file, column and rows (``first_row`` is the file's row of the first value), what
    cannot be read without guessing."""
    text = series.astype(str).str.strip()
    text.index = np.arange(len(text)) + first_row
    missing = text.str.lower().isin(MISSING_MARKS)
    value = text.where(~missing)
    offsets = None
    # Exports write ISO times almost always: that reader is fast on whole columns.
    try:
        parsed = pd.to_datetime(value, errors="coerce", format="ISO8601")
        aware = isinstance(parsed.dtype, pd.DatetimeTZDtype)
    except (ValueError, TypeError, OverflowError):   # offsets that differ from row to row
        aware = True
    if aware:
        value, offsets = _split_offsets(value)
        try:
            parsed = pd.to_datetime(value, errors="coerce", format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            parsed = _parse_each(value.fillna(""))   # an offset we do not read: refused below
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = _parse_each(value.fillna(""))
    parsed = parsed.astype("datetime64[ns]")
    retry = parsed.isna() & ~missing
    if retry.any():
        sub = value[retry]
        if offsets is None:
            sub, sub_offsets = _split_offsets(sub)
            if sub_offsets.notna().any():
                offsets = pd.Series(np.nan, index=value.index)
                offsets[retry] = sub_offsets
        parsed[retry] = _parse_other(sub, source, column)
    bad = parsed.isna() & ~missing
    if required:
        bad |= missing
    if bad.any():
        idx = _rows(bad)
        raise MetricsError(bad_rows_sentence(source, column, idx, text.loc[idx],
                                             "a date and time"))
    zone = None
    if offsets is not None and offsets.notna().any():
        parsed, zone = _one_zone(parsed, offsets, text, missing, source, column)
    parsed.index = series.index
    return parsed, zone


def _one_zone(parsed, offsets, text, missing, source, column):
    aware = offsets.notna()
    naive = ~aware & ~missing
    if naive.any():
        raise MetricsError(
            f"{source}, column {column!r}: some times give a UTC offset "
            f"({_shown(text, _rows(aware))}) and some do not ({_shown(text, _rows(naive))}); "
            "which day each falls on cannot be known. Export them all one way.")
    zones = sorted(set(offsets[aware].astype(int)) - {0})
    if not zones:
        raise MetricsError(
            f"{source}, column {column!r}: the times are in UTC ({_shown(text, _rows(aware))}); "
            "the metrics' days and months are the shop's, whose offset the file does not give. "
            "Export the shop's local times, or times with its offset (such as +08:00).")
    if len(zones) > 1:
        shown = "; ".join(_shown(text, _rows(offsets == z)) for z in zones[:2])
        raise MetricsError(
            f"{source}, column {column!r}: the times give different UTC offsets ({shown}); the "
            "shop's days cannot be told. Export them in one time zone.")
    target = zones[0]
    shift = ((target - offsets[aware]) * 60e9).astype(np.int64).to_numpy()
    parsed = parsed.copy()
    parsed[aware] = (parsed[aware].to_numpy("datetime64[ns]")
                     + shift.astype("timedelta64[ns]"))
    return parsed, float(target)


def zone_name(minutes: float) -> str:
    sign = "-" if minutes < 0 else "+"
    m = int(abs(minutes))
    return f"UTC{sign}{m // 60:02d}:{m % 60:02d}"
