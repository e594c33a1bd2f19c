"""The benchmark's appraisal workbook: its layout, and a deterministic builder.

One scheme sheet (shop AOV, six band tables, a weights row, the bonus limits) and
one appraisal sheet (a row per agent: raw inputs, metric formulas, band points,
weighted total, bonus, rank).  Only plain Excel functions are used, so that
LibreOffice computes the same workbook and can stand as the reference.

The first three agents are DOMAIN.md's worked example (agents A, B, C of the
composite customer-service model, shop AOV 66.3, weights as published, 95 %):
their totals are known by hand (77.5, 74, 77.5), which lets a test check the
computed values against numbers from outside every contender.

The layout constants are shared with ``io_floor.py``, which reads the same
cells and computes the same results in numpy.
"""
from __future__ import annotations

import random
from pathlib import Path

SCHEME = "方案"
APPRAISAL = "考核"
SHOP_AOV = 66.3

# Band tables on the scheme sheet: (key, title, threshold column, points column,
# thresholds ascending, points).  LOOKUP/approximate VLOOKUP take the largest
# threshold <= value, i.e. lower bounds inclusive.  "Lower is better" response
# times are looked up negated, so that their upper bounds are inclusive as the
# scheme states them (ST <= 10 s -> 100).
BAND_FIRST_ROW = 6
BANDS = [
    ("conversion", "询单转化率", "A", "B",
     [0, 0.25, 0.28, 0.32, 0.35, 0.38, 0.41], [0, 50, 60, 70, 80, 90, 100]),
    ("payment_rate", "支付率", "D", "E",
     [0, 0.5, 0.6, 0.7, 0.8, 0.9], [0, 60, 70, 80, 90, 100]),
    ("aov_ratio", "落实客单价比", "G", "H",
     [0, 1.15, 1.17, 1.19, 1.21, 1.23], [0, 60, 70, 80, 90, 100]),
    ("first_response", "首次响应(秒, 取负)", "J", "K",
     [-99999, -30, -25, -20, -15, -10], [0, 60, 70, 80, 90, 100]),
    ("avg_response", "平均响应(秒, 取负)", "M", "N",
     [-99999, -40, -35, -30, -25, -20], [0, 60, 70, 80, 90, 100]),
    ("returns", "月退货量", "P", "Q",
     [0, 3, 10, 20], [100, 80, 60, 0]),
]
# DOMAIN.md's composite model, weights as published (they add up to 95 %).
WEIGHTS = [0.30, 0.25, 0.20, 0.10, 0.05, 0.05]
WEIGHTS_ROW = 15
WEIGHT_COLS = ["B", "C", "D", "E", "F", "G"]
FULL_BONUS_ROW, NO_BONUS_ROW = 17, 18
FULL_BONUS_AT, NO_BONUS_BELOW = 90, 70

FIRST_AGENT_ROW = 4
INPUT_COLS = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"]
INPUT_NAMES = ["id", "name", "inquiries", "buyers", "orders", "paid_orders", "sales",
               "first_response_s", "avg_response_s", "returns", "bonus_base"]
# Every formula column, in order; these are what the contenders compute and the
# benchmark compares.
COMPUTED_COLS = ["L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X"]
COMPUTED_NAMES = ["conversion", "payment_rate", "aov", "aov_ratio",
                  "pts_conversion", "pts_payment", "pts_aov", "pts_first", "pts_avg",
                  "pts_returns", "total", "bonus", "rank"]
# The team line under the agents: total sales, mean score, bonus paid.
SUMMARY_COLS = {"G": "team_sales", "V": "mean_total", "W": "bonus_paid"}

HEADERS = ["工号", "姓名", "询单人数", "成交人数", "下单笔数", "付款笔数", "销售额",
           "首次响应(秒)", "平均响应(秒)", "退货量", "奖金基数",
           "询单转化率", "支付率", "客单价", "落实客单价比",
           "转化得分", "支付得分", "客单价得分", "首响得分", "平响得分", "退货得分",
           "总分", "奖金", "排名"]

