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

__all__ = ["generate_sample_data", "write_sample_data"]
