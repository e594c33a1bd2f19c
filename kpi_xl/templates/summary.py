"""Consolidating the results of many filled workbooks: all agents of all shops in one
table, a ranking across shops and each agent's trend over the months.

Values are read as the workbooks cached them (the numbers Excel, WPS or ``kpi-xl
recalc`` last computed); a workbook without cached values is reported, never read
as zeros.
"""
from __future__ import annotations

import math
from pathlib import Path

from .base import RESULTS_NAME
from .errors import SummaryError, TemplateError
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
    shop = params.get("shop")
    month = params.get("month")
    rows = []
    uncached = 0
    for line in cells[1:]:
        values = dict(zip(keys, (c.value for c in line)))
        if all(v is None for v in values.values()):
            uncached += 1
            continue
        total = values.get("total")
        if notes is not None and isinstance(total, str) and total.startswith("#"):
            notes.append(f"{path.name}: the total of {values.get('agent')!r} is {total} "
                         f"(on sheet {sheet!r}); a figure falls outside the scheme's tables "
                         f"— see the check cells on the scheme sheet.")
        rows.append({"file": path.name, "template": spec.name,
                     "shop": str(shop) if shop not in (None, "") else path.stem,
                     "month": str(month) if month not in (None, "") else "",
                     **values})
    if uncached:
        raise SummaryError([
            f"{path} has no cached values on sheet {sheet!r} ({uncached} row(s) empty): it has "
            f"not been recalculated since it was written; run `kpi-xl recalc {path}` first."])
    return rows


def collect(paths, *, strict: bool = True, progress: bool = False, problems: list | None = None):
    """One DataFrame of the results of every workbook in ``paths``.

    Columns: file, template, shop, month, agent, total, rank, bonus, quadrant and the
    template's own score columns.  With ``strict`` a workbook that cannot be read
    (or has no cached values) raises :class:`SummaryError` naming all such files;
    otherwise they are left out and their problems appended to ``problems``.
    Totals that are error values are kept (as missing numbers) and always described
    in ``problems`` when it is given.
    """
    import pandas as pd
    from tqdm import tqdm
    rows, found = [], []
    for path in tqdm(list(paths), disable=not progress, desc="summary", unit="workbook"):
        try:
            rows.extend(read_results(path, problems))
        except SummaryError as exc:
            found.extend(exc.problems)
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
    return df.sort_values(["month", "shop", "rank" if "rank" in df else "agent"],
                          kind="stable").reset_index(drop=True)


def ranking(df):
    """Per shop and agent: months appraised, mean/min/max total, volatility, overall place."""
    from ..core import coefficient_of_variation
    g = df.groupby(["shop", "agent"], sort=False)["total"]
    out = g.agg(months="count", mean="mean", min="min", max="max").reset_index()
    out["cv"] = [coefficient_of_variation([[v] for v in grp.dropna().tolist()])
                 if grp.notna().sum() > 0 else None
                 for _, grp in g]
    out["place"] = out["mean"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["place", "shop", "agent"]).reset_index(drop=True)


def trend(df):
    """Agents × months table of totals, with mean, volatility and year-end eligibility."""
    from ..core import coefficient_of_variation, year_end_eligible
    table = df.pivot_table(index=["shop", "agent"], columns="month", values="total",
                           aggfunc="first", sort=True)
    months = list(table.columns)
    mean, cv, eligible = [], [], []
    for _, row in table.iterrows():
        values = [v for v in row.tolist() if v is not None and not math.isnan(v)]
        mean.append(sum(values) / len(values) if values else None)
        cv.append(coefficient_of_variation([[v] for v in values]) if values else None)
        eligible.append(year_end_eligible([[v] for v in values]) if values else None)
    table = table.reset_index()
    table.columns.name = None
    table["mean"] = mean
    table["cv"] = cv
    table["year_end"] = eligible
    return table, months


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
             "file": t("文件", "File")}
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
    yes, no = t("是", "yes"), t("否", "no")
    rows3 = []
    for rec in tr.itertuples(index=False):
        rec = list(rec)
        flag = rec[-1]
        rec[-1] = "" if flag is None else (yes if flag else no)
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


__all__ = ["collect", "read_results", "write_summary", "ranking", "trend", "STANDARD"]
