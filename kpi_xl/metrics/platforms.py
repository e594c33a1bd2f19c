"""The platforms' own agent reports (per agent and day or month), read and added up to months.

Each report is recognised by its headers.  Days add up to a month the way the platforms
define their figures: counts and amounts are summed; a rate whose numerator and
denominator are both in the report is recomputed from their sums; any other rate or
average is weighted by its own denominator (response time by receptions, a conversion
by inquiries), never a plain mean of daily rates.  A value missing on any day of the month
leaves the month's value missing (an understated month is worse than a blank one), never 0;
a day whose weight is 0 adds nothing, so its blank is nothing missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import MetricsError
from .tables import (
    MISSING_MARKS,
    RowNumbers,
    bad_rows_sentence,
    match_columns,
    row_numbers,
    rows_by_place,
)


@dataclass(frozen=True)
class Field:
    key: str
    headers: tuple             # the platform's header first, then aliases
    kind: str                  # text, date, count, amount, rate, mean, seconds
    per: str = ""              # rate/seconds: the field whose count weights it
    ratio: tuple = ()          # rate recomputed as ratio[0] ÷ ratio[1] when both are present


@dataclass(frozen=True)
class Platform:
    key: str
    name: str                  # as the output names the source
    signature: tuple           # fields whose headers identify the report
    fields: tuple

    def aliases(self) -> dict:
        return {f.key: f.headers for f in self.fields}


AGENT = ("客服", "客服昵称", "客服名称", "旺旺昵称", "客服账号", "子账号")
DATE = ("日期", "统计日期", "时间", "date")

PLATFORMS = (
    Platform("chitu", "赤兔 售前明细", ("buyers",), (
        Field("agent", AGENT, "text"),
        Field("date", DATE, "date"),
        Field("receptions", ("接待人数",), "count"),
        Field("inquiries", ("询单人数",), "count"),
        Field("buyers", ("询单->最终付款人数", "询单->最终付款人数(人)", "询单最终付款人数"), "count"),
        Field("conversion", ("询单->最终付款成功率", "询单->最终付款转化率", "询单最终付款成功率"),
              "rate", "inquiries", ("buyers", "inquiries")),
        Field("items_per_buyer", ("客件数",), "mean", "buyers"),
        Field("aov", ("客单价",), "mean", "buyers", ("sales", "buyers")),
        Field("sales", ("销售额",), "amount"),
        Field("reply_rate", ("客服回复率", "回复率"), "rate", "receptions"),
        Field("avg_response_s", ("平均响应时间", "平均响应时间(秒)"), "seconds", "receptions"),
        Field("first_response_s", ("首次响应时间", "首次响应时间(秒)"), "seconds", "receptions"),
        Field("slow_responses", ("慢响应人数",), "count"),
        Field("assist_follow_buyers", ("协助跟进人数",), "count"),
        Field("assist_order_buyers", ("协助下单人数",), "count"),
        Field("transfers", ("转出人数",), "count"),
        Field("silent_own_buyers", ("静默下单本人落实付款-人数", "静默下单本人落实付款人数"), "count"),
        Field("silent_own_sales", ("静默下单本人落实付款-金额", "静默下单本人落实付款金额"), "amount"),
        Field("refund_rate", ("退款率",), "rate", "buyers"),
    )),
    Platform("qianniu", "淘宝/千牛 客服绩效明细", ("agent_nick",), (
        Field("agent_nick", ("旺旺昵称", "旺旺", "客服旺旺"), "text"),
        Field("date", DATE, "date"),
        Field("group", ("旺旺分组", "分组"), "text"),
        Field("receptions", ("有效接待人数", "接待人数"), "count"),
        Field("inquiries", ("当日询单人数", "询单人数"), "count"),
        Field("buyers", ("销售人数",), "count"),
        Field("sales", ("销售额",), "amount"),
        Field("net_sales", ("净销售额",), "amount"),
        Field("aov", ("客单价",), "mean", "buyers", ("sales", "buyers")),
        Field("lost_inquiries", ("询单流失人数",), "count"),
        Field("first_response_s", ("首次响应时长(秒)", "首次响应时长"), "seconds", "receptions"),
        Field("avg_response_s", ("平均响应时长(秒)", "平均响应时长"), "seconds", "receptions"),
        Field("answer_ratio", ("淘宝答问比", "答问比"), "mean", "receptions"),
        Field("satisfaction", ("客户满意率", "满意率"), "rate", "receptions"),
        Field("conversion", ("询单最终付款转化率", "询单转化率"), "rate", "inquiries"),
    )),
    Platform("jd", "京东 客服绩效/营销明细", ("receptions", "buyers"), (
        Field("agent", AGENT, "text"),
        Field("date", DATE, "date"),
        Field("receptions", ("售前接待人数",), "count"),
        Field("buyers", ("促成下单人数",), "count"),
        Field("sales", ("促成下单商品金额",), "amount"),
        Field("sessions", ("接待量",), "count"),
        Field("first_response_s", ("首次平均响应时间", "首次平均响应时间(秒)"), "seconds", "receptions"),
        Field("avg_response_s", ("平均响应时间", "平均响应时间(秒)"), "seconds", "receptions"),
        Field("answered_30s_rate", ("30s应答率", "30秒应答率"), "rate", "receptions"),
        Field("satisfaction", ("满意率",), "rate", "receptions"),
        Field("sales_24h", ("24小时下单金额",), "amount"),
        Field("conversion_24h", ("24小时下单转化率",), "rate", "receptions"),
    )),
    Platform("pdd", "拼多多 客服绩效", ("agent_account", "buyers"), (
        Field("agent_account", ("客服账号",), "text"),
        Field("date", DATE, "date"),
        Field("service_score", ("客服服务分",), "mean", "receptions"),
        Field("consultations", ("咨询人数",), "count"),
        Field("inquiries", ("询单人数",), "count"),
        Field("buyers", ("最终成团人数",), "count"),
        Field("conversion", ("询单转化率",), "rate", "inquiries", ("buyers", "inquiries")),
        Field("sales", ("客服销售额(元)", "客服销售额"), "amount"),
        Field("net_sales", ("去退销售额(元)", "去退销售额"), "amount"),
        Field("needs_reply", ("需要人工回复的咨询人数",), "count"),
        Field("receptions", ("人工接待人数",), "count"),
        Field("unanswered_3min", ("3分钟未回复人数",), "count"),
        Field("reply_3min_rate", ("3分钟人工回复率",), "rate", "needs_reply"),
        Field("answered_30s_rate", ("30秒应答率",), "rate", "receptions"),
        Field("avg_response_s", ("平均人工响应时长", "平均人工响应时长(秒)"), "seconds", "receptions"),
        Field("low_rated_orders", ("评分≤3订单数", "评分<=3订单数"), "count"),
        Field("dispute_refunds", ("纠纷退款数",), "count"),
        Field("complaints", ("投诉数",), "count"),
    )),
)
AGENT_KEYS = ("agent", "agent_nick", "agent_account")


def detect_platform(columns) -> Platform | None:
    """The platform whose report has these headers (the one matching the most of them)."""
    best, best_n = None, 0
    for p in PLATFORMS:
        found = match_columns(columns, p.aliases())
        if not any(k in found for k in AGENT_KEYS) or not all(k in found for k in p.signature):
            continue
        if len(found) > best_n:
            best, best_n = p, len(found)
    return best


def has_date_column(df: pd.DataFrame, platform: Platform) -> bool:
    """Whether the report's headers hold its date column (日期, 统计日期 …)."""
    return "date" in match_columns(df.columns, platform.aliases())


