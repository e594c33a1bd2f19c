"""Chat messages and orders at scale, with the answers known by construction.

Every reception is four messages: a buyer message, the agent's reply after ``d1`` seconds,
a second buyer message and a reply after ``d2`` seconds; each buyer is received once, by
one agent, so the expected receptions and response times follow from the drawn numbers.
Some receptions end in an order one hour later (credited to that agent); the other orders
come from buyers nobody received (silent).  A share of receptions is spam: both buyer
messages carry a link, so the buyer-day is left out.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

TEXTS = np.array(["在吗", "有货吗", "能便宜点吗", "什么时候发货", "尺码怎么选", "包邮吗"], dtype=object)
REPLIES = np.array(["在的亲", "有货", "已经是最低价了", "48小时内发货", "按身高选", "包邮"],
                   dtype=object)
AD = np.array(["加微信领券 http://t.cn/x"], dtype=object)


def generate(receptions: int = 2_500_000, orders: int = 1_000_000, shops: int = 20,
             agents_per_shop: int = 25, spam_share: float = 0.01, seed: int = 7):
    """(messages, orders, expected) — canonical frames and the per-agent answers."""
    rng = np.random.default_rng(seed)
    n = receptions
    shop = rng.integers(0, shops, n)
    agent = shop * agents_per_shop + rng.integers(0, agents_per_shop, n)
    day = np.datetime64("2025-10-01") + rng.integers(0, 31, n).astype("timedelta64[D]")
    start = day.astype("datetime64[s]") + rng.integers(9 * 3600, 20 * 3600, n).astype("timedelta64[s]")
    d1 = rng.integers(1, 120, n)
    gap = rng.integers(30, 600, n)
    d2 = rng.integers(1, 120, n)
    spam = rng.random(n) < spam_share
    times = np.stack([start, start + d1.astype("timedelta64[s]"),
                      start + (d1 + gap).astype("timedelta64[s]"),
                      start + (d1 + gap + d2).astype("timedelta64[s]")], axis=1).ravel()
    shop_names = np.array([f"shop{i:02d}" for i in range(shops)], dtype=object)
    agent_names = np.array([f"agent{i:04d}" for i in range(shops * agents_per_shop)], dtype=object)
    buyer_names = np.array([f"b{i:08d}" for i in range(n + orders)], dtype=object)
    buyer_text = np.where(spam[:, None], AD[0], TEXTS[rng.integers(0, len(TEXTS), (n, 2))])
    text = np.empty((n, 4), dtype=object)
    text[:, 0], text[:, 2] = buyer_text[:, 0], buyer_text[:, 1]
    text[:, 1], text[:, 3] = REPLIES[rng.integers(0, len(REPLIES), n)], REPLIES[0]
    messages = pd.DataFrame({
        "shop": np.repeat(shop_names[shop], 4), "time": times.astype("datetime64[ns]"),
        "buyer": np.repeat(buyer_names[:n], 4), "agent": np.repeat(agent_names[agent], 4),
        "is_buyer": np.tile([True, False, True, False], n), "text": text.ravel(),
    })

    # Orders: the first receptions that are not spam order an hour after they began.
    real = np.flatnonzero(~spam)
    credited_n = min(int(orders * 0.9), len(real))
    silent_n = orders - credited_n
    rec = real[:credited_n]
    amount = np.round(rng.uniform(20, 500, orders), 2)
    refund = np.where(rng.random(orders) < 0.05, np.round(amount * 0.5, 2), 0.0)
    created = np.empty(orders, dtype="datetime64[s]")
    created[:credited_n] = start[rec] + np.timedelta64(3600, "s")
    sday = np.datetime64("2025-10-01") + rng.integers(0, 31, silent_n).astype("timedelta64[D]")
    created[credited_n:] = sday.astype("datetime64[s]") + rng.integers(0, 86400, silent_n).astype(
        "timedelta64[s]")
    oshop = np.r_[shop[rec], rng.integers(0, shops, silent_n)]
    obuyer = np.r_[buyer_names[rec], buyer_names[n:n + silent_n]]
    order_frame = pd.DataFrame({
        "shop": shop_names[oshop], "order_id": np.array([f"o{i:09d}" for i in range(orders)],
                                                        dtype=object),
        "buyer": obuyer, "created": created.astype("datetime64[ns]"),
        "paid": (created + np.timedelta64(300, "s")).astype("datetime64[ns]"),
        "paid_amount": amount, "refund_amount": refund,
    })

    # The answers, from the drawn numbers alone.
    keep = ~spam
    per_agent = pd.DataFrame({"agent": agent_names[agent[keep]], "buyer": buyer_names[:n][keep],
                              "d1": d1[keep], "d2": d2[keep]})
    g = per_agent.groupby("agent")
    # Inquiries: the agent's distinct buyers, each received before any order of theirs (a
    # buyer's one order comes an hour after the reception opens, the same day).
    expected = pd.DataFrame({"receptions": g.size(), "inquiries": g["buyer"].nunique(),
                             "first_response_s": g["d1"].mean(),
                             "avg_response_s": (g["d1"].sum() + g["d2"].sum()) / (2 * g.size())})
    net = amount[:credited_n] - refund[:credited_n]
    sales = pd.Series(net).groupby(agent_names[agent[rec]]).sum()
    expected["sales"] = sales.reindex(expected.index).fillna(0.0).round(2)
    expected["buyers"] = pd.Series(1, index=agent_names[agent[rec]]).groupby(level=0).sum() \
        .reindex(expected.index).fillna(0).astype(int)
    expected.attrs.update(spam_days=int(spam.sum()), silent_orders=silent_n,
                          silent_sales=round(float((amount[credited_n:] - refund[credited_n:]).sum()), 2))
    return messages, order_frame, expected
