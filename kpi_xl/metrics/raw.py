"""Agent metrics from raw detail: chat messages and orders, under named rules.

Everything is computed on whole columns (numpy sorts, ``merge_asof`` joins): no Python
loop runs over messages or orders, so a month of a large shop (ten million messages,
a million orders) fits in a minute and a few GB.

Definitions (the rules' settings are in :mod:`kpi_xl.metrics.rules`):

- a *buyer-day* is a shop × buyer × calendar day; it is spam when every buyer message of
  it matches an ad pattern and the buyer placed or paid no paid order that day, or the
  buyer is on the block list.  Its messages are left out
  of everything and it is listed.
- a *reception* (接待) is an agent × buyer × day with at least one buyer message to that
  agent; it is *answered* when the agent replied after a buyer message that day.
- a *response interval* runs from the first buyer message of a run of buyer messages to
  the agent's next message that day; the first response of a reception is its first
  interval, the average response the mean of all intervals.
- an order is credited (落实) to the agent of the window (the hours before the order,
  both ends included) picked by ``credit``; the other agents of the window count its buyer
  as 协助下单; agents the buyer wrote to after the order and up to payment, outside the
  window, count 协助跟进; an order with no agent in the window is silent (静默).
- an *inquiry* (询单) is a reception with no order of the buyer in the window before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import MetricsError
from .rules import Rules, excluded_span
from .tables import (
    MISSING_MARKS,
    RowNumbers,
    bad_rows_sentence,
    header_names,
    long_numbers,
    match_columns,
    read_any,
    row_numbers,
)
from .times import Clock, read_times, zone_name

MESSAGE_ALIASES = {
    "time": ("时间", "发送时间", "消息时间", "聊天时间", "timestamp", "datetime", "sent at"),
    "buyer": ("买家", "买家昵称", "买家旺旺", "顾客", "客户", "customer", "buyer nick"),
    "agent": ("客服", "客服昵称", "客服旺旺", "子账号", "客服账号", "agent name"),
    "sender": ("发送方", "发送者", "发言方", "角色", "from", "role"),
    "text": ("内容", "消息内容", "聊天内容", "消息", "message", "content"),
    "shop": ("店铺", "店铺名称", "shop name", "store"),
    "date": ("日期", "聊天日期", "消息日期", "date"),
}
ORDER_ALIASES = {
    "order_id": ("订单号", "订单编号", "订单id", "主订单编号", "order id", "order"),
    "buyer": ("买家", "买家昵称", "买家会员名", "买家旺旺", "顾客", "customer"),
    "created": ("下单时间", "创建时间", "订单创建时间", "order time", "created at"),
    "paid": ("付款时间", "支付时间", "订单付款时间", "payment time", "paid at"),
    "paid_amount": ("实付金额", "买家实际支付金额", "实付款", "支付金额", "paid amount", "amount"),
    "refund_amount": ("退款金额", "退款", "refund", "refund amount"),
    "shop": ("店铺", "店铺名称", "shop name", "store"),
}
BUYER_SENDERS = {"buyer", "买家", "顾客", "客户", "customer", "b"}
AGENT_SENDERS = {"agent", "客服", "卖家", "seller", "staff", "a"}
MESSAGE_REQUIRED = ("time", "buyer", "agent", "sender")
ORDER_REQUIRED = ("order_id", "buyer", "created", "paid", "paid_amount")


def looks_like_messages(columns) -> bool:
    return all(k in match_columns(columns, MESSAGE_ALIASES) for k in MESSAGE_REQUIRED)


def looks_like_orders(columns) -> bool:
    return all(k in match_columns(columns, ORDER_ALIASES) for k in ORDER_REQUIRED)


def missing_headers(columns) -> str | None:
    """What a table of ``columns`` lacks to be read as chat messages or orders, when it has
    most of their headers (an orders export without its 下单时间, say): "orders, without a
    column of 下单时间 (or 创建时间, ...)".  None when it is near neither."""
    for kind, aliases, required in (("chat messages", MESSAGE_ALIASES, MESSAGE_REQUIRED),
                                    ("orders", ORDER_ALIASES, ORDER_REQUIRED)):
        missing = [k for k in required if k not in match_columns(columns, aliases)]
        if missing and len(missing) * 2 < len(required):
            said = "; ".join(f"{aliases[k][0]} (or {', '.join(aliases[k][1:])})"
                             for k in missing)
            return f"{kind}, without a column of {said}"
    return None