def _parse_seconds(text: str):
    s = text.strip().replace("秒", "s")
    if re.fullmatch(r"\d+(\.\d+)?s?", s):
        return float(s.rstrip("s"))
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)", s)
    if m:
        return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.fullmatch(r"(\d+)分(?:钟)?(?:(\d+(?:\.\d+)?)s)?", s)
    if m:
        return int(m.group(1)) * 60 + float(m.group(2) or 0)
    raise ValueError(text)


def _parse_rate(text: str):
    s = text.strip()
    if s.endswith("%"):
        value = float(s[:-1].replace(",", "")) / 100
    else:
        value = float(s)
    if not 0 <= value <= 1.0000001:
        raise ValueError(text)
    return value


def _parse_mean(text: str):
    s = text.strip()
    value = float(s[:-1].replace(",", "")) / 100 if s.endswith("%") else _parse_number(s)
    if value < 0:
        raise ValueError(text)
    return value


def _parse_number(text: str):
    value = float(re.sub(r"[,，¥￥元\s]", "", text))
    if value < 0 or not np.isfinite(value):
        raise ValueError(text)
    return value


PARSERS = {"count": _parse_number, "amount": _parse_number, "rate": _parse_rate,
           "seconds": _parse_seconds, "mean": _parse_mean}
WHAT = {"count": "a count of 0 or more", "amount": "an amount of 0 or more",
        "rate": "a rate between 0 and 1 (or 0 % and 100 %)", "mean": "a number of 0 or more",
        "seconds": "a duration in seconds (12.5, 12.5秒 or 00:00:12)"}


