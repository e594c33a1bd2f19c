"""compute_metrics on files: several chat files, shops that do not match, empty files."""
import math

import pandas as pd
import pytest
from openpyxl.utils.exceptions import IllegalCharacterError

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


def _one_agent(folder, agent="甲"):
    folder.mkdir(exist_ok=True)
    m = csv(folder / "m.csv", MSG, [["2025-10-01 10:00:00", "b1", agent, "买家", "在吗"],
                                    ["2025-10-01 10:00:30", "b1", agent, "客服", "在"]])
    o = csv(folder / "o.csv", ORD, [["o1", "b1", "2025-10-01 11:00:00", "2025-10-01 11:00:01",
                                     "30", ""]])
    return [m, o]


def _definitions(path, sheet):
    """{column label: definition} of a metrics workbook's definitions sheet, read back with
    openpyxl."""
    from openpyxl import load_workbook
    rows = list(load_workbook(path)[sheet].values)
    return {label: said for label, _, said in rows[1:]}


def test_the_definitions_sheet_speaks_the_workbooks_language(tmp_path):
    """The Chinese workbook explains its columns in Chinese, the English one in English:
    conversion is buyers over inquiries (DOMAIN: 询单转化率 = 成交人数 ÷ 询单人数)."""
    result = compute_metrics(_one_agent(tmp_path / "in"))
    write_metrics_workbook(result, tmp_path / "zh.xlsx", lang="zh")
    write_metrics_workbook(result, tmp_path / "en.xlsx", lang="en")
    zh = _definitions(tmp_path / "zh.xlsx", "指标定义")
    en = _definitions(tmp_path / "en.xlsx", "Definitions")
    assert zh["询单转化率"] == "成交人数 ÷ 询单人数"
    assert zh["客单价"] == "销售额 ÷ 成交人数"
    assert en["Conversion"] == "buyers ÷ inquiries"
    # Every Chinese definition is written in Chinese (no English sentence left over).
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in said) for said in zh.values())
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en["Shop AOV"])


def test_a_refused_cell_leaves_the_old_workbook_and_no_temporary_file(tmp_path):
    inputs = _one_agent(tmp_path)
    out = tmp_path / "metrics.xlsx"
    write_metrics_workbook(compute_metrics(inputs), out)
    before = out.read_bytes()
    # openpyxl refuses control characters in a cell (Excel cannot hold them).
    bad = compute_metrics(_one_agent(tmp_path / "bad", agent="甲\x01"))
    with pytest.raises(IllegalCharacterError):
        write_metrics_workbook(bad, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "m.csv", "metrics.xlsx", "o.csv"]


_WRITE_UNDER_A_SIZE_LIMIT = """
import errno, resource, signal, sys
from kpi_xl.metrics import compute_metrics, write_metrics_workbook
result = compute_metrics(sys.argv[1:3])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
try:
    write_metrics_workbook(result, sys.argv[3])
except OSError as exc:
    sys.exit(7 if exc.errno == errno.EFBIG else 1)
sys.exit(0)
"""


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_write_failing_half_way_leaves_no_partial_output(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    inputs = _one_agent(tmp_path)
    out = tmp_path / "out" / "metrics.xlsx"
    root = Path(__file__).resolve().parents[2]
    # In a child process, so that the file size limit is the child's alone: the package's
    # bytes stop at 2,048 (a workbook is several times that), part-way through the zip.
    done = subprocess.run([sys.executable, "-B", "-c", _WRITE_UNDER_A_SIZE_LIMIT,
                           *map(str, inputs), str(out)], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 7, done.stderr
    assert list(out.parent.iterdir()) == []
    # Without the limit the same write succeeds and is larger than the limit.
    write_metrics_workbook(compute_metrics(inputs), out)
    assert out.stat().st_size > 2048
    assert [p.name for p in out.parent.iterdir()] == ["metrics.xlsx"]