def _date_and_time(df: pd.DataFrame, cols: dict) -> tuple[pd.Series, str]:
    """The message time column, with the 日期 column's date put before each time that has
    no date of its own (exports that write the date and the time in two columns)."""
    time = df[cols["time"]].astype(str).str.strip()
    if "date" not in cols:
        return time, cols["time"]
    # An Excel date cell reads as '2025-10-01 00:00:00': its midnight is no time of its own.
    date = df[cols["date"]].astype(str).str.strip().str.replace(r"[ T]00:00:00$", "", regex=True)
    bare = time.str.fullmatch(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?")
    has_date = ~date.str.lower().isin(MISSING_MARKS)
    both = bare & has_date
    return time.where(~both, date + " " + time), f"{cols['date']} + {cols['time']}"


def _amounts(series: pd.Series, source: str, column: str, required_mask=None,
             rows: RowNumbers | None = None) -> pd.Series:
    """The column's amounts of money; ``rows`` gives the file's row of each value."""
    rows = rows or RowNumbers()
    text = series.astype(str).str.strip()
    missing = text.str.lower().isin(MISSING_MARKS)
    clean = text.str.replace(r"[,，¥￥元\s]", "", regex=True)
    value = pd.to_numeric(clean.where(~missing), errors="coerce")
    bad = (value.isna() & ~missing) | (value < 0)
    if bad.any():
        idx = np.flatnonzero(bad.to_numpy())
        raise MetricsError(bad_rows_sentence(source, column, rows(idx), text.iloc[idx],
                                             "an amount of money of 0 or more"))
    if required_mask is not None:
        gap = missing & required_mask
        if gap.any():
            idx = np.flatnonzero(gap.to_numpy())
            raise MetricsError(f"{source}, column {column!r}: row(s) "
                               f"{', '.join(map(str, rows(idx[:5])))} have a payment time "
                               "but no paid amount; a paid order's amount cannot be guessed.")
    return value.astype(float)


def prepare_messages(df: pd.DataFrame, source: str = "the messages",
                     clock: Clock | None = None) -> pd.DataFrame:
    """Canonical message columns: shop, time, buyer, agent, is_buyer, text (the times read
    as ``clock`` tells, see :func:`~kpi_xl.metrics.times.read_times`)."""
    cols = match_columns(df.columns, MESSAGE_ALIASES)
    missing = [k for k in MESSAGE_REQUIRED if k not in cols]
    if missing:
        raise MetricsError(f"{source}: the chat messages need the column(s) "
                           f"{', '.join(missing)} (e.g. {', '.join(MESSAGE_ALIASES[k][0] for k in missing)}).")
    rows = row_numbers(df)
    sender = df[cols["sender"]].astype(str).str.strip().str.lower()
    is_buyer = sender.isin(BUYER_SENDERS)
    unknown = ~is_buyer & ~sender.isin(AGENT_SENDERS)
    if unknown.any():
        idx = np.flatnonzero(unknown.to_numpy())
        raise MetricsError(bad_rows_sentence(source, cols["sender"], rows(idx),
                                             df[cols["sender"]].iloc[idx],
                                             "a sender we know (买家/buyer or 客服/agent)"))
    when, when_column = _date_and_time(df, cols)
    time, zone = read_times(when, source, when_column, True, rows=rows, clock=clock)
    out = pd.DataFrame({
        "shop": df[cols["shop"]].astype(str).str.strip() if "shop" in cols else "",
        "time": time,
        "buyer": df[cols["buyer"]].astype(str).str.strip(),
        "agent": df[cols["agent"]].astype(str).str.strip(),
        "is_buyer": is_buyer.to_numpy(),
        "text": df[cols["text"]].astype(str) if "text" in cols else "",
    })
    for key in ("buyer", "agent"):
        blank = out[key].str.lower().isin(MISSING_MARKS)
        if blank.any():
            idx = np.flatnonzero(blank.to_numpy())
            raise MetricsError(f"{source}, column {cols[key]!r}: row(s) "
                               f"{', '.join(map(str, rows(idx[:5])))} have no {key}.")
    out.attrs["zones"] = {when_column: zone} if zone is not None else {}
    out.attrs["rows"] = rows
    return out


def _refuse_lost_digits(df: pd.DataFrame, column: str, source: str) -> None:
    """Refuse order numbers a spreadsheet stored as numbers: Excel keeps 15 significant
    digits, so an 18- or 19-digit order number comes out as 2.56322E+18 in a CSV, or as a
    number cell of an .xlsx (3851234567890123456 kept as 3851234567890123000), its last
    digits gone for good; orders could not be told apart or matched with the chats."""
    ids = df[column].astype(str).str.strip()
    lost = np.array(ids.str.fullmatch(r"[+-]?\d+(?:\.\d*)?[eE]\+?\d+"), dtype=bool)
    lost[long_numbers(df, column)] = True
    if not lost.any():
        return
    idx = np.flatnonzero(lost)
    # A number cell is shown as the spreadsheet shows it (3.85123456789012E+18).
    shown = [ids.iloc[i] if "e" in ids.iloc[i].lower() else f"{float(ids.iloc[i]):.15G}"
             for i in idx[:3]]
    named = df.attrs.get("sheet")
    sheet = f", sheet {named!r}" if named is not None and f"sheet {named!r}" not in source else ""
    raise MetricsError(
        f"{source}{sheet}, column {column!r}: "
        + ", ".join(f"row {r} ({v!r})" for r, v in zip(row_numbers(df)(idx), shown))
        + (f" and {len(idx) - 3} more" if len(idx) > 3 else "")
        + (" is an order number stored as a number, whose" if len(idx) == 1 else
           " are order numbers stored as numbers, whose")
        + " last digits were lost (a spreadsheet keeps 15 digits of a number), so orders "
          "cannot be told apart or matched. Export the orders again with the order number "
          "as text (or as CSV opened without Excel).")


def prepare_orders(df: pd.DataFrame, source: str = "the orders",
                   clock: Clock | None = None) -> pd.DataFrame:
    """Canonical order columns: shop, order_id, buyer, created, paid, paid_amount, refund_amount.

    A blank refund amount means no refund, as the platforms export it; a paid order without
    a paid amount stops the run (its money cannot be guessed).
    """
    cols = match_columns(df.columns, ORDER_ALIASES)
    missing = [k for k in ORDER_REQUIRED if k not in cols]
    if missing:
        raise MetricsError(f"{source}: the orders need the column(s) {', '.join(missing)} "
                           f"(e.g. {', '.join(ORDER_ALIASES[k][0] for k in missing)}).")
    _refuse_lost_digits(df, cols["order_id"], source)
    rows = row_numbers(df)
    created, created_zone = read_times(df[cols["created"]], source, cols["created"], True,
                                       rows=rows, clock=clock)
    paid, paid_zone = read_times(df[cols["paid"]], source, cols["paid"], False,
                                 rows=rows, clock=clock)
    early = paid.notna() & (paid < created)
    if early.any():
        idx = np.flatnonzero(early.to_numpy())
        raise MetricsError(f"{source}, column {cols['paid']!r}: row(s) "
                           f"{', '.join(map(str, rows(idx[:5])))} are paid before they "
                           "were created.")
    amount = _amounts(df[cols["paid_amount"]], source, cols["paid_amount"], paid.notna(), rows)
    refund = (_amounts(df[cols["refund_amount"]], source, cols["refund_amount"],
                       rows=rows).fillna(0.0)
              if "refund_amount" in cols else pd.Series(0.0, index=df.index))
    over = (refund > amount.fillna(0) + 1e-9).to_numpy()
    if over.any():
        idx = np.flatnonzero(over)
        raise MetricsError(f"{source}, column {cols.get('refund_amount')!r}: row(s) "
                           f"{', '.join(map(str, rows(idx[:5])))} refund more than was paid.")
    out = pd.DataFrame({
        "shop": df[cols["shop"]].astype(str).str.strip() if "shop" in cols else "",
        "order_id": df[cols["order_id"]].astype(str).str.strip(),
        "buyer": df[cols["buyer"]].astype(str).str.strip(),
        "created": created, "paid": paid,
        "paid_amount": amount.where(paid.notna()), "refund_amount": refund,
    })
    dup = out.duplicated(["shop", "order_id"], keep=False)
    if dup.any():
        idx = np.flatnonzero(dup.to_numpy())
        raise MetricsError(f"{source}, column {cols['order_id']!r}: order "
                           f"{out['order_id'].iloc[idx[0]]!r} appears more than once (rows "
                           f"{', '.join(map(str, rows(idx[:5])))}).")
    out.attrs["zones"] = {c: z for c, z in ((cols["created"], created_zone),
                                            (cols["paid"], paid_zone)) if z is not None}
    out.attrs["rows"] = rows
    return out


def check_zones(zones) -> None:
    """Refuse time columns that give different UTC offsets: ``zones`` holds (file, column,
    minutes east of UTC).  Each column's times are read as the wall-clock time of its own
    offset, so two offsets would put one moment at two times."""
    seen = sorted({z for _, _, z in zones})
    if len(seen) > 1:
        where = "; ".join(f"{source}, column {column!r}: {zone_name(z)}"
                          for source, column, z in zones)
        raise MetricsError(f"The files give their times in different time zones ({where}); "
                           "chats and orders must be read on one clock. Export them in one "
                           "time zone, or give the shop's offset with --utc-offset (such as "
                           "--utc-offset +08:00).")


def read_messages(path) -> pd.DataFrame:
    return prepare_messages(read_any(path, header_names(MESSAGE_ALIASES)), str(path))


def read_orders(path) -> pd.DataFrame:
    return prepare_orders(read_any(path, header_names(ORDER_ALIASES)), str(path))


@dataclass
class RawMetrics:
    """What :func:`compute_raw` returns: DataFrames for the agents, orders and spam."""

    agents: pd.DataFrame            # one row per shop × month × agent
    shops: pd.DataFrame             # one row per shop × month: shop AOV, silent AOV
    orders: pd.DataFrame            # one row per order: credited agent, assists, silent, why
    spam: pd.DataFrame              # excluded buyer-days
    rules: Rules = field(default_factory=Rules)


def _month(ts) -> np.ndarray:
    """'YYYY-MM' of each time, formatting each distinct month once."""
    months = np.asarray(ts, dtype="datetime64[ns]").astype("datetime64[M]")
    codes, uniques = pd.factorize(months.astype(np.int64))
    labels = np.datetime_as_string(uniques.astype("datetime64[M]"), unit="M").astype(object)
    return labels[codes]


def _ad_match(text: pd.Series, patterns) -> np.ndarray:
    if not patterns or len(text) == 0:
        return np.zeros(len(text), dtype=bool)
    # Chats repeat their texts a great deal; each distinct text is matched once.
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    regex = "|".join(f"(?:{p})" for p in patterns)
    hit = pd.Series(uniques).astype(str).str.contains(regex, regex=True, case=False).to_numpy()
    return hit[codes]


def compute_raw(messages: pd.DataFrame, orders: pd.DataFrame, rules: Rules | None = None,
                month: str | None = None) -> RawMetrics:
    """Agent metrics of every shop and month (or of ``month``, 'YYYY-MM') from raw detail.

    ``messages`` and ``orders`` are DataFrames with the canonical columns of
    :func:`prepare_messages` and :func:`prepare_orders` (either may be empty).
    """
    rules = rules or Rules()
    W = np.timedelta64(rules.window_seconds, "s")
    m = messages.reset_index(drop=True)
    o = orders.reset_index(drop=True)

    # Shared integer codes: shop × buyer keys must agree between messages and orders.
    # Ten million messages make every int64 temporary 80 MB: narrow types, freed early.
    shop_codes, shops = pd.factorize(pd.concat([m["shop"], o["shop"]], ignore_index=True))
    buyer_codes, buyers = pd.factorize(pd.concat([m["buyer"], o["buyer"]], ignore_index=True))
    nb = max(len(buyers), 1)
    sb = shop_codes.astype(np.int64) * nb + buyer_codes
    del shop_codes, buyer_codes
    sb_span = int(sb.max()) + 1 if len(sb) else 1
    m_sb, o_sb = sb[:len(m)], sb[len(m):].copy()
    agent_codes, agents = pd.factorize(m["agent"])
    agent_codes = agent_codes.astype(np.int32)
    na = max(len(agents), 1)
    t = m["time"].to_numpy("datetime64[ns]")
    is_buyer = m["is_buyer"].to_numpy(bool)

    # --- spam buyer-days -------------------------------------------------------------
    day_n = t.astype("datetime64[D]").astype(np.int64)
    day0 = day_n.min() if len(day_n) else 0
    day_n -= day0
    ndays = int(day_n.max()) + 1 if len(day_n) else 1
    bd_codes, bd_index = pd.factorize(m_sb * ndays + day_n)
    bd_codes = bd_codes.astype(np.int32)
    nbd = len(bd_index)
    buyer_msgs = np.bincount(bd_codes[is_buyer], minlength=nbd)
    ad = _ad_match(m["text"], rules.ad_patterns) if len(m) else np.zeros(0, bool)
    ad_msgs = np.bincount(bd_codes[is_buyer & ad], minlength=nbd)
    del ad
    spam_ads = (buyer_msgs > 0) & (ad_msgs == buyer_msgs)
    if spam_ads.any() and len(o):
        # A buyer-day that ends in a paid order of the shop (placed or paid that day) is a
        # customer, whatever its messages look like (a product link, a 淘口令 share).
        paid_o = o["paid"].notna().to_numpy()
        bought = []
        for col in ("created", "paid"):
            d = o[col].to_numpy("datetime64[ns]")[paid_o].astype("datetime64[D]").astype(
                np.int64) - day0
            ok = (d >= 0) & (d < ndays)
            bought.append(o_sb[paid_o][ok] * ndays + d[ok])
        spam_ads &= ~np.isin(np.asarray(bd_index), np.concatenate(bought))
    del bd_index
    blocked = np.zeros(nbd, bool)
    if rules.block_list:
        blocked_buyer = m["buyer"].isin(set(rules.block_list)).to_numpy()
        blocked = np.bincount(bd_codes[blocked_buyer], minlength=nbd) > 0
    spam_day = spam_ads | blocked
    keep = ~spam_day[bd_codes] if len(m) else np.zeros(0, bool)
    spam = _spam_table(m, bd_codes, spam_day, spam_ads, blocked, buyer_msgs, is_buyer)
    del bd_codes

    # --- conversations: agent × buyer × day, in time order (buyer first on a tie) ------
    conv_key = (agent_codes[keep].astype(np.int64) * sb_span + m_sb[keep]) * ndays + day_n[keep]
    del day_n, sb, m_sb, agent_codes
    t, is_buyer = t[keep], is_buyer[keep]
    order_idx = np.lexsort((~is_buyer, t, conv_key))
    # The agent and shop × buyer are recovered from the key, so they need no sorted copy.
    conv_key = conv_key[order_idx]
    t = t[order_idx]
    is_buyer = is_buyer[order_idx]
    del order_idx, keep
    day = (conv_key % ndays + day0).astype("datetime64[D]")
    m_sb_k = (conv_key // ndays) % sb_span
    ag = (conv_key // ndays // sb_span).astype(np.int32)
    n = len(t)
    new_conv = np.ones(n, bool)
    if n:
        new_conv[1:] = conv_key[1:] != conv_key[:-1]
    conv = (np.cumsum(new_conv) - 1).astype(np.int32)
    prev_buyer = np.zeros(n, bool)
    if n:
        prev_buyer[1:] = is_buyer[:-1]
    run_start = is_buyer & (new_conv | ~prev_buyer)
    del prev_buyer, conv_key
    agent_pos = np.where(~is_buyer, np.arange(n, dtype=np.int64), n)
    next_agent = np.minimum.accumulate(agent_pos[::-1])[::-1] if n else agent_pos
    del agent_pos, new_conv
    has_reply = run_start & (next_agent < n)
    has_reply[has_reply] = conv[next_agent[has_reply]] == conv[has_reply]
    starts = np.flatnonzero(has_reply)
    interval = (t[next_agent[starts]] - t[starts]).astype("timedelta64[ns]").astype(np.int64) / 1e9
    if rules.response_excluded_hours:
        lo, hi = excluded_span(rules.response_excluded_hours)
        sod = (t[starts] - t[starts].astype("datetime64[D]")).astype("timedelta64[s]").astype(np.int64)
        out_of_hours = (sod >= lo) | (sod < hi) if lo > hi else (sod >= lo) & (sod < hi)
        starts, interval = starts[~out_of_hours], interval[~out_of_hours]

    # One row per reception (conversation with a buyer message).
    nconv = int(conv[-1]) + 1 if n else 0
    # Buyer messages are in conversation order: the first of each conversation opens it.
    bpos = np.flatnonzero(is_buyer)
    bc = conv[bpos]
    opens = np.ones(len(bc), bool)
    opens[1:] = bc[1:] != bc[:-1]
    rec_conv, fb = bc[opens], bpos[opens]
    del bpos, bc, opens
    answered = np.bincount(conv[has_reply], minlength=nconv) > 0
    first_resp = np.full(nconv, np.nan)
    if len(starts):
        sc = conv[starts]
        firsts = np.r_[True, sc[1:] != sc[:-1]]
        first_resp[sc[firsts]] = interval[firsts]
    iv_sum = np.bincount(conv[starts], weights=interval, minlength=nconv)
    iv_n = np.bincount(conv[starts], minlength=nconv)
    rec = pd.DataFrame({
        "sb": m_sb_k[fb], "agent_code": ag[fb], "day": day[fb], "t0": t[fb],
        "answered": answered[rec_conv], "first_resp": first_resp[rec_conv],
        "iv_sum": iv_sum[rec_conv], "iv_n": iv_n[rec_conv],
    })
    del next_agent, has_reply, run_start, conv, day
    rec["month"] = _month(rec["day"])

    # --- orders: anchor, month, net sales ------------------------------------------
    oo = o.copy()
    oo["sb"] = o_sb
    oo["anchor"] = oo["created"]
    if rules.credit_time == "paid":
        oo["anchor"] = oo["paid"].fillna(oo["created"])
    oo["month"] = _month(oo["anchor"])
    refund = oo["refund_amount"].fillna(0.0) if rules.refunds == "subtract" else 0.0
    oo["net"] = (oo["paid_amount"] - refund).where(oo["paid"].notna())
    oo["oid"] = np.arange(len(oo))

    # Inquiry: a reception with no order of the buyer in the window before it.
    rec["inquiry"] = True
    if len(rec) and len(oo):
        r_sorted = rec[["sb", "t0"]].assign(rid=np.arange(len(rec))).sort_values("t0")
        prior = oo[["sb", "created"]].rename(columns={"created": "t0"}).assign(
            had_order=True).sort_values("t0")
        hit = pd.merge_asof(r_sorted, prior, on="t0", by="sb", direction="backward",
                            allow_exact_matches=False, tolerance=pd.Timedelta(W))
        rec.loc[hit["rid"].to_numpy()[hit["had_order"].notna().to_numpy()], "inquiry"] = False

    # --- attribution ------------------------------------------------------------------
    bm = pd.DataFrame({"pk": m_sb_k[is_buyer] * na + ag[is_buyer], "t": t[is_buyer]})
    pairs_src = pd.DataFrame({"sb": m_sb_k[is_buyer], "agent_code": ag[is_buyer]}).drop_duplicates()
    del t, is_buyer, m_sb_k, ag, starts, interval
    pairs = oo[["oid", "sb", "anchor", "created", "paid"]].merge(pairs_src, on="sb")
    pairs["pk"] = pairs["sb"].to_numpy() * na + pairs["agent_code"].to_numpy()
    bm = bm.sort_values("t")
    pairs = pairs.sort_values("anchor")
    tol = pd.Timedelta(W)
    last_in = pd.merge_asof(pairs, bm.rename(columns={"t": "last_in"}), left_on="anchor",
                            right_on="last_in", by="pk", direction="backward", tolerance=tol)
    pairs = last_in
    pairs["from"] = pairs["anchor"] - tol
    pairs = pairs.sort_values("from")
    pairs = pd.merge_asof(pairs, bm.rename(columns={"t": "first_in"}), left_on="from",
                          right_on="first_in", by="pk", direction="forward", tolerance=tol)
    follow_src = pairs[pairs["paid"].notna()].sort_values("paid")
    follow = pd.merge_asof(follow_src[["oid", "pk", "paid", "created"]],
                           bm.rename(columns={"t": "last_by_paid"}), left_on="paid",
                           right_on="last_by_paid", by="pk", direction="backward")
    pairs = pairs.merge(follow[["oid", "pk", "last_by_paid"]], on=["oid", "pk"], how="left")
    pairs["agent"] = np.asarray(agents, dtype=object)[pairs["agent_code"].to_numpy()] \
        if len(pairs) else pd.Series([], dtype=object)
    pairs["in_window"] = pairs["last_in"].notna()
    win = pairs[pairs["in_window"]]
    # Two agents at the very same second: the first by name is credited, so that every
    # rerun (and every Dask partitioning) credits the same agent.
    if rules.credit == "last":
        win = win.sort_values(["oid", "last_in", "agent"], ascending=[True, False, True])
    else:
        win = win.sort_values(["oid", "first_in", "agent"], ascending=[True, True, True])
    credited = win.drop_duplicates("oid")
    pairs = pairs.merge(credited[["oid", "agent"]].rename(columns={"agent": "credited_agent"}),
                        on="oid", how="left")
    pairs["role"] = np.select(
        [pairs["in_window"] & (pairs["agent"] == pairs["credited_agent"]),
         pairs["in_window"],
         pairs["last_by_paid"].notna() & (pairs["last_by_paid"] > pairs["created"])],
        ["credited", "assist_order", "assist_follow"], "")
    roles = pairs[pairs["role"] != ""][["oid", "agent", "agent_code", "role", "last_in",
                                        "first_in", "last_by_paid"]]

    order_table = _order_table(oo, roles, rules)
    agent_table = _agent_table(rec, oo, roles, agents, shops, buyers, nb, rules)
    shop_table = add_silent(_shop_table(oo), order_table)
    if month:
        agent_table = agent_table[agent_table["month"] == month]
        order_table = order_table[order_table["month"] == month]
        shop_table = shop_table[shop_table["month"] == month]
        spam = spam[spam["day"].str.startswith(month)]
    for table in (agent_table, shop_table):
        # An empty part (a Dask partition without messages) must still join on text keys.
        table["shop"] = table["shop"].astype(object)
        table["month"] = table["month"].astype(object)
    agent_table = agent_table.merge(shop_table, on=["shop", "month"], how="left")
    return RawMetrics(agent_table.reset_index(drop=True), shop_table.reset_index(drop=True),
                      order_table.reset_index(drop=True), spam.reset_index(drop=True), rules)


def _spam_table(m, bd_codes, spam_day, spam_ads, blocked, buyer_msgs, is_buyer) -> pd.DataFrame:
    idx = np.flatnonzero(spam_day)
    cols = ["shop", "buyer", "day", "reason", "reason_zh", "buyer_messages", "example"]
    if not len(idx):
        return pd.DataFrame(columns=cols)
    sel = spam_day[bd_codes] & is_buyer
    first = pd.DataFrame({"bd": bd_codes[sel], "row": np.flatnonzero(sel)}).drop_duplicates("bd")
    rows = first["row"].to_numpy()
    bd = first["bd"].to_numpy()
    out = pd.DataFrame({
        "shop": m["shop"].iloc[rows].to_numpy(object), "buyer": m["buyer"].iloc[rows].to_numpy(object),
        "day": np.datetime_as_string(m["time"].to_numpy("datetime64[ns]")[rows], unit="D"),
        "reason": np.where(blocked[bd], "block list", "every buyer message matches an ad pattern"),
        "reason_zh": np.where(blocked[bd], "屏蔽名单", "买家消息全部符合广告规则"),
        "buyer_messages": buyer_msgs[bd],
        "example": m["text"].iloc[rows].to_numpy(object),
    })
    return out.sort_values(["shop", "day", "buyer"]).reset_index(drop=True)[cols]


def _joined(roles: pd.DataFrame, role: str, n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    sub = roles[roles["role"] == role].sort_values(["oid", "agent"])
    if len(sub):
        joined = sub.groupby("oid", sort=False)["agent"].agg(", ".join)
        out[joined.index.to_numpy()] = joined.to_numpy()
    return out


def _order_table(oo: pd.DataFrame, roles: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    n = len(oo)
    cred = roles[roles["role"] == "credited"].set_index("oid")
    credited = np.full(n, "", dtype=object)
    credited[cred.index.to_numpy()] = cred["agent"].to_numpy()
    seen = np.full(n, np.datetime64("NaT", "ns"))
    when = cred["last_in"] if rules.credit == "last" else cred["first_in"]
    seen[cred.index.to_numpy()] = when.to_numpy("datetime64[ns]")
    assist = _joined(roles, "assist_order", n)
    follow = _joined(roles, "assist_follow", n)
    silent = credited == ""
    hours = f"{rules.attribution_window_hours:g} h"
    which = "last" if rules.credit == "last" else "first"
    anchor = "order" if rules.credit_time == "created" else "payment"
    seen_text = np.full(n, "", dtype=object)
    if n:
        text = np.char.replace(np.datetime_as_string(seen.astype("datetime64[s]")), "T", " ")
        seen_text = np.where(np.isnat(seen), "", text).astype(object)
    why = np.where(
        silent, f"silent: no agent received the buyer in the {hours} before the {anchor}",
        f"the {which} agent to receive the buyer in the {hours} before the {anchor} ("
        + credited.astype(object) + " at " + seen_text + ")")
    why = np.where(assist != "", why + "; also in the window: " + assist, why)
    why = np.where(follow != "", why + "; wrote to after the order, before payment: " + follow,
                   why)
    # The same reasons for Chinese workbooks.
    hours_zh = f"{rules.attribution_window_hours:g} 小时"
    which_zh = "最后" if rules.credit == "last" else "最先"
    anchor_zh = "下单" if rules.credit_time == "created" else "付款"
    why_zh = np.where(
        silent, f"静默：{anchor_zh}前 {hours_zh}内无客服接待该买家",
        f"{anchor_zh}前 {hours_zh}内{which_zh}接待该买家的客服（" + credited.astype(object)
        + "，" + seen_text + "）")
    why_zh = np.where(assist != "", why_zh + "；窗口内协助下单：" + assist, why_zh)
    why_zh = np.where(follow != "", why_zh + "；下单后付款前协助跟进：" + follow, why_zh)
    return pd.DataFrame({
        "shop": oo["shop"].to_numpy(), "month": oo["month"].to_numpy(),
        "order_id": oo["order_id"].to_numpy(), "buyer": oo["buyer"].to_numpy(),
        "created": oo["created"].to_numpy(), "paid": oo["paid"].to_numpy(),
        "paid_amount": oo["paid_amount"].to_numpy(), "refund_amount": oo["refund_amount"].to_numpy(),
        "net_sales": oo["net"].to_numpy(), "credited_agent": credited,
        "assist_order": assist, "assist_follow": follow, "silent": silent, "why": why,
        "why_zh": why_zh,
    })


def _agent_table(rec, oo, roles, agents, shops, buyers, nb, rules) -> pd.DataFrame:
    agents = np.asarray(agents, dtype=object)
    shops = np.asarray(shops, dtype=object)
    key = ["shop_code", "agent_code", "month"]
    rec = rec.assign(shop_code=rec["sb"] // nb)
    g = rec.groupby(key, sort=False)
    out = pd.DataFrame({
        "receptions": g.size(),
        "answered": g["answered"].sum(),
        "first_response_n": g["first_resp"].count(),
        "first_response_sum": g["first_resp"].sum(),
        "response_n": g["iv_n"].sum(),
        "response_sum": g["iv_sum"].sum(),
    })
    # Roles of paid and unpaid orders, with their order's buyer, month and money.
    r = roles.merge(oo[["oid", "sb", "month", "paid", "net"]], on="oid")
    r["shop_code"] = r["sb"] // nb
    paid = r["paid"].notna()
    cred = r[r["role"] == "credited"]
    gc = cred.groupby(key, sort=False)
    out = out.join(pd.DataFrame({
        "orders": gc.size(),
        "paid_orders": gc["paid"].count(),
        "returns": cred[cred["paid"].notna()].merge(
            oo[["oid", "refund_amount"]], on="oid").query("refund_amount > 0").groupby(
            key, sort=False).size(),
        "sales": gc["net"].sum(min_count=1),
        "buyers": cred[cred["paid"].notna()].groupby(key, sort=False)["sb"].nunique(),
    }), how="outer")
    for role, name in (("assist_order", "assist_order_buyers"),
                       ("assist_follow", "assist_follow_buyers")):
        sub = r[(r["role"] == role) & paid]
        out = out.join(sub.groupby(key, sort=False)["sb"].nunique().rename(name), how="outer")

    # Inquiries: distinct buyers of the agent's inquiry receptions in the month, and the
    # buyers are of them (DOMAIN: buyers are the inquiries who paid), counted in the month
    # their sale is.  A paying buyer credited to the agent wrote to the agent in the window
    # before the order, so is an inquiry of the order's month, even when that chat came
    # after an earlier order (then no inquiry by itself) or fell in the month before; and a
    # chat of the month before that only led to the sale (in the window of it) is no
    # inquiry of that month too.  So buyers ≤ inquiries, and a conversion never passes 100 %.
    paid_cred = cred[cred["paid"].notna()]
    inq_rec = rec[rec["inquiry"]]
    if len(paid_cred) and len(inq_rec):
        W = np.timedelta64(rules.window_seconds, "s")
        led = inq_rec[["agent_code", "sb", "t0", "month"]].assign(_rid=np.arange(len(inq_rec)))
        sold = paid_cred[["agent_code", "sb", "oid", "month"]].merge(
            oo[["oid", "anchor"]], on="oid").rename(columns={"month": "_om"})
        x = led.merge(sold, on=["agent_code", "sb"])
        x = x[(x["t0"] <= x["anchor"]) & (x["t0"] >= x["anchor"] - W) & (x["month"] != x["_om"])]
        if len(x):
            gone = np.zeros(len(inq_rec), bool)
            gone[x["_rid"].to_numpy()] = True
            inq_rec = inq_rec[~gone]
    inq = pd.concat([inq_rec[key + ["sb"]], paid_cred[key + ["sb"]]]).drop_duplicates()
    if not rules.assists_in_inquiries:
        credited_pairs = cred[key + ["sb"]].drop_duplicates().assign(_c=True)
        # Only a buyer who paid is an assist (协助); a buyer whose order stayed unpaid is
        # still one of the agent's inquiries, as the assist count has it.
        assist_pairs = r[(r["role"] == "assist_order") & paid][key + ["sb"]].drop_duplicates()
        assist_only = assist_pairs.merge(credited_pairs, on=key + ["sb"], how="left")
        assist_only = assist_only[assist_only["_c"].isna()].drop(columns="_c").assign(_a=True)
        inq = inq.merge(assist_only, on=key + ["sb"], how="left")
        inq = inq[inq["_a"].isna()]
    out = out.join(inq.groupby(key, sort=False).size().rename("inquiries"), how="outer")

    counts = ["receptions", "answered", "inquiries", "orders", "paid_orders", "returns", "buyers",
              "assist_order_buyers", "assist_follow_buyers", "first_response_n", "response_n"]
    out[counts] = out[counts].fillna(0).astype(np.int64)
    # A count is 0 when nothing happened; a sales figure of an agent with no paid order is 0
    # too, but averages over nothing stay missing.
    out["sales"] = out["sales"].fillna(0.0).round(2)
    out["deals"] = out["paid_orders"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["reply_rate"] = out["answered"] / out["receptions"].where(out["receptions"] > 0)
        out["conversion"] = out["buyers"] / out["inquiries"].where(out["inquiries"] > 0)
        out["aov"] = out["sales"] / out["buyers"].where(out["buyers"] > 0)
        out["first_response_s"] = out["first_response_sum"] / out["first_response_n"].where(
            out["first_response_n"] > 0)
        out["avg_response_s"] = out["response_sum"] / out["response_n"].where(out["response_n"] > 0)
    out = out.reset_index()
    out.insert(0, "shop", shops[out["shop_code"].to_numpy()] if len(out) else [])
    out.insert(2, "agent", agents[out["agent_code"].to_numpy()] if len(out) else [])
    out = out.drop(columns=["shop_code", "agent_code", "first_response_sum", "response_sum"])
    cols = ["shop", "month", "agent", "receptions", "answered", "reply_rate", "inquiries",
            "buyers", "conversion", "orders", "paid_orders", "deals", "returns", "sales", "aov",
            "first_response_s", "first_response_n", "avg_response_s", "response_n",
            "assist_order_buyers", "assist_follow_buyers"]
    return out[cols].sort_values(["shop", "month", "agent"]).reset_index(drop=True)


def _shop_table(oo: pd.DataFrame) -> pd.DataFrame:
    paid = oo[oo["paid"].notna()]
    g = paid.groupby(["shop", "month"], sort=True)
    if not len(paid):
        return pd.DataFrame({"shop": pd.Series([], dtype=object),
                             "month": pd.Series([], dtype=object),
                             "shop_sales": pd.Series([], dtype=float),
                             "shop_buyers": pd.Series([], dtype=np.int64),
                             "shop_aov": pd.Series([], dtype=float)})
    out = pd.DataFrame({"shop_sales": g["net"].sum().round(2), "shop_buyers": g["sb"].nunique()})
    out["shop_aov"] = out["shop_sales"] / out["shop_buyers"]
    return out.reset_index()


def add_silent(shop_table: pd.DataFrame, order_table: pd.DataFrame) -> pd.DataFrame:
    """Silent orders' count, buyers, sales and AOV beside each shop-month."""
    paid = order_table[order_table["paid"].notna() & order_table["silent"]]
    g = paid.groupby(["shop", "month"])
    silent = pd.DataFrame({"silent_orders": g.size(), "silent_buyers": g["buyer"].nunique(),
                           "silent_sales": g["net_sales"].sum().round(2)}).reset_index()
    out = shop_table.merge(silent, on=["shop", "month"], how="left")
    out[["silent_orders", "silent_buyers"]] = out[["silent_orders", "silent_buyers"]].fillna(
        0).astype(np.int64)
    out["silent_sales"] = out["silent_sales"].fillna(0.0)
    out["silent_aov"] = out["silent_sales"] / out["silent_buyers"].where(out["silent_buyers"] > 0)
    return out