def _column(series: pd.Series, kind: str, source: str, header: str,
            rows: RowNumbers | None = None) -> pd.Series:
    """The column's values of ``kind``; ``rows`` gives the file's row of each value."""
    rows = rows or RowNumbers()
    text = series.astype(str).str.strip()
    parser = PARSERS[kind]
    # Exports repeat a handful of values; parse each distinct text once.
    values, bad = {}, []
    for v in pd.unique(text):
        if v.lower() in MISSING_MARKS:
            values[v] = np.nan
            continue
        try:
            values[v] = parser(v)
        except ValueError:
            values[v] = np.nan
            bad.append(v)
    out = text.map(values).astype(float)
    if bad:
        idx = np.flatnonzero(text.isin(bad).to_numpy())
        raise MetricsError(bad_rows_sentence(source, header, rows(idx), text.iloc[idx],
                                             WHAT[kind]))
    if kind == "count":
        frac = out.notna() & (out != np.floor(out))
        if frac.any():
            idx = np.flatnonzero(frac.to_numpy())
            raise MetricsError(bad_rows_sentence(source, header, rows(idx), text.iloc[idx],
                                                 "a whole number"))
    return out


def read_platform_report(df: pd.DataFrame, source: str, platform: Platform | None = None,
                         month: str | None = None, shop: str = "") -> pd.DataFrame:
    """One row per agent and day (as exported), typed: agent, month, source and the fields."""
    platform = platform or detect_platform(df.columns)
    if platform is None:
        raise MetricsError(f"{source}: the headers are not those of a report we know "
                           "(赤兔 售前明细, 淘宝/千牛 客服绩效明细, 京东 客服绩效, 拼多多 客服绩效) "
                           "nor of chat messages or orders.")
    cols = match_columns(df.columns, platform.aliases())
    rows = row_numbers(df)
    agent_key = next(k for k in AGENT_KEYS if k in cols)
    out = pd.DataFrame({"shop": shop, "agent": df[cols[agent_key]].astype(str).str.strip()})
    blank = out["agent"].str.lower().isin(MISSING_MARKS)
    # Platforms append a 合计/汇总 row (or 平均); it is not an agent.  fill's rule.
    from ..templates.fill import is_total_label
    total = out["agent"].map(is_total_label).astype(bool)
    if "date" in cols:
        from ..templates.fill import normalise_month
        dates = df[cols["date"]].astype(str).str.strip()
        total |= dates.map(is_total_label).astype(bool)
        out["month"] = dates.map(normalise_month)
        # The day itself, to find one agent-day given twice (overlapping exports), however
        # each file writes it (2025-10-02, 2025/10/2, 2025年10月2日, 20251002); a row of a
        # whole month (2025-10, 2025年10月) has its month as its "day".
        out["_day"] = dates.map(report_day)
        out["_level"] = np.where(out["_day"].str.len() == 7, "month", "day")
        bad = ((~out["month"].str.fullmatch(r"\d{4}-\d{2}").astype("boolean").fillna(False).astype(bool)
                | out["_day"].isna()) & ~total & ~blank)
        if bad.any():
            idx = np.flatnonzero(bad.to_numpy())
            raise MetricsError(bad_rows_sentence(source, cols["date"], rows(idx),
                                                 dates.iloc[idx], "a date"))
    elif not month:
        # Its figures would belong to no month: fill would find no month to score them in.
        raise MetricsError(f"{source}: the report has no date column ({', '.join(DATE[:2])}), so "
                           "the month of its figures is not known; give it with --month, such "
                           "as --month 2025-10.")
    else:
        out["month"] = month
        out["_day"] = out["month"]
        out["_level"] = "month"
    out["_file"] = source
    out["_row"] = rows(np.arange(len(df)))
    for f in platform.fields:
        if f.kind in ("text", "date") or f.key not in cols:
            continue
        out[f.key] = _column(df[cols[f.key]], f.kind, source, cols[f.key], rows)
    if "group" in cols:
        out["group"] = df[cols["group"]].astype(str).str.strip()
    out = out[~blank & ~total].copy()
    out.insert(0, "source", platform.name)
    out.attrs["platform"] = platform
    out.attrs["headers"] = {k: v for k, v in cols.items()}
    return out


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[\sT].*)?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})(?:[\sT].*)?")
_MONTH_ONLY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?|(\d{4})(\d{2})|(\d{1,2})\s*[-/.]\s*(\d{4})"
                         r"|[A-Za-z]{3}[a-z]*\.?[\s,-]*\d{4}")


