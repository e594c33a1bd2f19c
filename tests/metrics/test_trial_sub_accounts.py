"""An agent written as Taobao's sub-account, '小米旗舰店:小美' (also with a full-width '：'),
in one file and as '小美' in another.  Before, the two were two agents: her receptions,
inquiries and buyers split over two rows, each scored on part of her month."""
from __future__ import annotations

import pandas as pd
from openpyxl import Workbook

from kpi_xl.cli import main
from kpi_xl.metrics.api import compute_metrics

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额"]
QN = ["日期", "旺旺昵称", "有效接待人数", "当日询单人数", "销售人数", "销售额"]


def _csv(path, header, rows):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _xlsx(path, header, rows):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _talk(day, buyer, agent):
    """``buyer`` writes to ``agent`` at 10:00 of ``day`` and is answered at 10:00:30."""
    return [[f"{day} 10:00:00", buyer, agent, "买家", "在吗"],
            [f"{day} 10:00:30", buyer, agent, "客服", "在的"]]


def _run(tmp_path, capsys, *files):
    out = tmp_path / "metrics.xlsx"
    rc = main(["metrics", *map(str, files), "--shop", "小米旗舰店", "-o", str(out)])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    return rc, cap.err, out


def test_sub_account_and_bare_name_are_one_agent(tmp_path, capsys):
    """小美 receives b1 (1 Oct) and b2 (2 Oct) as '小米旗舰店:小美' in chats_a.csv, b3 (3 Oct)
    and b1 again (5 Oct) as '小美' in chats_b.csv, b4 (4 Oct) as '小米旗舰店：小美' in
    chats_c.xlsx.  b3 pays 50 on 3 Oct and b1 pays 100 on 5 Oct, each after 小美's reply.
    By hand: receptions 5 (five buyer-days), inquiries 4 (b1, b2, b3, b4: no order before
    any of the receptions), buyers 2 (b1, b3), sales 150, conversion 2 / 4 = 50 %."""
    a = _csv(tmp_path / "chats_a.csv", MSG,
             _talk("2025-10-01", "b1", "小米旗舰店:小美") + _talk("2025-10-02", "b2", "小米旗舰店:小美"))
    b = _csv(tmp_path / "chats_b.csv", MSG,
             _talk("2025-10-03", "b3", "小美") + _talk("2025-10-05", "b1", "小美"))
    c = _xlsx(tmp_path / "chats_c.xlsx", MSG, _talk("2025-10-04", "b4", "小米旗舰店：小美"))
    o = _csv(tmp_path / "orders.csv", ORD, [
        ["o1", "b3", "2025-10-03 12:00:00", "2025-10-03 12:01:00", "50"],
        ["o2", "b1", "2025-10-05 11:00:00", "2025-10-05 11:01:00", "100"]])
    rc, err, out = _run(tmp_path, capsys, a, b, c, o)
    assert rc == 0, err
    sheet = pd.read_excel(out, sheet_name="全部指标")
    assert list(sheet["客服"]) == ["小美"]
    row = sheet.iloc[0]
    assert (row["接待人数"], row["询单人数"], row["成交人数"], row["销售额"]) == (5, 4, 2, 150)
    assert row["询单转化率"] == 0.5


def test_sub_accounts_of_two_main_accounts_are_two_agents(tmp_path):
    """'店A:小美' receives b1 and '店B:小美' b2, no file writes '小美' alone: two people of
    one reception each (b1 pays 100: 店A's 小美 has buyers 1, 店B's 0)."""
    m = _csv(tmp_path / "chats.csv", MSG,
             _talk("2025-10-01", "b1", "店A:小美") + _talk("2025-10-01", "b2", "店B:小美"))
    o = _csv(tmp_path / "orders.csv", ORD,
             [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "100"]])
    agents = compute_metrics([m, o], shop="S").agents.set_index("agent")
    assert list(agents.index) == ["店A:小美", "店B:小美"]
    assert list(agents["receptions"]) == [1, 1] and list(agents["buyers"]) == [1, 0]


