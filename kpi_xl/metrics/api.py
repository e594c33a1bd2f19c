"""``compute_metrics``: the shops' files in, DataFrames out; ``write_metrics_workbook`` the audit.

The first sheet of the workbook holds exactly the inputs of the composite customer-service
template (``kpi-xl fill`` takes it as it is, grouped by shop and month); the others hold every
metric with its definition and source, each order's attribution, the excluded spam
buyer-days and the rules used.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..fileio import atomic_write
from .errors import MetricsError
from .names import Part, strip_main_accounts, unify
from .platforms import PLATFORMS, check_repeated_days, definitions, detect_platform, monthly
from .raw import (
    MESSAGE_ALIASES,
    ORDER_ALIASES,
    RawMetrics,
    check_zones,
    compute_raw,
    looks_like_messages,
    looks_like_orders,
    missing_headers,
    prepare_messages,
    prepare_orders,
)
from .rules import Rules
from .summaries import read_reports
from .tables import header_names, read_tables, row_numbers, named_sheets, source_name
from .times import Clock

EXCEL_ROWS = 1_048_575  # data rows under a header
#: Every header of a chat, order or platform export: found below an export's title rows.
KNOWN_HEADERS = header_names(MESSAGE_ALIASES, ORDER_ALIASES, *(p.aliases() for p in PLATFORMS))

RAW_SOURCE = "聊天记录+订单"
#: What each metric of chats and orders is, (Chinese, English): the definitions sheet shows
#: the workbook's language.
RAW_DEFINITIONS = {
    "receptions": ("买家给该客服发过消息的 客服 × 买家 × 日 去重数（广告已排除）",
                   "distinct agent × buyer × day with a buyer message to the agent (spam left "
                   "out)"),
    "answered": ("接待中客服在买家消息之后回复了的个数",
                 "receptions in which the agent replied after a buyer message"),
    "reply_rate": ("回复人数 ÷ 接待人数", "answered ÷ receptions"),
    "inquiries": ("本月接待的去重买家中，接待前窗口内没有本人订单的买家（只被协助的付款买家不计，"
                  "除非设置 assists_in_inquiries），加上本月落实给该客服的付款买家（下单前窗口内"
                  "咨询过）；只促成下月成交的咨询计入下月",
                  "distinct buyers of the month whose reception had no order of theirs in the "
                  "window before it (paying buyers only assisted left out unless "
                  "assists_in_inquiries), and the paying buyers credited to the agent in the "
                  "month (they wrote in the window before the order), a chat that led only to "
                  "a sale of the next month counted in that month"),
    "buyers": ("落实给该客服的已付款订单的去重买家（落实）；总在询单人数之中",
               "distinct buyers of the paid orders credited to the agent (落实); always among "
               "the inquiries"),
    "conversion": ("成交人数 ÷ 询单人数", "buyers ÷ inquiries"),
    "orders": ("落实给该客服的订单数，不论是否付款", "orders credited to the agent, paid or not"),
    "paid_orders": ("落实给该客服且已付款的订单数", "credited orders that were paid"),
    "deals": ("落实给该客服且已付款的订单数", "credited orders that were paid"),
    "returns": ("落实的已付款订单中有退款的笔数", "credited paid orders with a refund"),
    "sales": ("落实订单的实付金额（refunds = \"subtract\" 时减去退款）",
              "paid amounts of the credited orders (minus refunds when refunds = \"subtract\")"),
    "aov": ("销售额 ÷ 成交人数", "sales ÷ buyers"),
    "first_response_s": ("各次接待首次响应时长的平均（秒）",
                         "mean over receptions of the first response interval (seconds)"),
    "first_response_n": ("有首次响应的接待数（首次响应平均的权重）",
                         "receptions with a first response (the weight of the first response)"),
    "avg_response_s": ("全部响应时长的平均：同一天内买家一轮消息的第一条到客服下一次回复（秒）",
                       "mean of all response intervals: first buyer message of a run to the "
                       "agent's next reply the same day (seconds)"),
    "response_n": ("响应次数（平均响应的权重）", "response intervals (the weight of the average "
                                               "response)"),
    "assist_order_buyers": ("该客服在他人落实订单的窗口内接待过的去重付款买家（协助下单）",
                            "distinct paying buyers the agent received in the window of an "
                            "order credited to another agent (协助下单)"),
    "assist_follow_buyers": ("该客服在窗口之外、下单后至付款前接待过的去重付款买家（协助跟进）",
                             "distinct paying buyers the agent received after the order and "
                             "up to payment, outside the window (协助跟进)"),
    "shop_sales": ("店铺已付款订单的销售额，落实与静默的都算",
                   "the shop's paid orders' sales, credited and silent"),
    "shop_buyers": ("店铺的去重付款买家", "the shop's distinct paying buyers"),
    "shop_aov": ("店铺销售额 ÷ 店铺成交人数", "shop_sales ÷ shop_buyers"),
    "silent_orders": ("窗口内没有客服接待的已付款订单（静默下单）",
                      "paid orders with no agent in the window (静默下单)"),
    "silent_buyers": ("静默订单的去重买家", "distinct buyers of the silent orders"),
    "silent_sales": ("静默订单的销售额", "sales of the silent orders"),
    "silent_aov": ("静默销售额 ÷ 静默成交人数：客服应当超过的客单价",
                   "silent_sales ÷ silent_buyers: the AOV agents should beat"),
}
#: The definition of a shop AOV given with --shop-aov.
SHOP_AOV_GIVEN = ("命令行给出，用于数据中没有店铺客单价的客服月份",
                  "given on the command line, for the agent-months whose data has no shop AOV")
LABELS = {  # key: (Chinese, English)
    "source": ("来源", "Source"), "shop": ("店铺", "Shop"), "month": ("月份", "Month"),
    "agent": ("客服", "Agent"), "days": ("天数", "Days"),
    "receptions": ("接待人数", "Receptions"), "answered": ("回复人数", "Answered"),
    "reply_rate": ("回复率", "Reply rate"), "inquiries": ("询单人数", "Inquiries"),
    "buyers": ("成交人数", "Buyers"), "conversion": ("询单转化率", "Conversion"),
    "orders": ("下单笔数", "Orders"), "paid_orders": ("付款笔数", "Paid orders"),
    "deals": ("成交笔数", "Deals"), "returns": ("退货量", "Returns"),
    "sales": ("销售额", "Sales"), "aov": ("客单价", "AOV"),
    "first_response_s": ("首次响应(秒)", "First response (s)"),
    "first_response_n": ("首次响应次数", "First responses"),
    "avg_response_s": ("平均响应(秒)", "Avg response (s)"),
    "response_n": ("响应次数", "Responses"),
    "assist_order_buyers": ("协助下单人数", "Assisted orders (buyers)"),
    "assist_follow_buyers": ("协助跟进人数", "Assisted follow-ups (buyers)"),
    "shop_sales": ("店铺销售额", "Shop sales"), "shop_buyers": ("店铺成交人数", "Shop buyers"),
    "shop_aov": ("店铺客单价", "Shop AOV"), "silent_orders": ("静默下单笔数", "Silent orders"),
    "silent_buyers": ("静默成交人数", "Silent buyers"), "silent_sales": ("静默销售额", "Silent sales"),
    "silent_aov": ("静默客单价", "Silent AOV"),
    "net_sales": ("去退销售额", "Net sales"), "items_per_buyer": ("客件数", "Items per buyer"),
    "slow_responses": ("慢响应人数", "Slow responses"), "transfers": ("转出人数", "Transfers"),
    "silent_own_buyers": ("静默下单本人落实付款人数", "Silent orders followed up (buyers)"),
    "silent_own_sales": ("静默下单本人落实付款金额", "Silent orders followed up (sales)"),
    "refund_rate": ("退款率", "Refund rate"), "lost_inquiries": ("询单流失人数", "Lost inquiries"),
    "answer_ratio": ("答问比", "Answer ratio"), "satisfaction": ("满意率", "Satisfaction"),
    "sessions": ("接待量", "Sessions"), "answered_30s_rate": ("30秒应答率", "Answered in 30 s"),
    "sales_24h": ("24小时下单金额", "24 h order sales"),
    "conversion_24h": ("24小时下单转化率", "24 h conversion"),
    "service_score": ("客服服务分", "Service score"), "consultations": ("咨询人数", "Consultations"),
    "needs_reply": ("需要人工回复的咨询人数", "Needing a reply"),
    "unanswered_3min": ("3分钟未回复人数", "Unanswered in 3 min"),
    "reply_3min_rate": ("3分钟人工回复率", "Replied in 3 min"),
    "low_rated_orders": ("评分≤3订单数", "Orders rated ≤ 3"),
    "dispute_refunds": ("纠纷退款数", "Dispute refunds"), "complaints": ("投诉数", "Complaints"),
    "group": ("旺旺分组", "Group"),
}


@dataclass
class MetricsResult:
    """DataFrames of a metrics run (column keys in English; labels come at writing)."""

    template_inputs: pd.DataFrame   # the composite template's inputs, one row per agent-month
    agents: pd.DataFrame            # every metric, one row per source × shop × month × agent
    definitions: pd.DataFrame       # column, source, definition, definition_zh
    orders: pd.DataFrame            # raw data only: each order's attribution
    spam: pd.DataFrame              # raw data only: excluded buyer-days
    rules: Rules = field(default_factory=Rules)
    inputs: dict = field(default_factory=dict)   # file -> what it was read as
    raw: RawMetrics | None = None
    spellings: list = field(default_factory=list)   # sentences: names written several ways
    notes: list = field(default_factory=list)       # sentences: summary sheets checked


def classify_inputs(paths, sheets=()):
    """[(source, kind, DataFrame)] with kind 'messages', 'orders' or a platform: a CSV, and
    each sheet of a workbook whose headers are those of one of them (named as
    :func:`~kpi_xl.metrics.tables.source_name` names it; other sheets are left out), or
    each sheet ``sheets`` names (``--sheet``).  A file with no such table is refused, and
    so is a sheet ``sheets`` names that no workbook holds."""
    out = []
    books: dict = {}   # workbook -> its sheets' names
    for path in paths:
        tables = read_tables(path, KNOWN_HEADERS, sheets)
        if tables and "sheet_names" in tables[0].attrs:
            books[path] = tables[0].attrs["sheet_names"]
        found = [(source_name(path, df), _kind(df.columns), df) for df in tables]
        found = [entry for entry in found if entry[1] is not None]
        if not found:
            headers = [f"({', '.join(map(str, df.columns[:8]))})" for df in tables]
            where = (f"{path}: the headers {headers[0]} are" if len(tables) == 1 else
                     f"{path}: no sheet's headers are those we know ("
                     + "; ".join(f"sheet {df.attrs['sheet']!r}: {h}"
                                 for df, h in zip(tables, headers)) + "); they are")
            near = [(df, missing_headers(df.columns)) for df in tables]
            hints = "".join(
                f" {'The' if len(tables) == 1 else 'Sheet ' + repr(df.attrs['sheet']) + ':'} "
                f"headers look like {hint}." for df, hint in near if hint)
            raise MetricsError(
                f"{where} not those of chat messages (时间, 买家, 客服, 发送方, 内容), orders "
                "(订单号, 买家, 下单时间, 付款时间, 实付金额) or a platform report we know (赤兔 "
                f"售前明细, 淘宝/千牛 客服绩效明细, 京东 客服绩效, 拼多多 客服绩效).{hints}")
        out += found
    if sheets:
        _refuse_sheets_not_found(sheets, books)
    return out


def _refuse_sheets_not_found(sheets, books: dict) -> None:
    """Refuse a sheet named by ``--sheet`` that none of the workbooks ``books`` ({path:
    sheet names}) holds: a misspelt name must not leave its sheet out unnoticed."""
    held = {name for names in books.values() for name in names}
    missing = sorted(set().union(*(named_sheets(value, held) for value in sheets)) - held)
    if missing:
        where = "; ".join(f"{path}: {', '.join(map(repr, names))}" for path, names in books.items())
        raise MetricsError(f"--sheet names {', '.join(map(repr, missing))}, which no workbook "
                           "of the inputs holds (their sheets: "
                           + (where or "none; the inputs are no workbooks") + ").")


def _kind(columns):
    """'messages', 'orders', the platform of a report with these headers, or None."""
    if looks_like_messages(columns):
        return "messages"
    if looks_like_orders(columns):
        return "orders"
    return detect_platform(columns)


def compute_metrics(inputs, *, month: str | None = None, rules: Rules | None = None,
                    shop: str = "", shop_aov=None, clock: Clock | None = None,
                    sheets=()) -> MetricsResult:
    """Agent metrics from the shops' files (paths): chat messages, orders, platform reports.

    ``shop_aov`` (see :func:`parse_shop_aov`) gives the shop AOV of the agent-months whose
    data has none (platform reports do not carry it); raw orders give their own.  ``clock``
    tells how to read the times a column cannot tell by itself (its order of day and
    month, the shop's UTC offset).  ``sheets`` (``--sheet``) names the sheets of the
    workbooks to read; by default every sheet of known headers is.  A workbook's summary
    sheet of its sheets of days is checked against them and left out (see
    :mod:`~kpi_xl.metrics.summaries`); ``notes`` says so."""
    from ..templates.fill import normalise_month
    rules = rules or Rules()
    if month is not None:
        given = month
        month = normalise_month(month)
        if month is None or not re.fullmatch(r"\d{4}-\d{2}", month):
            raise MetricsError(f"--month {given!r} is not a month such as 2025-10.")
    files = classify_inputs(inputs, sheets)
    if not files:
        raise MetricsError("No input files were given.")
    seen = {p: (kind if isinstance(kind, str) else kind.name) for p, kind, _ in files}
    # The files' text frames are dropped as soon as they are typed: at ten million messages
    # they are the largest thing in memory.
    messages: list[Part] = []
    orders: list[Part] = []
    reports: list[tuple] = []
    tables: list[tuple] = []   # platform reports' text frames, read together (see summaries)
    zones: list[tuple] = []
    for n, (p, kind, df) in enumerate(files):
        files[n] = (p, kind, None)
        if kind in ("messages", "orders"):
            prepare = prepare_messages if kind == "messages" else prepare_orders
            frame = prepare(df, p, clock)
            del df
            zones += [(p, c, z) for c, z in frame.attrs.get("zones", {}).items()]
            blank = None
            if shop:
                blank = (frame["shop"] == "").to_numpy()
                frame.loc[blank, "shop"] = shop
            (messages if kind == "messages" else orders).append(
                Part(p, frame, from_option=blank, numbers=row_numbers(frame)))
        else:
            tables.append((p, kind, df))
    kept, notes, left_out = read_reports(tables, month, shop)
    del tables
    seen.update(left_out)
    for kind, p, daily in kept:
        daily["_written"] = daily["agent"]
        reports.append((kind, Part(p, daily, rows=daily["_row"].to_numpy(),
                                   from_option=np.full(len(daily), bool(shop)))))
    if bool(messages) != bool(orders):
        what = "chat messages but no orders" if messages else "orders but no chat messages"
        raise MetricsError(f"The inputs hold {what}; raw metrics need both (give the other "
                           "file(s) too).")
    check_zones(zones)
    # One shop, and one agent of a shop, however each file writes it ('S1' and 's1', 'Amy'
    # and 'amy'): matched as written, a shop's chats and orders would not meet and an
    # agent's figures would split in two, without a word.
    order_shops = [part.frame["shop"].copy() for part in orders]
    report_parts = [part for _, part in reports]
    spellings = unify([*messages, *orders, *report_parts], "shop", "shop")
    # '小米旗舰店:小美' (Taobao's sub-account) in one file and '小美' in another: one agent.
    strip_main_accounts([*messages, *report_parts])
    spellings += unify([*messages, *report_parts], "agent", "agent", within="shop")
    frames, defs = [], []
    raw = None
    if messages:
        msg = pd.concat([part.frame for part in messages], ignore_index=True)
        ords = pd.concat([part.frame for part in orders], ignore_index=True)
        del messages
        chat_shops, order_shops_now = set(msg["shop"].unique()), set(ords["shop"].unique())
        lone = sorted(order_shops_now - chat_shops)
        if lone:
            # Every order of such a shop would be silent and no agent paid for it.
            names = ", ".join(repr(x) if x else "(no shop)" for x in lone)
            raise MetricsError(
                f"The orders of shop(s) {names} have no chat messages at all, so none of their "
                "orders could be credited to an agent. Give those shops' chats, leave their "
                "orders out, or, when the files have no 店铺 column, name the shop with --shop.")
        _refuse_repeated_orders(ords, orders, order_shops)
        _refuse_months_without_orders(msg, ords, month, [part.source for part in orders])
        raw = compute_raw(msg, ords, rules, month)
        frames.append(raw.agents.assign(source=RAW_SOURCE))
        defs += [(k, RAW_SOURCE, v) for k, v in RAW_DEFINITIONS.items()]
    by_platform: dict = {}
    for kind, part in reports:
        by_platform.setdefault(kind, []).append(part.frame)
    report_files = []   # (source, shop, month, agent, file): where each agent-month came from
    for platform, parts in by_platform.items():
        daily = pd.concat(parts, ignore_index=True)
        check_repeated_days(daily, platform)
        report_files.append(daily[["source", "shop", "month", "agent", "_file"]]
                            .drop_duplicates())
        daily = daily.drop(columns=["_day", "_level", "_file", "_row", "_written"],
                           errors="ignore")
        frames.append(monthly(daily, platform))
        defs += [(k, platform.name, v) for k, v in definitions(platform).items()]
    agents = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(agents):
        front = ["source", "shop", "month", "agent"]
        agents = agents[front + [c for c in agents.columns if c not in front]]
    empty = pd.DataFrame()
    if report_files:
        files = pd.concat(report_files, ignore_index=True)
        if len(report_files) > 1:
            _refuse_agent_in_two_reports(agents, files)
        _refuse_buyers_above_inquiries(agents, files)
    inputs_table = template_inputs(agents)
    if shop_aov:
        inputs_table = _given_shop_aov(inputs_table, shop_aov)
        defs.append(("shop_aov", "--shop-aov", SHOP_AOV_GIVEN))
    return MetricsResult(
        template_inputs=inputs_table,
        agents=agents,
        definitions=pd.DataFrame([(k, source, en, zh) for k, source, (zh, en) in defs],
                                 columns=["column", "source", "definition", "definition_zh"]),
        orders=raw.orders if raw else empty, spam=raw.spam if raw else empty,
        rules=rules, inputs=seen, raw=raw, spellings=spellings, notes=notes)


def _report_rows_on_sheet(agents: pd.DataFrame) -> pd.DataFrame:
    """The platform reports' rows that go to the fill-ready sheet: those of shop-months
    without chats and orders (see :func:`template_inputs`)."""
    rows = agents[agents["source"] != RAW_SOURCE]
    raw = agents[agents["source"] == RAW_SOURCE]
    if len(raw) and len(rows):
        covered = pd.MultiIndex.from_frame(raw[["shop", "month"]].astype(str))
        rows = rows[~pd.MultiIndex.from_frame(rows[["shop", "month"]].astype(str)).isin(covered)]
    return rows


def _refuse_buyers_above_inquiries(agents: pd.DataFrame, files: pd.DataFrame) -> None:
    """Refuse a report's agent-month with more buyers than inquiries on the fill-ready
    sheet: buyers are those of the inquiries who paid, so its conversion (buyers ÷
    inquiries) would pass 100 %; the report's buyers are not of its inquiries (千牛's
    销售人数 counts every buyer credited, silent orders followed up too)."""
    if not len(agents) or "buyers" not in agents or "inquiries" not in agents:
        return
    rows = _report_rows_on_sheet(agents)
    over = rows[(rows["buyers"] > rows["inquiries"]).astype("boolean").fillna(False).astype(bool)]
    if not len(over):
        return
    keys = ["source", "shop", "month", "agent"]
    first = over.iloc[0]
    where = files[(files[keys] == first[keys]).all(axis=1)]["_file"]
    shop = f" of shop {first['shop']!r}" if first["shop"] else ""
    raise MetricsError(
        f"{first['source']} ({', '.join(where)}): agent {first['agent']!r}{shop}, "
        f"{first['month']}, has {first['buyers']:g} buyers but {first['inquiries']:g} "
        "inquiries" + (f", and {len(over) - 1} more agent-month(s) likewise" if len(over) > 1
                       else "")
        + "; buyers are the inquiries who paid, so the conversion would be above 100 %. The "
          "report's buyers are not of its inquiries: export the buyers of the inquiries "
          "(赤兔 询单->最终付款人数), or correct the figures.")


def _refuse_agent_in_two_reports(agents: pd.DataFrame, files: pd.DataFrame) -> None:
    """Refuse an agent-month of one shop that two platforms' reports (a 千牛 and a 赤兔
    export) both give, where no chats and orders of that shop-month take their place: the
    fill-ready sheet would hold the agent twice, scored and paid twice.  The two are not
    added up: they count the same buyers by different rules."""
    rows = _report_rows_on_sheet(agents)
    keys = ["shop", "month", "agent"]
    twice = rows[rows.groupby(keys, sort=False)["source"].transform("nunique") > 1]
    if not len(twice):
        return
    first = twice.iloc[0]
    where = files[(files[keys] == first[keys]).all(axis=1)]
    named = "; ".join(f"{source} in {', '.join(g['_file'])}"
                      for source, g in where.groupby("source", sort=False))
    n = twice.groupby(keys, sort=False).ngroups
    shop = f" of shop {first['shop']!r}" if first["shop"] else ""
    raise MetricsError(
        f"Agent {first['agent']!r}{shop}, {first['month']}, is given by two platform reports "
        f"({named})" + (f", and {n - 1} more agent-month(s) likewise" if n > 1 else "")
        + "; the agent would be scored twice, and the reports' figures cannot be added up "
          "(they count the same buyers by different rules). Give one report per shop and "
          "month; if the files are of two shops, name each with its own run and --shop.")


def _refuse_months_without_orders(msg: pd.DataFrame, ords: pd.DataFrame, month: str | None,
                                  order_files: list) -> None:
    """Refuse a shop-month whose chats have no order at all (created or paid in it): the
    orders of another month, or an empty orders file, would give every agent 0 % conversion.
    The mirror of the check on a shop whose orders have no chats."""
    def months(frame, column):
        # Whole columns (ten million messages): each shop × month once, formatted once.
        t = frame[column].to_numpy("datetime64[ns]")
        ok = ~np.isnat(t)
        codes, names = pd.factorize(frame["shop"].to_numpy(object)[ok])
        month = t[ok].astype("datetime64[M]").astype(np.int64)
        keys = np.unique(codes.astype(np.int64) * 1_000_000 + (month + 500_000))
        return pd.DataFrame({
            "shop": np.asarray(names, dtype=object)[keys // 1_000_000],
            "month": np.datetime_as_string((keys % 1_000_000 - 500_000).astype("datetime64[M]"),
                                           unit="M").astype(object)})
    chats = months(msg, "time")
    if month:
        chats = chats[chats["month"] == month]
    if not len(chats):
        return
    have = pd.concat([months(ords, "created"), months(ords, "paid")]).drop_duplicates()
    lone = chats.merge(have.assign(_o=True), on=["shop", "month"], how="left")
    lone = lone[lone["_o"].isna()].sort_values(["shop", "month"])
    if not len(lone):
        return
    which = ", ".join(f"{m}" + (f" of shop {sh!r}" if sh else "")
                      for sh, m in zip(lone["shop"], lone["month"]))
    held = sorted(set(have["month"]))
    what = (f"the orders ({', '.join(order_files)}) are of {', '.join(held)} only" if held
            else f"the orders ({', '.join(order_files)}) hold no order")
    raise MetricsError(
        f"The chats of {which} have no order at all in that month — {what} — so every agent "
        "would show 0 % conversion and no sales. Give that month's orders, or leave its chats "
        "out (--month picks one month).")


def _refuse_repeated_orders(ords: pd.DataFrame, parts: list, written: list) -> None:
    """Refuse an order given twice across the order files (or within one under two
    spellings of its shop), naming the files, rows and shop as each wrote it."""
    dup = ords.duplicated(["shop", "order_id"], keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.flatnonzero(dup)[0])
    same = np.flatnonzero(dup & (ords["shop"] == ords["shop"].iloc[first]).to_numpy()
                          & (ords["order_id"] == ords["order_id"].iloc[first]).to_numpy())
    ends = np.cumsum([len(p.frame) for p in parts])
    places = []
    for i in same:
        n = int(np.searchsorted(ends, i, side="right"))
        j = int(i - (ends[n - 1] if n else 0))
        places.append((f"{parts[n].source} row {parts[n].row_numbers(j)}", written[n].iloc[j]))
    spelled = len({w for _, w in places}) > 1
    where = "; ".join(f"{place} (shop {w!r})" if spelled else place for place, w in places)
    shop = ords["shop"].iloc[first]
    raise MetricsError(f"Order {ords['order_id'].iloc[first]!r}"
                       + (f" of shop {shop!r}" if shop else "")
                       + f" is given more than once ({where}); give each order once"
                       + (" (shop names are compared ignoring case, full-width letters and "
                          "spaces)." if spelled else "."))


def parse_shop_aov(text: str) -> dict:
    """``--shop-aov``: "66.3" (every shop) or "店铺01=66.3,店铺02=70" -> {shop or "": AOV}."""
    out: dict = {}
    for part in [p for p in re.split(r"[,，;；]", str(text)) if p.strip()]:
        shop, sep, value = part.rpartition("=") if "=" in part else ("", "", part)
        shop = shop.strip()
        try:
            aov = float(value.strip().lstrip("¥￥"))
        except ValueError:
            aov = float("nan")
        if not aov > 0 or aov == float("inf"):
            raise MetricsError(f"--shop-aov: {value.strip()!r} is not a shop AOV (a positive "
                               "amount, such as 66.3).")
        if (sep and not shop) or shop in out:
            raise MetricsError(f"--shop-aov: {part.strip()!r} names no shop or one twice; "
                               "give 66.3 for every shop, or 店铺01=66.3,店铺02=70.")
        out[shop] = aov
    if not out:
        raise MetricsError("--shop-aov is empty; give 66.3, or 店铺01=66.3,店铺02=70.")
    if "" in out and len(out) > 1:
        raise MetricsError("--shop-aov: give one amount for every shop, or one per shop "
                           "(店铺01=66.3,店铺02=70), not both.")
    return out


def _given_shop_aov(table: pd.DataFrame, given: dict) -> pd.DataFrame:
    """``table`` with the shop AOV of ``given`` where its data had none."""
    table = table.copy()
    missing = table["shop_aov"].isna()
    if "" in given:
        table.loc[missing, "shop_aov"] = given[""]
        return table
    shops = set(table["shop"].astype(str))
    unknown = sorted(set(given) - shops)
    if unknown:
        raise MetricsError(f"--shop-aov names shop(s) {', '.join(map(repr, unknown))} that the "
                           f"data does not hold; its shops are {', '.join(map(repr, sorted(shops)))}.")
    for shop, aov in given.items():
        table.loc[missing & (table["shop"].astype(str) == shop), "shop_aov"] = aov
    return table


def template_inputs(agents: pd.DataFrame) -> pd.DataFrame:
    """The composite template's inputs and parameters.  For a shop-month the chats and
    orders give, their figures; the platform reports' for every other shop-month (a shop
    given by its report alone must not drop out of the month's pay)."""
    from ..templates.composite import CompositeTemplate
    keys = ["shop", "month"] + [c.key for c in CompositeTemplate.inputs] + ["shop_aov"]
    if not len(agents):
        return pd.DataFrame(columns=keys)
    rows = agents
    raw = (agents["source"] == RAW_SOURCE).to_numpy()
    if raw.any():
        shop_month = pd.MultiIndex.from_arrays([agents["shop"].astype(str),
                                                agents["month"].astype(str)])
        rows = agents[raw | ~shop_month.isin(shop_month[raw])]
    out = pd.DataFrame({k: rows.get(k, np.nan) for k in keys})
    return out.reset_index(drop=True)