def report_day(text: str) -> str | None:
    """A report's date cell as one key: 'YYYY-MM-DD' for a day, 'YYYY-MM' for a row of a
    whole month, None when it is neither (or a day that does not exist).  One day written
    2025-10-02, 2025/10/2, 2025.10.02, 2025年10月2日, 20251002 or as an Excel date serial is
    one key, so two exports that write it differently are seen to overlap."""
    from ..templates.fill import normalise_month
    text = str(text).strip()
    m = _DAY.fullmatch(text) or _COMPACT_DAY.fullmatch(text)
    if m:
        try:
            day = pd.Timestamp(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return day.strftime("%Y-%m-%d")
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):
        from ..core.serial import serial_to_date
        return serial_to_date(int(float(text))).strftime("%Y-%m-%d")
    if _MONTH_ONLY.fullmatch(text):
        return normalise_month(text)
    return None


def check_repeated_days(daily: pd.DataFrame, platform: Platform) -> None:
    """Refuse an agent-day (or, in a report without dates, an agent-month) given twice: the
    same file passed twice or two exports that overlap would add the day up twice."""
    if "_day" not in daily.columns or daily.empty:
        return
    keys = ["shop", "agent", "_day"]
    dup = daily.duplicated(keys, keep=False)
    if not dup.any():
        _refuse_month_beside_days(daily, platform)
        return
    first = daily[dup].iloc[0]
    same = daily[dup & (daily[keys] == first[keys]).all(axis=1)]
    where = "; ".join(f"{f} row {r}" for f, r in zip(same["_file"], same["_row"]))
    if "_written" in same and same["_written"].nunique() > 1:
        # One agent written two ways (name_key): say how each file wrote it.
        where = "; ".join(f"{f} row {r} as {w!r}"
                          for f, r, w in zip(same["_file"], same["_row"], same["_written"]))
        where += (" — one agent, as names are compared ignoring case, full-width letters, "
                  "spaces and a sub-account's main account (店铺:客服)")
    n = int(daily[dup].groupby(keys, dropna=False).ngroups)
    day = (f"day {first['_day']}" if first["_day"] != first["month"] else
           f"month {first['month']}")
    raise MetricsError(
        f"{platform.name}: agent {first['agent']!r}, {day}, is given more than once ({where})"
        + (f", and {n - 1} more agent-day(s) likewise" if n > 1 else "")
        + "; the figures would be added up twice. Give each agent and day once: leave out the "
          "file that repeats or overlaps the other.")


