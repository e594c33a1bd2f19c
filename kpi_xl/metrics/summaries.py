"""A platform report workbook's 汇总 sheet beside its 明细 sheet(s): checked, then left out.

Platforms export an agent report as a workbook of a sheet of days (明细, one row per agent
and day) and a sheet of the month (汇总, one row per agent, without a date or dated with
the month).  Both hold the same figures: read as two inputs, they would be added up twice.
Within one workbook, a sheet of month rows that shares agents with the workbook's sheets
of days (of the same platform) is therefore taken as their summary: its counts and amounts
are compared with the sums of the days, agent by agent, and then it is left out (the days
are read).  Rates and averages are not compared: they do not add up.  A summary that
disagrees with its days is refused, naming the file, both sheets, the agent, the column
and both figures: data that contradicts itself cannot be scored.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.values import name_key
from .errors import MetricsError
from .platforms import Platform, check_repeated_days, has_date_column, read_platform_report
from .tables import rows_by_place, source_name

#: Decimals of an amount taken into account at most (a cell's binary float noise beyond).
MAX_DECIMALS = 6
SHOWN = 5   # rows named per sheet


@dataclass
class Sheet:
    """One sheet (or CSV) of platform report: where it came from and its rows."""

    path: str
    name: str | None          # the sheet's name (None: a CSV)
    source: str               # as sentences name it
    platform: Platform
    daily: pd.DataFrame       # read_platform_report's rows
    guessed: bool = False     # no date column: its month taken from the sheets of days

    @property
    def of_month(self) -> bool:
        """Every row is a whole month's (no date column, or dates such as 2025-10)."""
        return bool(len(self.daily)) and bool((self.daily["_level"] == "month").all())


def read_reports(tables: list, month: str | None, shop: str) -> tuple[list, list, dict]:
    """``tables`` ([(source, platform, text frame)]) read as reports, rows of ``month`` only
    when given: ([(platform, source, rows)] to add up, notes, {source: what it was read
    as} for the summaries left out).  A workbook's summary sheet is checked against its
    sheets of days (see the module) and left out; a summary without dates takes its month
    from them."""
    keep: list = []
    notes: list = []
    left_out: dict = {}
    books: dict = {}
    for entry in tables:
        books.setdefault((entry[2].attrs.get("path", entry[0]), entry[1].key), []).append(entry)
    for (path, _), entries in books.items():
        sheets = _read_book(path, entries, month, shop)
        days = [s for s in sheets if not s.of_month]
        for sheet in sheets:
            if sheet.of_month and days and _shares_agents(sheet, days):
                notes.append(_check_summary(path, sheet, days))
                left_out[sheet.source] = (f"{sheet.platform.name}, the month's summary of "
                                          f"{_names(days)}: checked and left out")
            elif sheet.guessed:
                # Not a summary of the days: its month is not theirs to give.
                raise MetricsError(
                    f"{sheet.source}: the report has no date column, and its agents are not "
                    f"those of {_names(days)}, so the month of its figures is not known; "
                    "give it with --month, such as --month 2025-10.")
            else:
                keep.append((sheet.platform, sheet.source, sheet.daily))
    return keep, notes, left_out


def _read_book(path: str, entries: list, month: str | None, shop: str) -> list[Sheet]:
    """The report sheets of one file and platform, in their order; a sheet without dates
    read without ``month`` takes the one month of the file's sheets of days."""
    dated = {id(df): has_date_column(df, platform) for _, platform, df in entries}
    sheets: dict = {}
    for source, platform, df in entries:
        if dated[id(df)] or month:
            sheets[id(df)] = _sheet(path, source, platform, df, month, shop)
    months = sorted({m for s in sheets.values() if not s.of_month
                     for m in s.daily["month"].dropna().unique()})
    for source, platform, df in entries:
        if id(df) in sheets:
            continue
        if len(months) > 1:
            raise MetricsError(
                f"{source}: the sheet has no date column, and the workbook's sheets of days "
                f"hold the months {', '.join(months)}, so the month of its figures is not "
                "known; give it with --month, such as --month 2025-10, or read the sheets "
                "you mean with --sheet.")
        # With no sheet of days the month is asked for, as of any report without dates.
        sheets[id(df)] = _sheet(path, source, platform, df, months[0] if months else None, shop)
        sheets[id(df)].guessed = True
    return [sheets[id(df)] for _, _, df in entries]


def _sheet(path: str, source: str, platform: Platform, df, month: str | None,
           shop: str) -> Sheet:
    """One report sheet read, rows of ``month`` only when given."""
    daily = read_platform_report(df, source, platform, month, shop)
    if month:
        daily = daily[daily["month"] == month].copy()
    name = df.attrs.get("sheet") if df.attrs.get("sheets", 1) > 1 else None
    return Sheet(path, name, source_name(path, df) if name else source, platform, daily)


def _keys(daily: pd.DataFrame) -> pd.DataFrame:
    """Shop, month and agent of each row, the agent compared as names are (name_key)."""
    return pd.DataFrame({"shop": daily["shop"].to_numpy(), "month": daily["month"].to_numpy(),
                         "agent_key": daily["agent"].map(name_key).to_numpy()})


def _shares_agents(summary: Sheet, days: list[Sheet]) -> bool:
    """Whether an agent-month of ``summary`` is one of the sheets of days too."""
    mine = set(map(tuple, _keys(summary.daily).to_numpy()))
    return any(key in mine for s in days for key in map(tuple, _keys(s.daily).to_numpy()))


def _names(sheets: list[Sheet]) -> str:
    return ", ".join(f"sheet {s.name!r}" for s in sheets)


