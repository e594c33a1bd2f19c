"""Consolidating the results of many filled workbooks: all agents of all shops in one
table, a ranking across shops and each agent's trend over the months.

Values are read as the workbooks cached them (the numbers Excel, WPS or ``kpi-xl
recalc`` last computed); a workbook without cached values is reported, never read
as zeros.
"""
from __future__ import annotations

import math
from pathlib import Path

from ..core.errors import KpiError
from ..core.pay import percentage_for_points
from .base import RESULTS_NAME
from .errors import SummaryError, TemplateError
from .fill import Progress, open_bar
from .layout import Labels
from . import layout as L

#: Results columns every template heads the same way; the rest keep their own header.
STANDARD = {
    "agent": ("客服", "Agent"),
    "total": ("总分", "Total"),
    "rank": ("排名", "Rank"),
    "bonus": ("月度奖金", "Bonus"),
    "quadrant": ("转化×客单价象限", "Conversion × AOV quadrant"),
}
_BY_HEADER = {label: key for key, pair in STANDARD.items() for label in pair}
_BY_HEADER.update({"运营": "agent", "Staff": "agent"})


#: Defined names of the year-end rule's figures (threshold, run, total) in the schemes.
YEAR_RULE_NAMES = {"threshold": ("不合格线", "Fail_Below"),
                   "max_run": ("连续不合格月数", "Max_Failed_Run"),
                   "max_total": ("累计不合格月数", "Max_Failed_Total")}


def _month_key(month) -> str:
    """The one key of a month however the workbook holds it (text, date)."""
    if month in (None, ""):
        return ""
    from .fill import normalise_month
    return normalise_month(month) or str(month)


def _named_cell(wb, name: str):
    dn = wb.defined_names.get(name)
    if dn is None:
        return None
    for sheet, coord in dn.destinations:
        ws = wb[sheet]
        return ws[coord.replace("$", "").split(":")[0]].value
    return None


def read_results(path, notes: list | None = None):
    """The results rows of one workbook as dicts (file, template, shop, month, agent, total …).

    A total that is an error value (a metric in no band of its table, say) is kept as it
    is and described in ``notes``.
    """
    from .workbook_info import quiet_reading
    with quiet_reading():
        return _read_results(path, notes)


