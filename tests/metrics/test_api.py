"""compute_metrics on files: several chat files, shops that do not match, empty files."""
import math

import pandas as pd
import pytest

from kpi_xl.metrics import MetricsError, compute_metrics, write_metrics_workbook

MSG = ["时间", "买家", "客服", "发送方", "内容"]
ORD = ["订单号", "买家", "下单时间", "付款时间", "实付金额", "退款金额"]


def csv(path, header, rows, encoding="utf-8-sig"):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)
    return path


def test_many_chat_files_and_missing_first_response(tmp_path):
    a = csv(tmp_path / "a.csv", MSG, [["2025-10-01 10:00:00", "b1", "甲", "买家", "在吗"],
                                      ["2025-10-01 10:00:30", "b1", "甲", "客服", "在"]])
    b = csv(tmp_path / "b.csv", MSG, [["2025-10-02 10:00:00", "b2", "丙", "买家", "在吗"]],
            encoding="gb18030")
    o = csv(tmp_path / "o.csv", ORD, [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:00:01",
                                       "30", ""]])
    r = compute_metrics([a, b, o])
    t = r.template_inputs.set_index("agent")
    assert t.loc["甲", "first_response_s"] == 30 and t.loc["甲", "sales"] == 30
    # 丙 never replied: the response times are blank, not 0, in the frame and the workbook.
    assert math.isnan(t.loc["丙", "first_response_s"]) and t.loc["丙", "inquiries"] == 1
    write_metrics_workbook(r, tmp_path / "m.xlsx")
    sheet = pd.read_excel(tmp_path / "m.xlsx", sheet_name="客服月度指标", dtype=str,
                          keep_default_na=False).set_index("客服")
    assert sheet.loc["丙", "首次响应(秒)"] == "" and sheet.loc["丙", "询单人数"] == "1"
    assert set(r.inputs.values()) == {"messages", "orders"}


def test_orders_of_a_shop_without_chats_stop_the_run(tmp_path):
    m = csv(tmp_path / "m.csv", MSG + ["店铺"], [["2025-10-01 10:00:00", "b1", "甲", "买家", "x", "店A"]])
    o = csv(tmp_path / "o.csv", ORD, [["o1", "b1", "2025-10-01 11:00:00", "", "", ""]])
    with pytest.raises(MetricsError, match=r"shop\(s\) \(no shop\) have no chat messages"):
        compute_metrics([m, o])
    # Naming the shop fills the orders' blank shop: the order is credited.
    r = compute_metrics([m, o], shop="店A")
    assert r.orders["credited_agent"].tolist() == ["甲"]


def test_empty_and_unreadable_files(tmp_path):
    m = csv(tmp_path / "m.csv", MSG, [])
    o = csv(tmp_path / "o.csv", ORD, [])
    r = compute_metrics([m, o])
    assert len(r.agents) == 0 and len(r.template_inputs) == 0
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(MetricsError, match="bad.xlsx cannot be read"):
        compute_metrics([tmp_path / "bad.xlsx"])
    with pytest.raises(MetricsError, match="does not exist"):
        compute_metrics([tmp_path / "nope.csv"])
    with pytest.raises(MetricsError, match="not a month"):
        compute_metrics([m, o], month="October")
