"""The name patterns of formula text, spelt so that they compile fast, match exactly the
characters Excel's names may hold: letters, "_", "\\", U+00C0 to U+FFFF first; then also
digits, ".", "?" and "$" (engine/a1.py NAME_WORD, used by the parser and the scanner)."""
import re
import time

from kpi_xl.engine import a1, scan
from kpi_xl.engine import parser as p


def test_wide_char_is_u00c0_to_uffff_and_nothing_else():
    wide = re.compile(a1.WIDE_CHAR)
    assert [i for i in range(0x110000) if wide.fullmatch(chr(i))] == list(range(0xC0, 0x10000))


def test_name_word_takes_the_same_characters_as_the_plain_class():
    # the class as written out (slow to compile, so only here)
    first = re.compile(r"[A-Za-z_\\\u00C0-\uFFFF]")
    rest = re.compile(r"[\w.\\\u00C0-\uFFFF?$]")
    word = re.compile(a1.NAME_WORD)
    for i in range(0x110000):
        ch = chr(i)
        assert bool(word.fullmatch(ch)) == bool(first.fullmatch(ch)), hex(i)
        assert bool(word.fullmatch("A" + ch)) == bool(rest.fullmatch(ch)), hex(i)


def test_names_with_wide_characters_parse_as_one_name():
    tree = p.parse("=売上_2024+1")
    assert tree[2:] == (("name", "売上_2024", None), ("lit", 1.0))
    assert p.parse("=Ümsatz.Q1?") == ("name", "Ümsatz.Q1?", None)
    # U+00BF (¿) is below the range: not part of a name
    assert p._TOKEN.match("a\u00bfb").group() == "a"
    # nor may a name start above U+FFFF (inside one, such a letter is a word character)
    assert p._TOKEN.match("\U00020000x") is None
    assert p._TOKEN.match("x\U00020000").group() == "x\U00020000"


def test_the_scanner_finds_a_wide_function_name():
    assert scan._WORDS.search('=IF(x,"a",売上関数(1))', 9).group(1) == "売上関数"


def test_the_name_patterns_compile_in_a_few_milliseconds():
    re.purge()
    t0 = time.process_time()
    for pattern, flags in ((p._TOKEN.pattern, re.X), (p._AFTER_PREFIX.pattern, 0),
                           (scan._WORDS.pattern, re.X), (a1._PLAIN_SHEET.pattern, 0)):
        re.compile(pattern, flags)
    # the four took 25 to 30 ms spelt with the plain range
    assert time.process_time() - t0 < 0.015
