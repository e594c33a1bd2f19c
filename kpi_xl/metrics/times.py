"""Reading a column of date-times from the shops' exports, one rule per column.

The exports write times in many ways: ISO (2025-10-01 10:00:00, the usual one, read on
whole columns), 2025/10/1, 2025年10月1日, day-first (Shopee, AliExpress: 05-10-2025) or
month-first (10-05-2025), with a UTC offset (2025-10-01T10:00:00+08:00) or in UTC (…Z).
A time is never guessed one value at a time:

- the order of day and month in DD-MM-YYYY / MM-DD-YYYY is one for the whole column: a
  value whose first number is above 12 makes the column day-first, one whose second is
  above 12 month-first; a column where no value decides is read in the order the run is
  told (``--date-order dmy`` or ``mdy``, :class:`Clock`), or refused, naming the file and
  column; values deciding both ways, or against the order told, are refused;
- times that give an offset are turned into the shop's wall-clock time (the days and
  months of the metrics are the shop's): that of the shop's offset when the run is told it
  (``--utc-offset +08:00``), else that of the column's offset.  A column may mix one offset
  with UTC (…Z): the UTC times are moved to that offset.  Not told the shop's offset, a
  column wholly in UTC or one with two offsets is refused; one mixing times with and without
  an offset always is: which calendar day a message falls on cannot be known;
- a time without a date (10:00:05) or a date without a year (10-01 10:00, Oct 1 10:00) is
  refused; a date and a time in separate columns are combined by the caller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import MetricsError
from .tables import MISSING_MARKS, RowNumbers, bad_rows_sentence

_OFFSET = (r"(?i)^(?P<rest>.*\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:\s*[ap]m)?)\s*"
           r"(?P<zone>z|utc|gmt|[+-]\d\d(?::?\d\d)?)$")
_TIME = r"(?:(?:[T\s]+|(?<=日)\s*)(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?))?"
_YEAR_FIRST = r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?" + _TIME + r"$"
_YEAR_LAST = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})" + _TIME + r"$"
_TIME_ONLY = r"^\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?$"
_MONTH_NAME = (r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b")


@dataclass(frozen=True)
class Clock:
    """What a run is told about its times that a column cannot tell by itself.

    ``date_order``: 'dmy' or 'mdy', the order of DD-MM-YYYY / MM-DD-YYYY dates in a column
    whose days never pass the 12th; ``utc_offset``: the shop's offset, minutes east of
    UTC, into which times given with an offset (UTC …Z too) are moved."""

    date_order: str | None = None
    utc_offset: float | None = None

    @classmethod
    def from_options(cls, date_order: str | None = None,
                     utc_offset: str | None = None) -> Clock:
        """From ``--date-order`` (dmy, mdy) and ``--utc-offset`` (+08:00, +8, UTC+8, -05:30)."""
        order = None if date_order is None else str(date_order).strip().lower()
        if order not in (None, "dmy", "mdy"):
            raise MetricsError(f"--date-order {date_order!r} is not an order of dates; give "
                               "dmy (05-10-2025 is 5 October) or mdy (10-05-2025 is 5 October).")
        return cls(order, None if utc_offset is None else _offset_minutes(utc_offset))


def _offset_minutes(text: str) -> float:
    """``--utc-offset``'s text as minutes east of UTC."""
    m = re.fullmatch(r"(?i)\s*(?:utc|gmt)?\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>[0-5]\d))?\s*",
                     str(text))
    if m is None:
        if re.fullmatch(r"(?i)\s*(?:z|utc|gmt|[+-]?0+(?::?00)?)\s*", str(text)):
            return 0.0
        raise MetricsError(f"--utc-offset {text!r} is not a UTC offset; give the shop's, such "
                           "as +08:00 (China), +07:00 or -05:00.")
    minutes = (int(m["h"]) * 60 + int(m["m"] or 0)) * (-1 if m["sign"] == "-" else 1)
    if not -12 * 60 <= minutes <= 14 * 60:
        raise MetricsError(f"--utc-offset {text!r} is not a UTC offset (they run from -12:00 "
                           "to +14:00).")
    return float(minutes)


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


def _parse_other(text: pd.Series, source: str, column: str, clock: Clock) -> pd.Series:
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
        d, m = _day_and_month(f, text, source, column, clock.date_order)
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


