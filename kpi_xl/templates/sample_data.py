"""A made-up but plausible data set of many shops, months and agents, for demos and tests.

Each agent has a lasting level (some convert well, some sell dear, some answer
slowly) and wanders a little from month to month, so rankings, quadrants and
trends have something to show.  The same seed always gives the same data.
"""
from __future__ import annotations

from pathlib import Path

from .errors import TemplateError
from .layout import Labels

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "静敏丽婷雪琳晨阳磊洋杰涛明超勇艳娟霞芳燕玲萍红波斌浩宇欣怡嘉佳悦璐瑶彤妍"


def _agent_names(rng, n: int, lang: str) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        if lang == "zh":
            name = rng.choice(list(_SURNAMES)) + "".join(
                rng.choice(list(_GIVEN), size=int(rng.integers(1, 3))))
        else:
            name = f"Agent {len(names) + 1:02d}"
        if name not in names:
            names.append(name)
    return names


def _months(n_months: int, start_year: int = 2025) -> list[str]:
    return [f"{start_year + (m // 12)}-{m % 12 + 1:02d}" for m in range(n_months)]


def generate_sample_data(n_shops: int = 50, n_months: int = 12, n_agents: int = 20, *,
                         template: str = "cs_composite", lang: str = "zh", seed: int = 2025):
    """A DataFrame of agent data, one row per shop, month and agent, headed in ``lang``.

    Columns are the template's group parameters (shop, month, …) and its inputs, so
    ``fill_template(..., by=("shop", "month"))`` takes it as it is.
    """
    import numpy as np
    import pandas as pd
    from . import get_template
    spec = get_template(template)
    maker = _MAKERS.get(template)
    if maker is None:
        raise TemplateError(f"There is no sample data generator for template {template!r}; "
                            f"there is one for {', '.join(_MAKERS)}.")
    t = Labels(lang)
    rng = np.random.default_rng(seed)
    records = []
    months = _months(n_months)
    for s in range(n_shops):
        shop = t(f"店铺{s + 1:02d}", f"Shop {s + 1:02d}")
        names = _agent_names(rng, n_agents, lang)
        shop_level = maker.shop(rng)
        agents = [maker.agent(rng) for _ in names]
        for m, month in enumerate(months):
            month_level = maker.month(rng, shop_level, m)
            for name, level in zip(names, agents):
                row = maker.row(rng, shop_level, month_level, level)
                records.append({"shop": shop, "month": month, "agent": name, **row})
    columns = {c.key: t(c.zh, c.en) for c in list(spec.params) + list(spec.inputs)}
    df = pd.DataFrame.from_records(records)
    order = [c for c in columns if c in df.columns]
    return df[order].rename(columns=columns)