def labelled(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    i = 0 if lang == "zh" else 1
    return df.rename(columns={k: v[i] for k, v in LABELS.items()})


ORDER_LABELS = {
    "shop": ("店铺", "Shop"), "month": ("月份", "Month"), "order_id": ("订单号", "Order"),
    "buyer": ("买家", "Buyer"), "created": ("下单时间", "Created"), "paid": ("付款时间", "Paid"),
    "paid_amount": ("实付金额", "Paid amount"), "refund_amount": ("退款金额", "Refund"),
    "net_sales": ("计入销售额", "Sales counted"), "credited_agent": ("落实客服", "Credited agent"),
    "assist_order": ("协助下单客服", "Assisted (order)"),
    "assist_follow": ("协助跟进客服", "Assisted (follow-up)"), "silent": ("静默", "Silent"),
    "why": ("依据", "Why"),
}
SPAM_LABELS = {
    "shop": ("店铺", "Shop"), "buyer": ("买家", "Buyer"), "day": ("日期", "Day"),
    "reason": ("原因", "Reason"), "buyer_messages": ("买家消息数", "Buyer messages"),
    "example": ("示例", "Example"),
}
SHEETS = {
    "inputs": ("客服月度指标", "Agent month"), "agents": ("全部指标", "All metrics"),
    "definitions": ("指标定义", "Definitions"), "orders": ("订单归属", "Orders"),
    "spam": ("排除的广告", "Excluded spam"), "rules": ("规则", "Rules"),
    "compare": ("规则对比", "Rule comparison"),
}


def write_metrics_workbook(result: MetricsResult, path, *, lang: str = "zh",
                           compare: pd.DataFrame | None = None,
                           compare_rules: Rules | None = None) -> list:
    """Write the audit workbook; returns the paths written (a CSV too for a huge order list)."""
    from ..templates.composite import CompositeTemplate
    i = 0 if lang == "zh" else 1
    path = Path(path)
    written = [path]
    cols = {c.key: (c.zh, c.en) for c in (*CompositeTemplate.params, *CompositeTemplate.inputs)}
    inputs = result.template_inputs.rename(columns={k: v[i] for k, v in cols.items()})
    sheets = [(SHEETS["inputs"][i], inputs)]
    sheets.append((SHEETS["agents"][i], labelled(result.agents, lang)))
    # Each definition is kept in both languages; the workbook shows its own.
    defs = result.definitions.drop(columns="definition" if lang == "zh" else "definition_zh")
    defs = defs.rename(columns={"definition_zh": "definition"})
    defs["column"] = defs["column"].map(lambda k: LABELS.get(k, (k, k))[i])
    defs.columns = [("列", "Column"), ("来源", "Source"), ("定义", "Definition")]
    defs.columns = [c[i] for c in defs.columns]
    sheets.append((SHEETS["definitions"][i], defs))
    if len(result.orders):
        # Each reason is kept in both languages; the workbook shows its own.
        orders = result.orders.drop(columns="why" if lang == "zh" else "why_zh")
        orders = orders.rename(columns={"why_zh": "why"})
        orders = orders.rename(columns={k: v[i] for k, v in ORDER_LABELS.items()})
        if len(orders) > EXCEL_ROWS:
            # Excel cannot hold them; the full list goes beside the workbook.
            csv = path.with_suffix(".orders.csv")
            orders.to_csv(csv, index=False, encoding="utf-8-sig")
            written.append(csv)
            orders = pd.DataFrame({ORDER_LABELS["why"][i]: [
                f"{len(result.orders):,} orders are more than a sheet holds; see {csv.name}."]})
        sheets.append((SHEETS["orders"][i], orders))
        spam = result.spam.drop(columns="reason" if lang == "zh" else "reason_zh")
        spam = spam.rename(columns={"reason_zh": "reason"})
        sheets.append((SHEETS["spam"][i],
                       spam.rename(columns={k: v[i] for k, v in SPAM_LABELS.items()})))
    rules_rows = [(k, str(v), h) for k, v, h in result.rules.as_table()]
    head = [("设置", "Setting"), ("取值", "Value"), ("含义", "Meaning")]
    if compare_rules is not None:
        other = {k: str(v) for k, v, _ in compare_rules.as_table()}
        rules_rows = [(k, v, other[k], h) for k, v, h in rules_rows]
        head = [head[0], ("取值(规则一)", "Value (rules 1)"), ("取值(规则二)", "Value (rules 2)"),
                head[2]]
    sheets.append((SHEETS["rules"][i], pd.DataFrame(rules_rows, columns=[h[i] for h in head])))
    if compare is not None:
        suffix = {"1": ("规则一", "rules 1"), "2": ("规则二", "rules 2"), "diff": ("差", "difference")}
        names = {}
        for c in compare.columns:
            base, _, end = c.rpartition("_")
            if end in suffix and base in LABELS:
                names[c] = f"{LABELS[base][i]} ({suffix[end][i]})"
        sheets.append((SHEETS["compare"][i], labelled(compare.rename(columns=names), lang)))

    def produce(fh):
        with pd.ExcelWriter(fh, engine="openpyxl") as xw:
            for title, df in sheets:
                df.to_excel(xw, sheet_name=title, index=False)
                ws = xw.sheets[title]
                for col in ws.columns:
                    ws.column_dimensions[col[0].column_letter].width = max(
                        10, min(60, 2 + max(len(str(c.value or "")) * 1.6 for c in col[:50])))
                ws.freeze_panes = "A2"
                if title in (SHEETS["inputs"][i], SHEETS["agents"][i], SHEETS["compare"][i]):
                    _number_formats(ws, i)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, produce)
    return written