def _day_and_month(f: pd.DataFrame, text: pd.Series, source: str, column: str,
                   order: str | None) -> tuple[pd.Series, pd.Series]:
    """(day, month) of DD-MM-YYYY or MM-DD-YYYY dates (``f``'s fields a, b): the order
    the column's dates tell, else ``order`` ('dmy', 'mdy'); refused when they tell both
    ways, against ``order``, or nothing and no order is given."""
    a, b = f["a"].astype(int), f["b"].astype(int)
    day_first, month_first = (a > 12) & (b <= 12), (b > 12) & (a <= 12)
    if day_first.any() and month_first.any():
        i, j = _rows(day_first), _rows(month_first)
        raise MetricsError(
            f"{source}, column {column!r}: the dates are written day first in "
            f"{_shown(text, i)} but month first in {_shown(text, j)}; one column must "
            "write them one way (better: year first, 2025-10-05).")
    against = {"dmy": month_first, "mdy": day_first}.get(order or "")
    if against is not None and against.any():
        raise MetricsError(
            f"{source}, column {column!r}: --date-order {order} reads the dates "
            f"{'day' if order == 'dmy' else 'month'} first, but {_shown(text, _rows(against))} "
            f"can only be {'month' if order == 'dmy' else 'day'} first; give the order the "
            "file writes, or leave --date-order out.")
    if not day_first.any() and not month_first.any() and order is None:
        raise MetricsError(
            f"{source}, column {column!r}: the dates ({_shown(text, f.index.to_numpy())}) "
            "may be day-month or month-day, and no date of the column is past the 12th to "
            "tell which; give the order with --date-order dmy (05-10-2025 is 5 October) or "
            "mdy (10-05-2025 is 5 October), or write them year first (2025-10-05).")
    return (a, b) if day_first.any() or order == "dmy" else (b, a)


def _iso_times(value: pd.Series) -> pd.Series:
    """``value`` read as ISO times (unreadable ones NaT).  Times with one UTC offset come
    back tz-aware; with offsets that differ from row to row, pandas 3 raises ValueError
    and pandas 2 returns objects (with a FutureWarning, silenced here): either way not
    datetime64, which the caller takes as "aware"."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pd.to_datetime(value, errors="coerce", format="ISO8601")


def read_times(series: pd.Series, source: str, column: str, required: bool,
               rows: RowNumbers | None = None,
               clock: Clock | None = None) -> tuple[pd.Series, float | None]:
    """(the column's times as the shop's wall-clock times, naive; the UTC offset in
    minutes the column gave, or the shop's offset ``clock`` tells when it gave one, or
    None when it gave none).  Refuses, with a sentence naming the file, column and rows
    (``rows`` gives the file's row of each value), what cannot be read without
    guessing."""
    clock = clock or Clock()
    text = series.astype(str).str.strip()
    text.index = (rows or RowNumbers())(np.arange(len(text)))
    missing = text.str.lower().isin(MISSING_MARKS)
    value = text.where(~missing)
    offsets = None
    # Exports write ISO times almost always: that reader is fast on whole columns.
    try:
        parsed = _iso_times(value)
        aware = not pd.api.types.is_datetime64_dtype(parsed.dtype)
    except (ValueError, TypeError, OverflowError):   # offsets that differ from row to row
        aware = True
    if aware:
        value, offsets = _split_offsets(value)
        try:
            parsed = _iso_times(value)
        except (ValueError, TypeError, OverflowError):
            parsed = _parse_each(value.fillna(""))   # an offset we do not read: refused below
        if not pd.api.types.is_datetime64_dtype(parsed.dtype):
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
        parsed[retry] = _parse_other(sub, source, column, clock)
    bad = parsed.isna() & ~missing
    if required:
        bad |= missing
    if bad.any():
        idx = _rows(bad)
        raise MetricsError(bad_rows_sentence(source, column, idx, text.loc[idx],
                                             "a date and time"))
    zone = None
    if offsets is not None and offsets.notna().any():
        parsed, zone = _one_zone(parsed, offsets, text, missing, source, column,
                                 clock.utc_offset)
    parsed.index = series.index
    return parsed, zone


def _one_zone(parsed, offsets, text, missing, source, column, shop_offset=None):
    """Times given with an offset moved to one zone, the shop's (``shop_offset``, minutes
    east of UTC) or else the column's own: (times, the offset)."""
    aware = offsets.notna()
    naive = ~aware & ~missing
    if naive.any():
        raise MetricsError(
            f"{source}, column {column!r}: some times give a UTC offset "
            f"({_shown(text, _rows(aware))}) and some do not ({_shown(text, _rows(naive))}); "
            "which day each falls on cannot be known. Export them all one way.")
    zones = sorted(set(offsets[aware].astype(int)) - {0})
    if shop_offset is not None:
        zones = [int(shop_offset)]
    elif not zones:
        raise MetricsError(
            f"{source}, column {column!r}: the times are in UTC ({_shown(text, _rows(aware))}); "
            "the metrics' days and months are the shop's, whose offset the file does not give. "
            "Export the shop's local times, or times with its offset (such as +08:00), or "
            "give the shop's offset with --utc-offset (such as --utc-offset +08:00).")
    if len(zones) > 1:
        shown = "; ".join(_shown(text, _rows(offsets == z)) for z in zones[:2])
        raise MetricsError(
            f"{source}, column {column!r}: the times give different UTC offsets ({shown}); the "
            "shop's days cannot be told. Export them in one time zone, or give the shop's "
            "offset with --utc-offset (such as --utc-offset +08:00).")
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