def write_sample_data(path, **kwargs) -> Path:
    """Write :func:`generate_sample_data` to a CSV (UTF-8 with BOM, as Excel likes) or .xlsx."""
    df = generate_sample_data(**kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_month_export(path, n_shops: int = 50, n_months: int = 12, n_agents: int = 20, *,
                       lang: str = "zh", seed: int = 2025) -> dict:
    """An everyday platform export of the composite model's data, with the mistakes real
    exports carry, as an .xlsx file; returns what was planted, for checking the reports.

    Planted: a first sheet of notes and two title rows above the headers; columns the
    scheme does not use (备注, and 咨询人数, which is not 询单人数); months spelled four ways
    and as Excel dates within one shop and month; a 合计 row and a blank row after every
    shop's month; buyers above inquiries, paid orders above orders and returns above deals
    (one agent each); an agent listed twice; two shops whose names differ only by a space
    and an underscore; an agent name that is a formula.
    """
    import datetime as dt
    from openpyxl import Workbook
    if n_shops < 4 or n_months < 2 or n_agents < 3:
        raise TemplateError("The month export needs at least 4 shops, 2 months and 3 agents "
                            "to hold every planted mistake.")
    t = Labels(lang)
    df = generate_sample_data(n_shops, n_months, n_agents, lang=lang, seed=seed)
    cols = list(df.columns)
    shop_c, month_c, agent_c = cols[0], cols[1], cols[3]
    col = {key: t(zh, en) for key, zh, en in (
        ("inquiries", "询单人数", "Inquiries"), ("buyers", "成交人数", "Buyers"),
        ("orders", "下单笔数", "Orders"), ("paid", "付款笔数", "Paid orders"),
        ("returns", "退货量", "Returns"), ("deals", "成交笔数", "Deals"))}
    shops = sorted(df[shop_c].unique())
    months = sorted(df[month_c].unique())
    twins = {shops[2]: "天猫 旗舰店", shops[3]: "天猫_旗舰店"}
    planted = {"impossible": [], "duplicate": None, "formula": None, "twins": list(twins.values()),
               "groups": n_shops * n_months, "skipped": set(), "clean": df.copy()}
    df[shop_c] = df[shop_c].map(lambda s: twins.get(s, s))
    planted["clean"][shop_c] = df[shop_c]

    def where(shop, month, k):
        return df.index[(df[shop_c] == shop) & (df[month_c] == month)][k]

    s0, s1 = twins.get(shops[0], shops[0]), twins.get(shops[1], shops[1])
    i = where(s0, months[0], 0)
    df.loc[i, col["buyers"]] = int(df.loc[i, col["inquiries"]]) + 5
    planted["impossible"].append((col["buyers"], col["inquiries"]))
    i = where(s1, months[1], 1)
    df.loc[i, col["paid"]] = int(df.loc[i, col["orders"]]) + 3
    planted["impossible"].append((col["paid"], col["orders"]))
    i = where(s1, months[1], 2)
    df.loc[i, col["returns"]] = int(df.loc[i, col["deals"]]) + 1
    planted["impossible"].append((col["returns"], col["deals"]))
    planted["skipped"] |= {(s0, months[0]), (s1, months[1])}
    s2 = twins[shops[2]]
    dup = df.loc[[where(s2, months[0], 1)]]
    planted["duplicate"] = (s2, months[0], dup.iloc[0][agent_c])
    planted["skipped"].add((s2, months[0]))
    s3 = twins[shops[3]]
    i = where(s3, months[1], 2)
    formula = '=HYPERLINK("http://example.com/x","' + t("点我", "click") + '")'
    df.loc[i, agent_c] = formula
    planted["clean"].loc[i, agent_c] = formula
    planted["formula"] = formula

    wb = Workbook()
    notes = wb.active
    notes.title = t("说明", "Notes")
    notes["A1"] = t("客服绩效导出；数据在下一张表。", "Agent performance export; the data is on the next sheet.")
    ws = wb.create_sheet(t("客服绩效", "Performance"))
    ws.append([t("客服绩效明细", "Agent performance details")])
    ws.append([t("导出时间：", "Exported: ") + "2026-01-05 09:00"])
    extra = [t("备注", "Remarks"), "咨询人数"]
    ws.append(cols + extra)
    spellings = [lambda y, m: f"{y}-{m:02d}", lambda y, m: f"{y}/{m}/1",
                 lambda y, m: f"{y}年{m}月", lambda y, m: dt.datetime(y, m, 1)]
    for (shop, month), g in df.groupby([shop_c, month_c], sort=False):
        rows = list(g.itertuples(index=False))
        if (shop, month) == (s2, months[0]):
            rows.append(tuple(dup.iloc[0]))
        year, mon = int(month[:4]), int(month[5:7])
        for k, rec in enumerate(rows):
            rec = list(rec)
            rec[1] = spellings[k % len(spellings)](year, mon)
            ws.append(rec + ["", int(rec[cols.index(col["inquiries"])]) * 3])
        total = [shop, rows[0][1], None, t("合计", "Total")] + [
            sum(r[j] for r in rows) if isinstance(rows[0][j], (int, float)) else None
            for j in range(4, len(cols))]
        ws.append(total + ["", None])
        ws.append([])
    for row in ws.iter_rows(min_row=4):
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"  # the export holds the text, as platforms write it
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return planted


class _Composite:
    """Agent figures for the composite customer-service model."""

    @staticmethod
    def shop(rng):
        return {"aov": float(rng.uniform(50, 300)), "traffic": float(rng.uniform(0.6, 1.6))}

    @staticmethod
    def month(rng, shop, m):
        season = 1 + 0.25 * (m % 12 in (5, 10)) + 0.1 * float(rng.normal())
        return {"season": max(0.5, season)}

    @staticmethod
    def agent(rng):
        return {"conv": float(rng.normal(0.34, 0.05)), "pay": float(rng.normal(0.84, 0.06)),
                "ratio": float(rng.normal(1.18, 0.04)), "st": float(rng.normal(14, 5)),
                "pt": float(rng.normal(26, 6)), "ret": float(rng.uniform(0.0, 0.06)),
                "volume": float(rng.uniform(0.5, 1.5))}

    @staticmethod
    def row(rng, shop, month, a):
        inquiries = int(max(20, rng.normal(600, 120) * shop["traffic"] * month["season"]
                            * a["volume"]))
        conv = min(0.8, max(0.05, a["conv"] + rng.normal(0, 0.02)))
        buyers = int(round(inquiries * conv))
        orders = int(round(buyers * rng.uniform(1.0, 1.25)))
        pay = min(1.0, max(0.3, a["pay"] + rng.normal(0, 0.03)))
        paid = int(round(orders * pay))
        ratio = max(0.8, a["ratio"] + rng.normal(0, 0.02))
        sales = round(buyers * shop["aov"] * ratio, 2)
        returns = int(round(paid * max(0.0, a["ret"] + rng.normal(0, 0.005))))
        return {"shop_aov": round(shop["aov"], 2), "inquiries": inquiries, "buyers": buyers,
                "orders": orders, "paid_orders": paid, "sales": sales,
                "first_response_s": round(max(2.0, a["st"] + rng.normal(0, 2)), 1),
                "avg_response_s": round(max(5.0, a["pt"] + rng.normal(0, 3)), 1),
                "returns": returns, "deals": paid}


_MAKERS = {"cs_composite": _Composite}

__all__ = ["generate_sample_data", "write_sample_data", "write_month_export"]