def _read_results(path, notes: list | None = None):
    from openpyxl import load_workbook
    from .workbook_info import template_of
    path = Path(path)
    try:
        wb = load_workbook(path, data_only=True)
    except FileNotFoundError:
        raise SummaryError([f"{path} does not exist."]) from None
    except Exception as exc:
        raise SummaryError([f"{path} is not a readable .xlsx workbook: {exc}"]) from exc
    try:
        spec, lang = template_of(wb, str(path))
    except TemplateError as exc:
        raise SummaryError([str(exc)]) from None
    t = Labels(lang)
    dn = wb.defined_names.get(RESULTS_NAME)
    if dn is None:
        raise SummaryError([f"{path} has no results table (the name {RESULTS_NAME} is missing)."])
    sheet, coord = next(iter(dn.destinations))
    cells = wb[sheet][coord.replace("$", "")]
    header = [c.value for c in cells[0]]
    keys = [_BY_HEADER.get(h, h) for h in header]
    params = {p.key: _named_cell(wb, p.defined_name(t)) for p in spec.params}
    # The year-end rule as this workbook's scheme states it (appraisal_100 has one).
    rule = {key: _named_cell(wb, t(*names)) for key, names in YEAR_RULE_NAMES.items()}
    shop = params.get("shop")
    month = params.get("month")
    rows = []
    uncached = 0
    rich = None   # the errors the file keeps as rich values, read when one is met
    for line in cells[1:]:
        values = dict(zip(keys, (c.value for c in line)))
        for key, c in zip(keys, line):
            if c.value == "#VALUE!" and c.data_type == "e":
                # #CALC!, #SPILL! ... are kept as #VALUE! with value metadata, which openpyxl
                # does not read: named as Excel shows them
                if rich is None:
                    from ..engine.xlsx_read import read_workbook
                    rich = read_workbook(path).sheet(sheet).cached
                values[key] = str(rich.get((c.row, c.column), c.value))
        if all(v in ("", None) for v in values.values()):
            # Never computed — or a spare row nobody has typed an agent into; which one is
            # told by the other rows.
            uncached += 1
            continue
        total = values.get("total")
        if notes is not None and isinstance(total, str) and total.startswith("#"):
            agent = values.get("agent")
            who = (f"a row whose agent is {agent}" if isinstance(agent, str)
                   and agent.startswith("#") else repr(agent))
            why = ("a figure falls outside the scheme's tables — see the check cells on the "
                   "scheme sheet." if total == "#N/A" else
                   "its calculation did not give a number — recalculate the workbook with "
                   "kpi-xl recalc, which names the cause.")
            notes.append(f"{path.name}: the total of {who} is {total} (on sheet {sheet!r}); "
                         + why)
        rows.append({"file": path.name, "template": spec.name,
                     "shop": str(shop) if shop not in (None, "") else path.stem,
                     "month": _month_key(month),
                     **values,
                     **{f"rule_{k}": v for k, v in rule.items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)}})
    threshold = rule.get("threshold")
    points = [r.get("total") for r in rows if isinstance(r.get("total"), (int, float))
              and not isinstance(r.get("total"), bool)]
    if notes is not None and isinstance(threshold, (int, float)) and points and \
            percentage_for_points(threshold, max(points)):
        name = t(*YEAR_RULE_NAMES["threshold"])
        notes.append(f"{path.name}: the scheme's year-end fail-below line ({name}) "
                     f"is {threshold:g} while the totals are points (up to {max(points):g}): "
                     f"a percentage typed for points ({threshold * 100:g} meant)? Every month "
                     "would pass it; year-end eligibility is left undecided until it is "
                     "corrected.")
    if uncached and not rows:
        raise SummaryError([
            f"{path} has no cached values on sheet {sheet!r} ({uncached} row(s) empty): it has "
            f"not been recalculated since it was written; run `kpi-xl recalc {path}` first."])
    return rows


