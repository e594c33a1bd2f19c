"""One shop, or one agent of a shop, written in more than one way in the files of a metrics
run ('S1' and 's1', full-width 'Ｓ１', 'Amy' and 'amy', a trailing zero-width space) is one,
as in `fill` and `summary` (kpi_xl.core.values.name_key).

Before, `metrics` matched the names as written: a shop's chats and orders under two
spellings did not meet (the orders were silent, no agent was credited), an agent's chats
split into two rows, a reply logged under another spelling left the reception unanswered,
one order in two files was not seen as given twice, and one agent-day of two platform
exports was added up twice — all with exit status 0.  Now every file's names are written
under one spelling (the spelling of the most rows, then the first met), the run names each
spelling with its files and rows and exits 1, and a repeated order or agent-day is refused
naming how each file wrote it.

Agent Amy, worked by hand: buyer b1 writes on 1 October at 10:00:00 and is answered at
10:00:30 (30 s), buyer b2 on 2 October at 10:00:00, answered at 10:00:20 (20 s); b1 pays 100
an hour later, b2 pays 60.  One agent-month: 2 receptions, 2 inquiries, 2 buyers, 2 orders,
sales 160, first response (30 + 20) ÷ 2 = 25 s, AOV and shop AOV 160 ÷ 2 = 80.
"""
from __future__ import annotations

import csv
import math

import pandas as pd
import pytest

from kpi_xl.cli import main
from kpi_xl.metrics import MetricsError, compute_metrics
from kpi_xl.metrics.commands import run_metrics
from test_trial_repeated_days import HEADER as QN_HEADER, OCT_1 as QN_OCT_1, OCT_2 as QN_OCT_2

