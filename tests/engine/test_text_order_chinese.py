"""Text is ordered as Chinese Excel orders it: ideographs by pinyin.

Chinese Windows sorts ideographs by pronunciation (pinyin). The common ones, GB2312's first
level, are numbered in pinyin order, so their codes give that order: 陈 chen < 李 li <
王 wang < 张 zhang. 座 (zuo) is the last of them, which is why ``LOOKUP("座",A:A)`` is the
idiom for a column's last name. Ideographs come after Latin letters. Text without
ideographs is ordered as before, case ignored.
"""
from __future__ import annotations

import pytest

from tests.engine.one_cell import ev


@pytest.mark.parametrize("formula, expected", [
    ('"张">"李"', True), ('"陈"<"李"', True), ('"龙"<"座"', True), ('"王五"<"张三"', True),
    ('"abc"<"客"', True), ('"Zed"<"阿"', True), ('"B"<"a"', False), ('"客服"="客服"', True),
    ('"a客"<"a座"', True),
    ('LOOKUP("座",{"阿";"张";"陈";"黄"})', "黄"),            # the last name of the column
    ('LOOKUP("座",{"陈六";"李四";"王五";"张三"})', "张三"),
    ('MATCH("李",{"陈";"李";"王";"张"},1)', 2),
    ('MATCH("刘",{"陈";"李";"王";"张"},1)', 2),              # liu: after li, before wang
    ('VLOOKUP("周",{"陈",1;"李",2;"王",3;"张",4},2,TRUE)', 4),
    ('INDEX(_xlfn._xlws.SORT({"张三";"李四";"王五";"陈六"}),1)', "陈六"),
    ('INDEX(_xlfn._xlws.SORT({"张三";"李四";"王五";"陈六"}),4)', "张三"),
    ('COUNTIF({"陈";"李";"王";"张"},">李")', 2),
])
def test_chinese_text_order(formula, expected):
    assert ev(formula) == expected