DOMAIN_AGENTS = [
    # id, name, inquiries, buyers, orders, paid, sales, ST, PT, returns, bonus base
    ("A", "客服A", 275, 88, 240, 228, round(88 * 78.23, 2), 13, 21, 6, 2000),
    ("B", "客服B", 1455, 582, 325, 247, round(582 * 76.9, 2), 8, 19, 23, 2000),
    ("C", "客服C", 800, 232, 225, 198, round(232 * 82.8, 2), 16, 27, 0, 2000),
]
DOMAIN_TOTALS = {"A": 77.5, "B": 74.0, "C": 77.5}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉宇浩晨欣怡婷雪琳"


def last_agent_row(n_agents: int) -> int:
    return FIRST_AGENT_ROW + n_agents - 1


def summary_row(n_agents: int) -> int:
    return last_agent_row(n_agents) + 2


def agent_rows(n_agents: int, seed: int):
    """The raw inputs of ``n_agents`` agents: DOMAIN's three first, then seeded ones."""
    rng = random.Random(seed)
    rows = [list(a) for a in DOMAIN_AGENTS[:n_agents]]
    for i in range(len(rows), n_agents):
        if rng.random() < 0.02:
            # A new agent with no traffic yet: the IFERROR/IF guards must hold.
            inquiries = buyers = orders = paid = 0
            sales = 0
        else:
            inquiries = rng.randint(40, 1600)
            buyers = round(inquiries * rng.uniform(0.18, 0.47))
            orders = max(buyers, round(buyers * rng.uniform(1.0, 1.4)))
            paid = round(orders * rng.uniform(0.45, 1.0))
            sales = round(buyers * SHOP_AOV * rng.uniform(1.05, 1.32), 2)
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.6 else "")
        rows.append([f"K{i + 1:05d}", name, inquiries, buyers, orders, paid, sales,
                     rng.randint(4, 36), rng.randint(12, 46), rng.randint(0, 26),
                     rng.randrange(1500, 3100, 100)])
    return rows


#: How the band points are looked up: Excel's LOOKUP / approximate VLOOKUP, or the scheme's
#: own KPI_BAND over the same (threshold, points) rows (``kpi_band=True``).
BAND_FORMS = ("lookup", "kpi_band")


def agent_formulas(r: int, last: int, kpi_band: bool = False) -> list[str]:
    """The formula cells of appraisal row ``r`` (columns L..X).

    ``kpi_band`` gives the twin that scores the same band tables with
    ``KPI_BAND(value, table)`` (two columns: threshold, points; lower bounds
    inclusive, as LOOKUP takes them), so that its values equal the LOOKUP
    workbook's and the two can be timed against each other.
    """
    s = f"'{SCHEME}'!"

    def band(key):
        for k, _t, tc, pc, th, _p in BANDS:
            if k == key:
                a, b = BAND_FIRST_ROW, BAND_FIRST_ROW + len(th) - 1
                return tc, pc, a, b
        raise KeyError(key)

    def kpi(value, key):
        tc, pc, a, b = band(key)
        return f"KPI_BAND({value},{s}${tc}${a}:${pc}${b})"

    def lookup(value, key):
        if kpi_band:
            return kpi(value, key)
        tc, pc, a, b = band(key)
        return f"LOOKUP({value},{s}${tc}${a}:${tc}${b},{s}${pc}${a}:${pc}${b})"

    def vlookup(value, key):
        if kpi_band:
            return kpi(value, key)
        tc, pc, a, b = band(key)
        return f"VLOOKUP({value},{s}${tc}${a}:${pc}${b},2,TRUE)"

    w = f"{s}${WEIGHT_COLS[0]}${WEIGHTS_ROW}:${WEIGHT_COLS[-1]}${WEIGHTS_ROW}"
    return [
        f"=IFERROR(D{r}/C{r},0)",
        f"=IF(E{r}=0,0,F{r}/E{r})",
        f"=IF(D{r}=0,0,G{r}/D{r})",
        f"=N{r}/{s}$B$2",
        "=" + lookup(f"L{r}", "conversion"),
        "=" + vlookup(f"M{r}", "payment_rate"),
        "=" + lookup(f"O{r}", "aov_ratio"),
        "=" + lookup(f"-H{r}", "first_response"),
        "=" + vlookup(f"-I{r}", "avg_response"),
        "=" + vlookup(f"J{r}", "returns"),
        f"=ROUND(SUMPRODUCT(P{r}:U{r},{w}),2)",
        f"=IF(V{r}>={s}$B${FULL_BONUS_ROW},K{r},IF(V{r}<{s}$B${NO_BONUS_ROW},0,ROUND(K{r}*V{r}/100,2)))",
        f"=RANK(V{r},$V${FIRST_AGENT_ROW}:$V${last})",
    ]