def collect(paths, *, strict: bool = True, progress: Progress | None = None,
            problems: list | None = None):
    """One DataFrame of the results of every workbook in ``paths``.

    Columns: file, template, shop, month, agent, total, rank, bonus, quadrant and the
    template's own score columns (and :data:`SHOP_WRITTEN`, :data:`WRITTEN` when a shop or
    an agent is written in more than one way, see :func:`unify_shops`).  With ``strict`` a
    workbook that cannot be read (or has no cached values) raises :class:`SummaryError`
    naming all such files; otherwise they are left out and their problems appended to
    ``problems``.  Totals that are error values are kept (as missing numbers) and always
    described in ``problems`` when it is given.  ``progress`` is given the workbooks read
    (``"summary"``, ``"workbook"``).
    """
    import pandas as pd
    paths = list(paths)
    rows, found = [], []
    bar = open_bar(progress, len(paths), "summary", "workbook")
    try:
        for path in paths:
            try:
                rows.extend(read_results(path, problems))
            except SummaryError as exc:
                found.extend(exc.problems)
            bar.update(1)
    finally:
        bar.close()
    if found:
        if strict:
            raise SummaryError(found)
        if problems is not None:
            problems.extend(found)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    front = ["shop", "month", "agent", "total", "rank", "bonus", "quadrant", "file", "template"]
    cols = [c for c in front if c in df.columns] + [c for c in df.columns if c not in front]
    df = df[cols]
    # Error values (#N/A …) become missing numbers; they were reported above.
    for col in ("total", "rank", "bonus"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    df = unify_agents(unify_shops(df))
    return df.sort_values(["month", "shop", "rank" if "rank" in df else "agent"],
                          kind="stable").reset_index(drop=True)


#: The column of a collected frame holding each agent's name as its workbook wrote it, when
#: one agent of a shop was written in more than one way.
WRITTEN = "agent_written"
#: The column holding each shop's name as its workbook wrote it, when one shop was written
#: in more than one way.
SHOP_WRITTEN = "shop_written"


def _named(agent) -> bool:
    return (isinstance(agent, str) and agent.strip() != ""
            or isinstance(agent, (int, float)) and not isinstance(agent, bool)
            and not _missing(agent))


def unify_shops(df):
    """``df`` with each shop written in different ways under one name.

    Shop names equal under :func:`~kpi_xl.core.values.name_key` ('S1' and 's1', '旗舰店'
    with a trailing full-width or zero-width space) are one shop, as agents are (see
    :func:`unify_agents`): every row takes the spelling of the shop's latest month (in that
    month, the commonest; then the first file), and the name as written is kept in the
    column :data:`SHOP_WRITTEN`, which :func:`spellings` describes.  Without it one shop's
    months and agents split in two, and one agent-month in a workbook of each spelling was
    not seen as a duplicate: the agent was counted twice.  '旗舰店' and '旗舰店2' stay two
    shops.  A frame where every shop is written one way is returned unchanged.
    """
    return _unify(df, "shop", SHOP_WRITTEN, within=())


def unify_agents(df):
    """``df`` with each shop's agents written in different ways under one name.

    Names equal under :func:`~kpi_xl.core.values.name_key` ('Amy', 'amy', full-width
    'ＡＭＹ', 'Amy' with a trailing full-width or zero-width space) are one agent of the
    shop: every row takes the spelling of the agent's latest month (in that month, the
    commonest; then the first file), and the name as written is kept in the column
    :data:`WRITTEN`, which :func:`spellings` describes.  Without it an agent's months split
    over several rows, and the months appraised, the mean, the trend and the year-end
    eligibility were computed on part of them.  A frame where every agent is written one
    way is returned unchanged.
    """
    return _unify(df, "agent", WRITTEN, within=("shop",))


def _unify(df, column: str, written: str, within: tuple = ()):
    """``df`` with the names of ``column`` equal under ``name_key`` (within each value of the
    ``within`` columns) under the spelling of their latest month, the names as written kept
    in the column ``written``; unchanged when every name is written one way."""
    from ..core.values import name_key
    if df.empty or not {column, *within} <= set(df.columns):
        return df
    named = df[column].map(_named)
    if not named.any():
        return df
    keys = df.loc[named, column].map(name_key)
    # Distinct spellings per key, compared exactly (a number 1001 and text '1001').
    spelled = df.loc[named, column].map(lambda a: (type(a).__name__, a))
    frame = df.loc[named, list(within)].assign(_key=keys, _spelled=spelled)
    counts = frame.groupby([*within, "_key"], sort=False)["_spelled"].nunique()
    split = counts[counts > 1]
    if split.empty:
        return df
    df = df.copy()
    df[written] = df[column]
    month = df["month"] if "month" in df.columns else None
    file = df["file"] if "file" in df.columns else None
    for group in split.index:
        group = group if isinstance(group, tuple) else (group,)
        mask = frame["_key"] == group[-1]
        for col, value in zip(within, group[:-1]):
            mask &= frame[col] == value
        idx = frame.index[mask]
        order = sorted(idx, key=lambda i: (str(month[i]) if month is not None else "",
                                           str(file[i]) if file is not None else ""))
        latest = str(month[order[-1]]) if month is not None else ""
        tally: dict = {}
        for i in order:
            if month is None or str(month[i]) == latest:
                tally.setdefault(spelled[i], [0, df.at[i, column]])[0] += 1
        best = max(tally.values(), key=lambda item: item[0])[1]   # first of the commonest
        for i in idx:
            df.at[i, column] = best
    return df


def _ways(grp, written: str, shown: int) -> list[str]:
    """'<spelling> in <file> (<month>), …' for each spelling of ``written`` in ``grp``."""
    ways: dict = {}
    files = grp["file"] if "file" in grp else [None] * len(grp)
    months = grp["month"] if "month" in grp else [None] * len(grp)
    for name, file, month in zip(grp[written], files, months):
        where = f"{file or '?'}" + (f" ({month})" if month else "")
        ways.setdefault((type(name).__name__, name), (name, []))[1].append(where)
    parts = []
    for name, wheres in ways.values():
        wheres = list(dict.fromkeys(wheres))
        more = f" and {len(wheres) - shown} more" if len(wheres) > shown else ""
        parts.append(f"{name!r} in {', '.join(wheres[:shown])}{more}")
    return parts


def spellings(df, shown: int = 6) -> list[str]:
    """One sentence per shop, and per agent of a shop, whose name the workbooks write in more
    than one way, naming the spellings and the files and months of each (see
    :func:`unify_shops`, :func:`unify_agents`)."""
    if df.empty:
        return []
    found = []
    if SHOP_WRITTEN in df.columns and "shop" in df.columns:
        found += _spelling_sentences(df[df["shop"].map(_named)].groupby("shop", sort=False),
                                     SHOP_WRITTEN, "shop", shown)
    if WRITTEN not in df.columns or "agent" not in df.columns:
        return found
    changed = df[df["agent"].map(_named)]
    found += _spelling_sentences(changed.groupby(["shop", "agent"], sort=False), WRITTEN,
                                 "agent", shown)
    return found


def _spelling_sentences(groups, written: str, what: str, shown: int) -> list[str]:
    """One sentence per group (a shop, or a shop and agent) written in more than one way."""
    out = []
    for key, grp in groups:
        parts = _ways(grp, written, shown)
        if len(parts) < 2:
            continue
        where, name = ("", key) if what == "shop" else (f"shop {key[0]!r}: ", key[1])
        out.append(
            f"{where}one {what} is written {len(parts)} ways — " + "; ".join(parts)
            + f". Names are compared ignoring case, full-width letters and spaces, so these "
              f"are counted as one {what}, shown as {name!r} (the spelling of the latest "
              f"month); write the name one way in every month's data.")
    return out


def duplicates(df) -> list[str]:
    """One sentence per shop, month and agent whose results come more than once (the same
    workbook copied, or an old run left beside a new one): the ranking would count the
    agent-month twice and the trend keep one of the totals without a word."""
    if df.empty or not {"template", "shop", "month", "agent", "file"} <= set(df.columns):
        return []
    found = []
    named = df[df["agent"].map(_named)]
    for (_, shop, month, agent), grp in named.groupby(["template", "shop", "month", "agent"],
                                                      sort=False):
        if len(grp) < 2:
            continue
        files = list(dict.fromkeys(grp["file"].tolist()))
        shops = list(dict.fromkeys(grp[SHOP_WRITTEN].tolist())) if SHOP_WRITTEN in grp else []
        shop_text = repr(shop) + (" (written " + ", ".join(map(repr, shops)) + ")"
                                  if len(shops) > 1 else "")
        if WRITTEN in grp:
            ways = list(dict.fromkeys(grp[WRITTEN].tolist()))
            if len(ways) > 1:
                agent = f"{agent!r} (written " + ", ".join(map(repr, ways)) + ")"
            else:
                agent = repr(agent)
        else:
            agent = repr(agent)
        totals = ", ".join("no total" if _missing(v) else f"{v:g}" for v in grp["total"]) \
            if "total" in grp else ""
        where = (f"{len(grp)} times in {files[0]}" if len(files) == 1 else
                 "in " + ", ".join(files[:-1]) + f" and {files[-1]}")
        found.append(
            f"shop {shop_text}, month {month or '(none)'}: agent {agent} has results {where}"
            + (f" (totals {totals})" if totals else "")
            + "; the ranking and trend would count this agent-month more than once. Keep one "
              "workbook per shop and month, one row per agent.")
    return found


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _volatility(values):
    """The coefficient of variation of an agent's totals, or None (a blank cell) where it has
    no meaning: no totals, or totals whose mean is 0 (an agent floored at 0 every month)."""
    from ..core import coefficient_of_variation
    if not values:
        return None
    try:
        return coefficient_of_variation([[v] for v in values])
    except KpiError:
        return None


def ranking(df):
    """Per shop and agent: months appraised, mean/min/max total, volatility, overall place."""
    g = df.groupby(["shop", "agent"], sort=False)["total"]
    out = g.agg(months="count", mean="mean", min="min", max="max").reset_index()
    out["cv"] = [_volatility(grp.dropna().tolist()) for _, grp in g]
    # An agent with no total in any month has no place (and must not crash the summary).
    out["place"] = out["mean"].rank(ascending=False, method="min").astype("Int64")
    return out.sort_values(["place", "shop", "agent"]).reset_index(drop=True)


def trend(df):
    """Agents × months table of totals, with mean, volatility and year-end eligibility.

    Eligibility is decided per calendar year, with every month of the year that has a
    row counted: a month whose total is an error leaves that year undecided, and a
    year not yet complete can be lost but not yet won.  The threshold and counts are
    the workbooks' own where their scheme states them.
    """
    from ..core import year_end_eligible
    table = df.pivot_table(index=["shop", "agent"], columns="month", values="total",
                           aggfunc="first", sort=True, dropna=False)
    present = df.pivot_table(index=["shop", "agent"], columns="month", values="file",
                             aggfunc="count", sort=True, fill_value=0)
    present = present.reindex(index=table.index, columns=table.columns, fill_value=0)
    rules = _rules(df)
    months = list(table.columns)
    mean, cv, eligible = [], [], []
    for idx, row in table.iterrows():
        values = [v for v in row.tolist() if v is not None and not math.isnan(v)]
        mean.append(sum(values) / len(values) if values else None)
        cv.append(_volatility(values) if len(values) > 1 else None)
        years: dict[str, list] = {}
        for m, v in zip(months, row.tolist()):
            if present.loc[idx, m]:
                years.setdefault(str(m)[:4], []).append((m, v))
        verdicts = []
        rule = rules.get(idx, {})
        for year, items in sorted(years.items()):
            missing = [str(m) for m, v in items if v is None or math.isnan(v)]
            scores = [[v] for m, v in items if not (v is None or math.isnan(v))]
            try:
                ok = year_end_eligible(scores, rule.get("threshold"), rule.get("max_run"),
                                       rule.get("max_total")) if scores else None
            except KpiError as exc:   # a rule that cannot hold (read_results names it)
                verdicts.append((year, None, str(exc)))
                continue
            if ok is False:
                verdicts.append((year, False, ""))
            elif missing:
                verdicts.append((year, None, "no total in " + ", ".join(missing)))
            elif len(items) < 12:
                verdicts.append((year, None, f"{len(items)} of 12 months"))
            else:
                verdicts.append((year, True, ""))
        eligible.append(verdicts)
    table = table.reset_index()
    table.columns.name = None
    table["mean"] = mean
    table["cv"] = cv
    table["year_end"] = eligible
    return table, months


def _rules(df) -> dict:
    """(shop, agent) → the year-end rule its workbooks state (the first one found)."""
    cols = [c for c in df.columns if c.startswith("rule_")]
    out = {}
    if not cols:
        return out
    for rec in df[["shop", "agent"] + cols].itertuples(index=False):
        key = (rec[0], rec[1])
        if key in out:
            continue
        rule = {c[5:]: v for c, v in zip(cols, rec[2:])
                if v is not None and not (isinstance(v, float) and math.isnan(v))}
        out[key] = rule
    return out


def cross_shop_rank(df):
    """Each agent's place among all agents of all shops in the same month."""
    return df.groupby("month")["total"].rank(ascending=False, method="min").astype("Int64")


def write_summary(df, path, lang: str = "zh") -> Path:
    """Write the consolidated workbook: all results, ranking across shops, trend per agent."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    if df.empty:
        raise SummaryError(["There are no results to summarise."])
    t = Labels(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = t("全部结果", "All results")
    df = df.copy()
    df["cross_rank"] = cross_shop_rank(df)
    heads = {"shop": t("店铺", "Shop"), "month": t("月份", "Month"), "agent": t("客服", "Agent"),
             "total": t("总分", "Total"), "rank": t("店内排名", "Rank in shop"),
             "cross_rank": t("跨店排名（当月）", "Rank across shops (month)"),
             "bonus": t("月度奖金", "Bonus"), "quadrant": t("转化×客单价象限", "Quadrant"),
             "file": t("文件", "File"), SHOP_WRITTEN: t("店铺（原写法）", "Shop as written"),
             WRITTEN: t("客服（原写法）", "Agent as written")}
    cols = [c for c in heads if c in df.columns]
    fmts = {"total": L.SCORE, "rank": "0", "cross_rank": "0", "bonus": L.MONEY}
    _table(ws, t, t("全部客服考核结果", "All agents, all shops"),
           [heads[c] for c in cols], df[cols].itertuples(index=False), [fmts.get(c) for c in cols])
    if "total" in cols:
        L.total_formats(ws, f"D5:D{4 + len(df)}")

    rk = ranking(df)
    ws2 = wb.create_sheet(t("跨店排名", "Ranking"))
    cols2 = ["place", "shop", "agent", "months", "mean", "min", "max", "cv"]
    heads2 = [t("名次", "Place"), t("店铺", "Shop"), t("客服", "Agent"), t("月数", "Months"),
              t("平均总分", "Mean total"), t("最低", "Lowest"), t("最高", "Highest"),
              t("变异系数", "Volatility (CV)")]
    _table(ws2, t, t("跨店排名（按平均总分）", "Ranking across shops (by mean total)"), heads2,
           rk[cols2].itertuples(index=False), ["0", None, None, "0", L.SCORE, L.SCORE, L.SCORE,
                                                 L.PERCENT])
    L.colour_scale(ws2, f"E5:E{4 + len(rk)}")

    tr, months = trend(df)
    ws3 = wb.create_sheet(t("月度趋势", "Trend"))
    heads3 = [t("店铺", "Shop"), t("客服", "Agent")] + [str(m) for m in months] + [
        t("平均", "Mean"), t("变异系数", "Volatility (CV)"), t("年终奖资格", "Year-end eligible")]
    rows3 = []
    for rec in tr.itertuples(index=False):
        rec = list(rec)
        rec[-1] = year_end_text(rec[-1], t)
        rows3.append([None if isinstance(v, float) and math.isnan(v) else v for v in rec])
    fmts3 = [None, None] + [L.SCORE] * len(months) + [L.SCORE, L.PERCENT, None]
    _table(ws3, t, t("各客服月度总分趋势", "Monthly total per agent"), heads3, rows3, fmts3)
    if months:
        last_m = get_column_letter(2 + len(months))
        L.colour_scale(ws3, f"C5:{last_m}{4 + len(rows3)}")
    for sheet in (ws, ws2, ws3):
        sheet.freeze_panes = "C5" if sheet is not ws2 else "D5"
        sheet.cell(1, 1).alignment = Alignment(horizontal="left")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from .package import save_workbook
    save_workbook(wb, path, recalc=False)
    return path


def year_end_text(verdicts, t) -> str:
    """'2025: yes; 2026: pending (5 of 12 months)' in the summary's language."""
    parts = []
    for year, ok, why in verdicts:
        if ok is True:
            word = t("是", "yes")
        elif ok is False:
            word = t("否", "no")
        else:
            word = t("待定", "pending") + (f" ({why})" if why else "")
        parts.append(f"{year}: {word}")
    return "; ".join(parts)


def _table(ws, t, title_text, heads, rows, fmts):
    import pandas as pd
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter
    L.title(ws, title_text)
    L.header(ws, 4, 1, heads)
    n = 0
    for n, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            if hasattr(value, "item"):
                value = value.item()
            if value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
                value = None
            c = ws.cell(4 + n, j, value)
            L.body(c, fmts[j - 1], fill=PatternFill(fill_type=None),
                   align=Alignment(horizontal="left" if isinstance(value, str) else "right",
                                   vertical="center"))
    widths = {}
    for j, h in enumerate(heads, start=1):
        widths[j] = max(8, min(28, L.text_width(h) + 2))
    L.widths(ws, widths)
    ws.auto_filter.ref = f"A4:{get_column_letter(len(heads))}{4 + max(n, 1)}"


__all__ = ["collect", "read_results", "write_summary", "ranking", "trend", "duplicates",
           "unify_shops", "unify_agents", "spellings", "STANDARD"]