def test_a_bare_name_beside_two_main_accounts_is_refused(tmp_path, capsys):
    m = _csv(tmp_path / "chats.csv", MSG,
             _talk("2025-10-01", "b1", "店A:小美") + _talk("2025-10-01", "b2", "店B:小美")
             + _talk("2025-10-02", "b3", "小美"))
    o = _csv(tmp_path / "orders.csv", ORD,
             [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "100"]])
    rc, err, out = _run(tmp_path, capsys, m, o)
    assert rc == 1 and not out.exists()
    assert (f"shop '小米旗舰店': the agent '小美' is written alone ('小美' in {m} (rows 6, 7)) "
            f"and as a sub-account of 2 main accounts ('店A:小美' in {m} (rows 2, 3); "
            f"'店B:小美' in {m} (rows 4, 5)); sub-accounts of two main accounts are two "
            "people") in err


def test_platform_report_days_under_both_names_are_one_agent(tmp_path):
    """千牛 exports '小米旗舰店:小王' on 1 Oct and another export '小王' on 2 Oct: one agent,
    inquiries 80 + 40 = 120, buyers 32 + 8 = 40, sales 3,200 + 1,600 = 4,800."""
    one = _csv(tmp_path / "qn_1.csv", QN, [["2025-10-01", "小米旗舰店:小王", "100", "80", "32", "3200"]])
    two = _csv(tmp_path / "qn_2.csv", QN, [["2025-10-02", "小王", "50", "40", "8", "1600"]])
    result = compute_metrics([one, two], shop="小米旗舰店")
    assert result.spellings == []
    row = result.agents.set_index("agent").loc["小王"]
    assert (len(result.agents), row["inquiries"], row["buyers"], row["sales"]) == (1, 120, 40, 4800)


def test_a_sub_account_written_two_ways_is_named_as_the_files_write_it(tmp_path, capsys):
    """'店A:Amy' receives b1 (1 Oct) in chats_a.csv, '店A：ａｍｙ' (full-width colon and
    letters) b2 (2 Oct) in chats_b.xlsx: one agent, Amy, of one main account, written two
    ways.  The sentence quoted the names with the main account taken off ('Amy', 'ａｍｙ'),
    which neither file holds; it quotes the files' own text now.  By hand: receptions 2,
    inquiries 2, buyers 1 (b1 pays 100), sales 100."""
    a = _csv(tmp_path / "chats_a.csv", MSG, _talk("2025-10-01", "b1", "店A:Amy"))
    b = _xlsx(tmp_path / "chats_b.xlsx", MSG, _talk("2025-10-02", "b2", "店A：ａｍｙ"))
    o = _csv(tmp_path / "orders.csv", ORD,
             [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "100"]])
    rc, err, out = _run(tmp_path, capsys, a, b, o)
    assert rc == 1
    assert (f"shop '小米旗舰店': one agent is written 2 ways — '店A:Amy' in {a} (rows 2, 3); "
            f"'店A：ａｍｙ' in {b} (rows 2, 3). Names are compared ignoring case, full-width "
            "letters, spaces and a sub-account's main account (店铺:客服), so these are counted "
            "as one agent, shown as 'Amy'") in err
    row = pd.read_excel(out, sheet_name="全部指标").iloc[0]
    assert (row["客服"], row["接待人数"], row["询单人数"], row["成交人数"], row["销售额"]) == (
        "Amy", 2, 2, 1, 100)


def test_a_file_naming_the_agent_both_ways_has_each_text_named(tmp_path):
    """One file writes '店A:Amy' (rows 2, 3), 'amy' (rows 4, 5) and 'Amy' (rows 6, 7): the
    rows of 'Amy' are named by the text of each, not as one spelling 'Amy' of rows 2, 3, 6, 7."""
    m = _csv(tmp_path / "chats.csv", MSG, _talk("2025-10-01", "b1", "店A:Amy")
             + _talk("2025-10-02", "b2", "amy") + _talk("2025-10-03", "b3", "Amy"))
    o = _csv(tmp_path / "orders.csv", ORD,
             [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:01:00", "100"]])
    result = compute_metrics([m, o], shop="S")
    assert len(result.spellings) == 1
    assert (f"written 3 ways — '店A:Amy' in {m} (rows 2, 3); 'amy' in {m} (rows 4, 5); "
            f"'Amy' in {m} (rows 6, 7).") in result.spellings[0]
    assert list(result.agents["receptions"]) == [3]