def compare_rules(result_a: MetricsResult, result_b: MetricsResult) -> pd.DataFrame:
    """Per agent and month, each metric under both rule sets and the difference (b − a)."""
    keys = ["source", "shop", "month", "agent"]
    metrics = ["receptions", "inquiries", "buyers", "conversion", "orders", "paid_orders",
               "sales", "aov", "first_response_s", "avg_response_s", "assist_order_buyers",
               "assist_follow_buyers"]
    a = result_a.agents
    b = result_b.agents
    metrics = [m for m in metrics if m in a.columns and m in b.columns]
    both = a[keys + metrics].merge(b[keys + metrics], on=keys, how="outer",
                                   suffixes=("_1", "_2"))
    out = both[keys].copy()
    for m in metrics:
        out[f"{m}_1"] = both[f"{m}_1"]
        out[f"{m}_2"] = both[f"{m}_2"]
        out[f"{m}_diff"] = both[f"{m}_2"] - both[f"{m}_1"]
    return out.sort_values(keys).reset_index(drop=True)


RATE_KEYS = {"reply_rate", "conversion", "refund_rate", "answer_ratio", "satisfaction",
             "answered_30s_rate", "conversion_24h", "reply_3min_rate"}
MONEY_KEYS = {"sales", "aov", "shop_sales", "shop_aov", "silent_sales", "silent_aov", "net_sales",
              "silent_own_sales", "sales_24h"}
SECOND_KEYS = {"first_response_s", "avg_response_s"}


def _number_formats(ws, i: int) -> None:
    """Rates as percentages, money with two decimals, seconds with one, as the templates show them."""
    by_label = {v[i]: k for k, v in LABELS.items()}
    for col in ws.iter_cols(min_row=1, max_row=ws.max_row):
        label = str(col[0].value or "")
        key = by_label.get(label.split(" (")[0], by_label.get(label))
        fmt = ("0.0%" if key in RATE_KEYS else "#,##0.00" if key in MONEY_KEYS
               else "0.0" if key in SECOND_KEYS else None)
        if fmt:
            for cell in col[1:]:
                cell.number_format = fmt