MSG = ["时间", "买家", "客服", "发送方", "内容", "店铺"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额", "退款金额", "店铺"]
SAME = ("Names are compared ignoring case, full-width letters and spaces, so these are "
        "counted as one {what}, shown as {shown!r} (the spelling of the most rows, then of the "
        "first file); write the name one way in every file.")


def _csv(path, header, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows([header] + rows)
    return path


def _b1(agent="Amy", shop="S1", reply=None):
    return [["2025-10-01 10:00:00", "b1", agent, "买家", "在吗", shop],
            ["2025-10-01 10:00:30", "b1", reply or agent, "客服", "在的", shop]]


def _b2(agent="Amy", shop="S1"):
    return [["2025-10-02 10:00:00", "b2", agent, "买家", "有L码吗", shop],
            ["2025-10-02 10:00:20", "b2", agent, "客服", "有的", shop]]


def _orders(shop_1="S1", shop_2="S1"):
    return [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:00:05", "100", "", shop_1],
            ["o2", "b2", "2025-10-02 11:00:00", "2025-10-02 11:00:05", "60", "", shop_2]]


def _run(tmp_path, capsys, *args):
    """`kpi-xl metrics … -o m.xlsx --lang en`: (exit status, standard error, first sheet)."""
    out = tmp_path / "m.xlsx"
    capsys.readouterr()
    rc = main(["metrics", *map(str, args), "-o", str(out), "--lang", "en"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    sheet = pd.read_excel(out, sheet_name="Agent month") if out.exists() else None
    return rc, err, sheet


def _amy(sheet, agent="Amy", shop="S1"):
    """Amy's hand-worked month (see the module's docstring), as the only row of the sheet."""
    assert len(sheet) == 1, sheet
    row = sheet.iloc[0]
    assert (row["Shop"], row["Month"], row["Agent"]) == (shop, "2025-10", agent)
    assert (row["Inquiries"], row["Buyers"], row["Orders"], row["Paid orders"],
            row["Sales"]) == (2, 2, 2, 2, 160)
    assert row["First response (s)"] == 25
    assert row["Shop AOV"] == 80


def test_a_shops_chats_under_two_spellings_meet_its_orders(tmp_path, capsys):
    """b2's chat is in a file writing the shop 's1', the orders write 'S1'. Before: two
    shops; o2 was silent, Amy of 'S1' had 1 inquiry and sales 100, Amy of 's1' 1 inquiry
    and no buyer, exit status 0."""
    one = _csv(tmp_path / "chats_1.csv", MSG, _b1())
    two = _csv(tmp_path / "chats_2.csv", MSG, _b2(shop="s1"))
    orders = _csv(tmp_path / "orders.csv", ORD, _orders())
    rc, err, sheet = _run(tmp_path, capsys, one, two, orders)
    assert rc == 1
    assert (f"one shop is written 2 ways — 'S1' in {one} (rows 2, 3), {orders} (rows 2, 3); "
            f"'s1' in {two} (rows 2, 3). " + SAME.format(what="shop", shown="S1")) in err, err
    _amy(sheet)
    by_order = pd.read_excel(tmp_path / "m.xlsx", sheet_name="Orders")
    assert by_order["Shop"].tolist() == ["S1", "S1"]
    assert by_order["Credited agent"].tolist() == ["Amy", "Amy"]
    assert not by_order["Silent"].any()


@pytest.mark.parametrize("orders_shop, shown", [("s1", "S1"), ("Ｓ１\u200b", "S1")])
def test_orders_writing_the_shop_another_way_are_credited(tmp_path, capsys, orders_shop,
                                                         shown):
    """The chats write 'S1' (4 rows), the orders 's1' or full-width 'Ｓ１' with a zero-width
    space (2 rows). Before: refused, naming only the orders' spelling ("The orders of
    shop(s) 's1' have no chat messages at all"), as if the shop's chats were missing."""
    chats = _csv(tmp_path / "chats.csv", MSG, _b1() + _b2())
    orders = _csv(tmp_path / "orders.csv", ORD, _orders(orders_shop, orders_shop))
    rc, err, sheet = _run(tmp_path, capsys, chats, orders)
    assert rc == 1
    assert (f"one shop is written 2 ways — 'S1' in {chats} (rows 2, 3, 4, 5); "
            f"{orders_shop!r} in {orders} (rows 2, 3).") in err, err
    assert "have no chat messages" not in err
    _amy(sheet, shop=shown)


def test_a_shop_named_by_the_option_another_way_than_the_chats(tmp_path, capsys):
    """The orders have no 店铺 column and --shop names the shop 's1'; the chats write 'S1'.
    Before: refused as a shop whose orders have no chats, naming only 's1'."""
    chats = _csv(tmp_path / "chats.csv", MSG, _b1() + _b2())
    orders = _csv(tmp_path / "orders.csv", ORD[:-1], [r[:-1] for r in _orders()])
    rc, err, sheet = _run(tmp_path, capsys, chats, orders, "--shop", "s1")
    assert rc == 1
    assert (f"one shop is written 2 ways — 'S1' in {chats} (rows 2, 3, 4, 5); 's1' in "
            f"{orders} (rows 2, 3) (the shop --shop names).") in err, err
    _amy(sheet)


def test_an_agent_written_two_ways_is_one_agent(tmp_path, capsys):
    """Amy writes 'Amy' in one chat file and 'amy' in the other. Before: two agents of
    'S1', each with 1 inquiry, 1 buyer and half the sales (100 and 60), exit status 0.
    Two rows each: the first file's spelling is shown."""
    one = _csv(tmp_path / "chats_1.csv", MSG, _b1())
    two = _csv(tmp_path / "chats_2.csv", MSG, _b2(agent="amy"), encoding="gb18030")
    orders = _csv(tmp_path / "orders.csv", ORD, _orders())
    rc, err, sheet = _run(tmp_path, capsys, one, two, orders)
    assert rc == 1
    assert (f"shop 'S1': one agent is written 2 ways — 'Amy' in {one} (rows 2, 3); 'amy' in "
            f"{two} (rows 2, 3). " + SAME.format(what="agent", shown="Amy")) in err, err
    assert "one shop is written" not in err
    _amy(sheet)


def test_a_reply_logged_under_another_spelling_answers_the_reception(tmp_path):
    """b1 writes to 'Amy' and the reply is logged as 'Amy' with a zero-width space. Before:
    two agents; Amy's reception unanswered (reply rate 0, first response blank) and a
    second 'Amy' with no reception."""
    chats = _csv(tmp_path / "chats.csv", MSG, _b1(reply="Amy\u200b") + _b2())
    orders = _csv(tmp_path / "orders.csv", ORD, _orders())
    r = compute_metrics([chats, orders])
    assert r.agents["agent"].tolist() == ["Amy"]
    amy = r.agents.iloc[0]
    assert (amy["receptions"], amy["answered"], amy["reply_rate"]) == (2, 2, 1.0)
    assert amy["first_response_s"] == 25 and not math.isnan(amy["avg_response_s"])
    assert r.spellings == [
        f"shop 'S1': one agent is written 2 ways — 'Amy' in {chats} (rows 2, 4, 5); "
        f"'Amy\\u200b' in {chats} (row 3). " + SAME.format(what="agent", shown="Amy")]


def test_the_library_run_names_the_spellings_and_a_clean_run_none(tmp_path, capsys):
    chats = _csv(tmp_path / "chats.csv", MSG, _b1() + _b2(agent="ＡＭＹ"))
    orders = _csv(tmp_path / "orders.csv", ORD, _orders())
    run = run_metrics([chats, orders], tmp_path / "m.xlsx")
    assert not run.ok and run.rows == 1 and len(run.problems) == 1
    assert run.problems[0].startswith("shop 'S1': one agent is written 2 ways — 'Amy' in ")
    assert "'ＡＭＹ' in" in run.problems[0]
    clean = _csv(tmp_path / "clean.csv", MSG, _b1() + _b2())
    run = run_metrics([clean, orders], tmp_path / "m2.xlsx")
    assert run.ok and run.problems == [] and run.rows == 1
    assert capsys.readouterr() == ("", "")


def test_one_order_in_two_files_under_two_spellings_is_refused(tmp_path, capsys):
    """Order o1 is in two order exports, one writing the shop 'S1' and the other 's1' (as
    do the chats, b1 writing again under 's1'). Before: not seen as one order; o1's 100 yuan
    was counted in the shop of each spelling, and Amy was credited with it twice (once in
    each), exit status 0."""
    chats = _csv(tmp_path / "chats.csv", MSG, _b1() + _b2() + _b1(shop="s1")[:1])
    first = _csv(tmp_path / "orders_1.csv", ORD, _orders())
    again = _csv(tmp_path / "orders_2.csv", ORD, _orders("s1")[:1])
    with pytest.raises(MetricsError) as caught:
        compute_metrics([chats, first, again])
    assert str(caught.value) == (
        f"Order 'o1' of shop 'S1' is given more than once ({first} row 2 (shop 'S1'); "
        f"{again} row 2 (shop 's1')); give each order once (shop names are compared "
        "ignoring case, full-width letters and spaces).")
    rc, err, sheet = _run(tmp_path, capsys, chats, first, again)
    assert rc == 1 and sheet is None and "Order 'o1' of shop 'S1' is given more than once" in err


# test_trial_repeated_days's 千牛 export of 1 and 2 October, the agent written '店A:Amy'.
QN = QN_HEADER
OCT_1 = [QN_OCT_1[0], "店A:Amy", *QN_OCT_1[2:]]
OCT_2 = [QN_OCT_2[0], "店A:Amy", *QN_OCT_2[2:]]


def _as(row, agent):
    return [row[0], agent, *row[2:]]


def test_a_platform_agent_written_two_ways_is_one_agent_month(tmp_path, capsys):
    """千牛 exports of 1 and 2 October, the second writing '店A:ａｍｙ' (full-width) with a
    zero-width space. One month: inquiries 100 + 50 = 150, buyers 40 + 10 = 50, sales
    5,500, first response (10 × 120 + 20 × 80) ÷ 200 = 14 s. Before: two agents of one day
    each, exit status 0."""
    one = _csv(tmp_path / "千牛_1.csv", QN, [OCT_1])
    two = _csv(tmp_path / "千牛_2.csv", QN, [_as(OCT_2, "店A:ａｍｙ\u200b")], encoding="gb18030")
    rc, err, sheet = _run(tmp_path, capsys, one, two, "--shop", "店A")
    assert rc == 1
    # The sub-account's main account, the shop, is left out of the agent's name; the
    # spellings are quoted as the files write them.
    assert (f"shop '店A': one agent is written 2 ways — '店A:Amy' in {one} (row 2); "
            f"'店A:ａｍｙ\\u200b' in {two} (row 2). "
            + SAME.replace("letters and spaces", "letters, spaces and a sub-account's main "
                           "account (店铺:客服)").format(what="agent", shown="Amy")) in err, err
    assert len(sheet) == 1
    row = sheet.iloc[0]
    assert (row["Agent"], row["Inquiries"], row["Buyers"], row["Sales"]) == \
        ("Amy", 150, 50, 5500)
    assert row["First response (s)"] == 14


def test_one_agent_day_of_two_exports_under_two_spellings_is_refused(tmp_path, capsys):
    """The export of 1–2 October writes '店A:amy'; the export of 1 October, given too,
    '店A:Amy'. Before: not seen as one day given twice; '店A:amy' had 150 inquiries and
    '店A:Amy' another 100, exit status 0."""
    day = _csv(tmp_path / "千牛_1-1.csv", QN, [OCT_1])
    both = _csv(tmp_path / "千牛_1-2.csv", QN, [_as(OCT_1, "店A:amy"), _as(OCT_2, "店A:amy")])
    with pytest.raises(MetricsError) as caught:
        compute_metrics([day, both])
    assert str(caught.value) == (
        f"淘宝/千牛 客服绩效明细: agent 'amy', day 2025-10-01, is given more than once "
        f"({day} row 2 as '店A:Amy'; {both} row 2 as '店A:amy' — one agent, as names are "
        "compared ignoring case, full-width letters, spaces and a sub-account's main account "
        "(店铺:客服)); the figures would be added "
        "up twice. Give each agent and day once: leave out the file that repeats or overlaps "
        "the other.")
    rc, err, sheet = _run(tmp_path, capsys, day, both)
    assert rc == 1 and sheet is None and "is given more than once" in err