def build_workbook(path, n_agents: int, seed: int, month: str = "2024-05",
                   kpi_band: bool = False) -> Path:
    """Write the appraisal workbook for ``n_agents`` agents to ``path`` (no cached values).

    ``kpi_band``: the KPI_BAND twin (see ``agent_formulas``), same inputs for the same seed.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sc = wb.active
    sc.title = SCHEME
    sc["A1"] = f"客服绩效考核方案 {month}"
    sc["A1"].font = Font(bold=True, size=14)
    sc["A2"], sc["B2"] = "店铺客单价", SHOP_AOV
    sc["C2"] = "元"
    for _k, title, tc, pc, thresholds, points in BANDS:
        sc[f"{tc}{BAND_FIRST_ROW - 2}"] = title
        sc[f"{tc}{BAND_FIRST_ROW - 1}"], sc[f"{pc}{BAND_FIRST_ROW - 1}"] = "下限", "得分"
        for i, (t, p) in enumerate(zip(thresholds, points)):
            sc[f"{tc}{BAND_FIRST_ROW + i}"] = t
            sc[f"{pc}{BAND_FIRST_ROW + i}"] = p
    sc[f"A{WEIGHTS_ROW - 1}"] = "权重"
    for col, (_k, title, *_rest) in zip(WEIGHT_COLS, BANDS):
        sc[f"{col}{WEIGHTS_ROW - 1}"] = title
    sc[f"A{WEIGHTS_ROW}"] = "权重"
    for col, weight in zip(WEIGHT_COLS, WEIGHTS):
        sc[f"{col}{WEIGHTS_ROW}"] = weight
        sc[f"{col}{WEIGHTS_ROW}"].number_format = "0%"
    sc[f"H{WEIGHTS_ROW - 1}"] = "合计"
    sc[f"H{WEIGHTS_ROW}"] = f"=SUM({WEIGHT_COLS[0]}{WEIGHTS_ROW}:{WEIGHT_COLS[-1]}{WEIGHTS_ROW})"
    sc[f"H{WEIGHTS_ROW}"].number_format = "0%"
    sc[f"A{FULL_BONUS_ROW}"], sc[f"B{FULL_BONUS_ROW}"] = "满额奖金分数线", FULL_BONUS_AT
    sc[f"A{NO_BONUS_ROW}"], sc[f"B{NO_BONUS_ROW}"] = "无奖金分数线(低于)", NO_BONUS_BELOW

    ap = wb.create_sheet(APPRAISAL)
    ap["A1"] = f"客服月度考核 {month}"
    ap["A1"].font = Font(bold=True, size=14)
    for c, h in enumerate(HEADERS, start=1):
        ap.cell(row=FIRST_AGENT_ROW - 1, column=c, value=h).font = Font(bold=True)
    last = last_agent_row(n_agents)
    for i, inputs in enumerate(agent_rows(n_agents, seed)):
        r = FIRST_AGENT_ROW + i
        for c, v in enumerate(inputs + agent_formulas(r, last, kpi_band), start=1):
            cell = ap.cell(row=r, column=c, value=v)
            if c in (12, 13):
                cell.number_format = "0.0%"
            elif c in (14, 15):
                cell.number_format = "0.00"
    sr = summary_row(n_agents)
    ap[f"A{sr}"] = "合计/平均"
    ap[f"G{sr}"] = f"=SUM(G{FIRST_AGENT_ROW}:G{last})"
    ap[f"V{sr}"] = f"=AVERAGE(V{FIRST_AGENT_ROW}:V{last})"
    ap[f"W{sr}"] = f"=SUM(W{FIRST_AGENT_ROW}:W{last})"
    ap.freeze_panes = f"C{FIRST_AGENT_ROW}"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