def _refuse_month_beside_days(daily: pd.DataFrame, platform: Platform) -> None:
    """Refuse a row of a whole month (dated 2025-10, or a report without dates read with
    --month) beside day rows of that month for the same agent: the month's total already
    holds those days, and both would be added up."""
    if "_level" not in daily.columns:
        return
    keys = ["shop", "agent", "month"]
    levels = daily.groupby(keys, sort=False, dropna=False)["_level"].transform("nunique")
    mixed = (levels > 1).to_numpy()
    if not mixed.any():
        return
    first = daily[mixed].iloc[0]
    same = daily[mixed & (daily[keys] == first[keys]).all(axis=1).to_numpy()]
    whole = same[same["_level"] == "month"]
    days = same[same["_level"] == "day"]

    def places(rows):
        return rows_by_place(zip(rows["_file"], rows["_row"]))
    n = int(daily[mixed].groupby(keys, dropna=False).ngroups)
    raise MetricsError(
        f"{platform.name}: agent {first['agent']!r} has a row of the whole month "
        f"{first['month']} ({places(whole)}) beside rows of its days ({places(days)})"
        + (f", and {n - 1} more agent-month(s) likewise" if n > 1 else "")
        + "; the month's row already holds those days, so they would be added up twice. "
          "Give the month either as one row or as its days, not both.")


def monthly(daily: pd.DataFrame, platform: Platform) -> pd.DataFrame:
    """Days added up to months per shop × month × agent, by each field's own rule."""
    keys = ["source", "shop", "month", "agent"]
    present = [f for f in platform.fields if f.key in daily.columns
               and f.kind not in ("text", "date")]
    work = daily.copy()
    for f in present:
        if f.kind in ("rate", "mean", "seconds") and not (f.ratio and all(k in work for k in f.ratio)):
            if f.per not in work:
                raise MetricsError(
                    f"{platform.name}: {f.headers[0]} cannot be added up over days without "
                    f"{next(x.headers[0] for x in platform.fields if x.key == f.per)}, its "
                    "denominator; export that column too.")
            work[f"_w_{f.key}"] = work[f.key] * work[f.per]
            # A day whose weight is 0 (no receptions, no inquiries) adds nothing to the
            # month: its blank value ('-') is nothing missing.
            work[f"_p_{f.key}"] = work[f.key].notna() | (work[f.per] == 0)
    g = work.groupby(keys, sort=True, dropna=False)
    # A month is missing when any of its days is: count non-missing days against all days.
    days = g.size()
    out = pd.DataFrame(index=days.index)
    out["days"] = days
    for f in present:
        if f.kind in ("count", "amount"):
            complete = g[f.key].count() == days
            value = g[f.key].sum()
        elif f.ratio and all(k in work for k in f.ratio):
            # Recomputed from its counts: the day's own rate is not used, so only the
            # counts must be complete.
            num, den = (g[k].sum() for k in f.ratio)
            complete = (g[f.ratio[0]].count() == days) & (g[f.ratio[1]].count() == days)
            value = num / den.where(den > 0)
        else:
            weight = g[f.per].sum()
            complete = (g[f"_p_{f.key}"].sum() == days) & (g[f.per].count() == days)
            value = g[f"_w_{f.key}"].sum() / weight.where(weight > 0)
        out[f.key] = value.where(complete)
    return out.reset_index()


def definitions(platform: Platform) -> dict:
    """{field: (Chinese, English)} how the platform's figure was added up to the month, for
    the output."""
    names = {f.key: f.headers[0] for f in platform.fields}
    out = {}
    for f in platform.fields:
        if f.kind in ("text", "date"):
            continue
        if f.kind in ("count", "amount"):
            how = ("各天之和", "sum of the days")
        elif f.ratio:
            num, den, per = names[f.ratio[0]], names[f.ratio[1]], names[f.per]
            how = (f"{num} ÷ {den}，两者都按天相加（否则按 {per} 加权）",
                   f"{num} ÷ {den}, both summed over the days (else weighted by {per})")
        else:
            how = (f"各天按 {names[f.per]} 加权", f"days weighted by {names[f.per]}")
        out[f.key] = (f"{platform.name}：{f.headers[0]} — {how[0]}",
                      f"{platform.name}: {f.headers[0]} — {how[1]}")
    return out
