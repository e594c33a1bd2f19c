"""Package access (kpi_xl/engine/package.py), the one gate both the reader and the
writer open a workbook through: real zip files, written here byte for byte."""
from __future__ import annotations

import ast
import random
import threading
import zipfile
from pathlib import Path

import pytest

from kpi_xl.engine.package import Package, WorkbookReadError, WorkbookTooLarge, workbook_part
from kpi_xl.limits import Limits

WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>')


def write_zip(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, data)
    return path


def test_parts_are_found_in_any_case_and_read_whole(tmp_path):
    path = write_zip(tmp_path / "book.xlsx", [("XL/Workbook.xml", WORKBOOK)])
    pkg = Package(path)
    try:
        assert pkg.find("xl/workbook.xml") == "XL/Workbook.xml"
        assert workbook_part(pkg) == "XL/Workbook.xml"
        assert pkg.read("xl/workbook.xml") == WORKBOOK
        assert pkg.unpacked == len(WORKBOOK)
    finally:
        pkg.close()


def test_a_part_over_the_size_limit_is_refused_while_inflating(tmp_path):
    # 3 MB of one repeated byte deflates to a few kB: over a 2 MB budget, and over a
    # ratio of 200 once past the 1 MB floor.
    path = write_zip(tmp_path / "big.xlsx", [("xl/workbook.xml", WORKBOOK),
                                             ("xl/media/pad.bin", b"\0" * (3 * 2 ** 20))])
    pkg = Package(path, Limits(max_unpacked_mb=2))
    with pytest.raises(WorkbookTooLarge, match="more than 2 MB"):
        pkg.check_unread()
    pkg.close()
    pkg = Package(path)
    with pytest.raises(WorkbookTooLarge, match="expands more than 200 times"):
        pkg.check_unread()
    pkg.close()


def _inflating_threads():
    return [t for t in threading.enumerate() if t.name == "kpi-xl inflate"]


def test_a_part_of_several_pieces_is_inflated_ahead_whole_and_counted(tmp_path):
    # 10 MB of numbered lines, inflated a MB at a time in a thread of their own.
    data = b"".join(b"<row r=\"%d\"/>\n" % i for i in range(700_000))
    assert len(data) > 8 * 2**20
    path = write_zip(tmp_path / "book.xlsx", [("xl/workbook.xml", WORKBOOK), ("xl/big.xml", data)])
    pkg = Package(path)
    try:
        pieces = []
        pkg.stream("xl/big.xml", pieces.append)
        assert {len(p) for p in pieces[:-1]} == {2**20} and b"".join(pieces) == data
        assert pkg.unpacked == len(data) and "xl/big.xml" in pkg.inflated
    finally:
        pkg.close()
    assert not _inflating_threads()


def test_a_reader_that_stops_stops_the_inflating(tmp_path):
    data = random.Random(11).randbytes(9 * 2**20)   # deflates to about its own size
    path = write_zip(tmp_path / "book.xlsx", [("xl/workbook.xml", WORKBOOK), ("xl/big.xml", data),
                                              ("xl/bomb.xml", bytes(9 * 2**20))])
    pkg = Package(path)
    seen = []

    def sink(piece):
        seen.append(piece)
        raise ValueError("no more")

    try:
        with pytest.raises(ValueError, match="no more"):
            pkg.stream("xl/big.xml", sink)
        assert len(seen) == 1 and seen[0] == data[:2**20]
        assert pkg.unpacked == 0 and not pkg.inflated   # not read whole: not counted
        # and a bomb inflated ahead is refused in the caller, in a sentence
        with pytest.raises(WorkbookTooLarge, match=r"\(xl/bomb.xml\) that expands more than 200"):
            pkg.stream("xl/bomb.xml", seen.append)
    finally:
        pkg.close()
    assert not _inflating_threads()


@pytest.mark.parametrize("name, words", [("../evil.xml", "points outside the package"),
                                         ("/abs.xml", "points outside the package")])
def test_entries_pointing_outside_are_refused(tmp_path, name, words):
    path = write_zip(tmp_path / "odd.xlsx", [("xl/workbook.xml", WORKBOOK), (name, b"x")])
    with pytest.raises(WorkbookReadError, match=words) as caught:
        Package(path)
    assert str(caught.value).startswith(str(path))


def test_a_legacy_or_missing_file_is_a_sentence(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(WorkbookReadError, match="legacy .xls workbook"):
        Package(xls)
    with pytest.raises(WorkbookReadError, match="does not exist"):
        Package(tmp_path / "gone.xlsx")


def test_the_writer_reaches_nothing_private_of_the_reader():
    source = Path(__file__).resolve().parents[2] / "kpi_xl" / "engine" / "xlsx_write.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    private = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and (node.module or "").endswith("xlsx_read") for alias in node.names
               if alias.name.startswith("_")]
    assert private == []