def _check_summary(path: str, summary: Sheet, days: list[Sheet]) -> str:
    """The note of a summary that agrees with the sums of its days; a summary that does not
    is refused (see :func:`_refuse_disagreement`)."""
    check_repeated_days(summary.daily, summary.platform)
    headers = summary.daily.attrs.get("headers", {})
    day_rows = pd.concat([s.daily.assign(_sheet=s.name) for s in days], ignore_index=True)
    columns = [f for f in summary.platform.fields if f.kind in ("count", "amount")
               and f.key in summary.daily.columns and f.key in day_rows.columns]
    if not columns:
        return (f"{path}: sheet {summary.name!r} holds the month of the agents of "
                f"{_names(days)} and no count or amount to compare with their days; it was "
                "left out and the days read.")
    both = _side_by_side(summary.daily.assign(_sheet=summary.name), day_rows,
                         [f.key for f in columns])
    for f in columns:
        tolerance = _tolerance(f.kind, summary.daily, day_rows, f.key, both["days"])
        mine, theirs = both[f"{f.key}_month"], both[f"{f.key}_days"]
        off = (mine - theirs).abs() > tolerance
        if off.any():
            _refuse_disagreement(path, summary, days, both, off, f, headers.get(f.key, f.key))
    names = ", ".join(headers.get(f.key, f.key) for f in columns)
    agents = int(both["in_month"].sum())
    return (f"{path}: sheet {summary.name!r} (the month of {agents} agent(s)) agrees with the "
            f"sums of the days of {_names(days)} ({names}); it was checked and left out, the "
            "days read.")


def _side_by_side(month: pd.DataFrame, days: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per shop, month and agent: the summary's figures (``x_month``), the sums of the days
    (``x_days``; NaN where a day is blank, 0 for an agent without days), the days counted,
    the (sheet, row) of each side's rows and the agent as the summary (else the days) writes it."""
    def side(frame, suffix):
        work = pd.concat([_keys(frame), frame[keys + ["agent"]].reset_index(drop=True)], axis=1)
        work["_at"] = list(zip(frame["_sheet"], frame["_row"]))
        g = work.groupby(["shop", "month", "agent_key"], sort=False, dropna=False)
        out = pd.DataFrame({f"{k}_{suffix}": g[k].sum(min_count=1).where(
            g[k].count() == g.size()) for k in keys})
        out[f"rows_{suffix}"] = g["_at"].agg(list)
        out[f"agent_{suffix}"] = g["agent"].first()
        out[f"n_{suffix}"] = g.size()
        return out
    both = side(month, "month").join(side(days, "days"), how="outer")
    both["in_month"] = both["n_month"].notna()
    both["days"] = both["n_days"].fillna(0)
    for k in keys:
        # An agent one side lacks has none of those figures on it: 0 there.
        for s, n in (("month", "n_month"), ("days", "n_days")):
            both[f"{k}_{s}"] = both[f"{k}_{s}"].where(both[n].notna(), 0.0)
    both["agent"] = both["agent_month"].fillna(both["agent_days"])
    return both.reset_index()


def _tolerance(kind: str, month: pd.DataFrame, days: pd.DataFrame, key: str,
               n_days: pd.Series) -> pd.Series:
    """How far a summary's amount may lie from the sum of its days by rounding alone: each
    day and the month rounded to the report's decimals (the most the sheets write, up to
    :data:`MAX_DECIMALS`) is off by half a unit of the last decimal at most, so the sum of n
    days by n + 1 halves.  Counts are whole numbers: 0.  A missing figure on either side is
    not compared (its difference is NaN)."""
    if kind == "count":
        return pd.Series(0.0, index=n_days.index)
    decimals = max(_decimals(month[key]), _decimals(days[key]))
    return (n_days + 1) * 0.5 * 10.0 ** -decimals + 1e-9


def _decimals(values: pd.Series) -> int:
    """The most decimals the figures are written with (up to :data:`MAX_DECIMALS`)."""
    text = [f"{v:.{MAX_DECIMALS}f}".rstrip("0") for v in values.dropna()]
    return max((len(t) - t.index(".") - 1 for t in text), default=0)


def _refuse_disagreement(path: str, summary: Sheet, days: list[Sheet], both: pd.DataFrame,
                         off: pd.Series, field, header: str) -> None:
    """Refuse a summary whose figure of ``field`` is not the sum of an agent's days."""
    first = both[off.to_numpy()].iloc[0]
    key = field.key

    # Both figures with the same decimals: 1,560.30 beside 1,560.25.
    places = _decimals(pd.Series([first[key + "_month"], first[key + "_days"]]))

    def figure(value):
        return f"{value:,.{places}f}"

    def rows(where, which):
        if not isinstance(where, list):
            return f"no row on {which}"
        return rows_by_place(((f"sheet {sheet!r}", row) for sheet, row in where), SHOWN)
    n = int(off.sum())
    raise MetricsError(
        f"{path}: sheet {summary.name!r} and the days of {_names(days)} disagree: agent "
        f"{first['agent']!r}, {first['month']}, column {header!r} is {figure(first[key + '_month'])} "
        f"on sheet {summary.name!r} ({rows(first['rows_month'], repr(summary.name))}) but "
        f"{figure(first[key + '_days'])} summed over the days "
        f"({rows(first['rows_days'], _names(days))})"
        + (f", and {n - 1} more agent(s) likewise" if n > 1 else "")
        + "; the workbook contradicts itself, so which figure is right cannot be told. "
          "Export the report again, or read the sheet you trust with --sheet.")
