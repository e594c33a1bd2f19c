"""Format codes of the Chinese (and Japanese) versions of Excel, as Chinese workbooks hold them.

- ``aaa`` and ``aaaa`` show the weekday in Chinese: 一 … 六, 日 and 星期一 … 星期日.
  The expected values are from a table printed by a Chinese Excel, with its ddd, dddd and
  aaa columns side by side: 1985-03-11 Mon 一, 1986-04-12 Sat 六, 1987-05-14 Thu 四,
  1988-06-14 Tue 二, 1989-07-16 Sun 日, 1990-08-17 Fri 五, 1991-09-18 Wed 三.
  ``ddd`` and ``dddd`` stay English in that table, as they do here.
- With a Japanese locale ([$-411]), the same codes give 月 … 日 and 月曜日 ….
- ``G/通用格式`` is how a Chinese Excel spells General in a format code (``G/標準`` in
  Japanese). TEXT(x, "G/通用格式") shows x as General does.
"""
from __future__ import annotations

import pytest

from tests.engine.one_cell import ev

EXCEL_TABLE = [("1985-03-11", "Mon", "一"), ("1986-04-12", "Sat", "六"),
               ("1987-05-14", "Thu", "四"), ("1988-06-14", "Tue", "二"),
               ("1989-07-16", "Sun", "日"), ("1990-08-17", "Fri", "五"),
               ("1991-09-18", "Wed", "三")]


@pytest.mark.parametrize("day, ddd, aaa", EXCEL_TABLE)
def test_chinese_weekday_codes(day, ddd, aaa):
    date = f'DATEVALUE("{day}")'
    assert ev(f'TEXT({date},"ddd")') == ddd
    assert ev(f'TEXT({date},"aaa")') == aaa
    assert ev(f'TEXT({date},"aaaa")') == "星期" + aaa
    assert ev(f'TEXT({date},"[$-804]aaaa")') == "星期" + aaa
    assert ev(f'TEXT({date},"yyyy年m月d日 aaaa")') == \
        f"{int(day[:4])}年{int(day[5:7])}月{int(day[8:])}日 星期{aaa}"


def test_japanese_weekday_codes():
    # 2023-03-15 is a Wednesday: 水
    assert ev('TEXT(45000,"[$-411]aaa")') == "水"
    assert ev('TEXT(45000,"[$-ja-JP]aaaa")') == "水曜日"


@pytest.mark.parametrize("formula, expected", [
    ('TEXT(1234.5,"G/通用格式")', "1234.5"),
    ('TEXT(0.1+0.2,"G/通用格式")', "0.3"),
    ('TEXT(1234.5,"G/通用格式元")', "1234.5元"),
    ('TEXT(-7,"G/通用格式")', "-7"),
    ('TEXT(1234.5,"[$-804]G/通用格式")', "1234.5"),
    ('TEXT(2,"G/標準")', "2"),
    ('TEXT(1,"a")', "a"),   # one or two a's are no code
])
def test_general_as_cjk_excel_spells_it(formula, expected):
    assert ev(formula) == expected
