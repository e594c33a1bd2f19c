"""Formula cells written a slice at a time (``xlsx_write._SheetEdit._pieces_at_once``).

A sheet of several MB, with neither ref= nor vm= (so every slice may be edited at once),
holding numbers, text, errors, booleans, empty results, cells with a t= to change and
formula cells given no result, is written twice: as it is streamed, and cell by cell on
the whole sheet (the reference edit).  The parts must be the same bytes, and the cells
checked below are the markup worked by hand from the rows built here.
"""

import zipfile

import openpyxl
import pytest

from kpi_xl.core.errors import CellError
from kpi_xl.engine import xlsx_write
from kpi_xl.engine.xlsx_write import WorkbookWriteError, write_values
from tests.engine.test_xlsx_write import _with_rows

N = 40_000   # about 7 MB of sheet XML: inflated in 4 MB pieces, split 1 MB at a time
ODD_ROW = 25_000


def _rows(n, odd_row=None):
    """A a number; B =A*2 styled; C a text formula (t="str"); D =A+1, given no result
    every 7th row; E =A/0.  ``odd_row``'s F is a formula cell with an extLst, a form
    written one cell at a time."""
    out = []
    for r in range(1, n + 1):
        cells = [b'<c r="A%d"><v>%d</v></c>' % (r, r),
                 b'<c r="B%d" s="1"><f>A%d*2</f><v>0</v></c>' % (r, r),
                 b'<c r="C%d" t="str"><f>"n"&amp;A%d</f><v>old</v></c>' % (r, r),
                 b'<c r="D%d"><f>A%d+1</f><v></v></c>' % (r, r),
                 b'<c r="E%d"><f>A%d/0</f><v>0</v></c>' % (r, r)]
        if r == odd_row:
            cells.append(b'<c r="F%d"><f>A%d</f><v>0</v><extLst><ext uri="u"/></extLst></c>'
                         % (r, r))
        out.append(b'<row r="%d">' % r + b"".join(cells) + b"</row>")
    return b"".join(out)


def _values(n, odd_row=None):
    # Worked from the formulas above: B = 2r, C = "n" & r, D = r + 1, E = #DIV/0!; a few
    # cells get other kinds of result, to be written with the t they need.
    values = {}
    for r in range(1, n + 1):
        values[(r, 2)] = 2 * r if r % 3 else float(2 * r) + 0.5
        values[(r, 3)] = f"n{r}"
        if r % 7:
            values[(r, 4)] = float(r + 1)
        values[(r, 5)] = CellError("#DIV/0!")
    values[(3, 3)] = 12.25           # a number into a cell marked t="str"
    values[(4, 2)] = True
    values[(5, 2)] = None
    values[(6, 2)] = " padded "
    values[(8, 4)] = float("inf")    # a double Excel cannot store
    values[(9, 4)] = -0.0
    values[(10, 4)] = 1e20
    if odd_row:
        values[(odd_row, 6)] = 7.5
    return values


@pytest.mark.parametrize("odd_row", [None, ODD_ROW])
def test_slices_at_once_match_the_cell_by_cell_edit(tmp_path, monkeypatch, odd_row):
    src = _with_rows(tmp_path, "big.xlsx", _rows(N, odd_row))
    values = _values(N, odd_row)
    calls = {"at_once": 0, "one_by_one": 0}
    at_once, pieces = xlsx_write._SheetEdit._pieces_at_once, xlsx_write._SheetEdit._pieces

    def spy_at_once(self, *args):
        calls["at_once"] += 1
        return at_once(self, *args)

    def spy_pieces(self, *args, at_once=True):
        if not at_once:
            calls["one_by_one"] += 1
        return pieces(self, *args, at_once=at_once)
    monkeypatch.setattr(xlsx_write._SheetEdit, "_pieces_at_once", spy_at_once)
    monkeypatch.setattr(xlsx_write._SheetEdit, "_pieces", spy_pieces)
    write_values(src, tmp_path / "streamed.xlsx", {"Sheet": values})
    assert calls["at_once"] >= 2
    # From the slice holding the extLst cell on, its piece goes cell by cell.
    assert (calls["one_by_one"] > 0) == (odd_row is not None)
    monkeypatch.undo()
    monkeypatch.setattr(xlsx_write._SheetEdit, "_of_split_form", lambda self, xml, lo, hi: False)
    write_values(src, tmp_path / "whole.xlsx", {"Sheet": values})
    with zipfile.ZipFile(tmp_path / "streamed.xlsx") as a, \
            zipfile.ZipFile(tmp_path / "whole.xlsx") as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
        xml = a.read("xl/worksheets/sheet1.xml")
    # Worked by hand from the rows above.
    assert b'<c r="B1" s="1"><f>A1*2</f><v>2</v></c>' in xml
    assert b'<c r="B3" s="1"><f>A3*2</f><v>6.5</v></c>' in xml
    assert b'<c r="C3"><f>"n"&amp;A3</f><v>12.25</v></c>' in xml
    assert b'<c r="B4" s="1" t="b"><f>A4*2</f><v>1</v></c>' in xml
    assert b'<c r="B5" s="1" t="str"><f>A5*2</f><v></v></c>' in xml
    assert b'<c r="B6" s="1" t="str"><f>A6*2</f><v xml:space="preserve"> padded </v></c>' \
        in xml
    assert b'<c r="C2" t="str"><f>"n"&amp;A2</f><v>n2</v></c>' in xml
    assert b'<c r="D7"><f>A7+1</f><v></v></c>' in xml            # no result: kept
    assert b'<c r="D8" t="e"><f>A8+1</f><v>#NUM!</v></c>' in xml
    assert b'<c r="D9"><f>A9+1</f><v>0</v></c>' in xml
    assert b'<c r="D10"><f>A10+1</f><v>1e+20</v></c>' in xml
    assert b'<c r="D11"><f>A11+1</f><v>12</v></c>' in xml
    assert b'<c r="E1" t="e"><f>A1/0</f><v>#DIV/0!</v></c>' in xml
    assert b'<c r="B%d" s="1"><f>A%d*2</f><v>%d</v></c>' % (N - 2, N - 2, 2 * N - 4) in xml
    if odd_row:
        assert b'<c r="F%d"><f>A%d</f><v>7.5</v><extLst><ext uri="u"/></extLst></c>' \
            % (odd_row, odd_row) in xml
    assert xml.count(b"<v>old</v>") == 0 and xml.count(b"<row ") == N
    ws = openpyxl.load_workbook(tmp_path / "streamed.xlsx", read_only=True, data_only=True)
    row = next(ws["Sheet"].iter_rows(min_row=12, max_row=12, max_col=5, values_only=True))
    assert row == (12, 24.5, "n12", 13, "#DIV/0!")


def test_slices_at_once_refuse_what_the_cell_by_cell_edit_refuses(tmp_path):
    src = _with_rows(tmp_path, "big.xlsx", _rows(N))
    before = src.read_bytes()
    values = _values(N)
    values[(20_000, 1)] = 1.0     # A20000 holds a number, not a formula
    with pytest.raises(WorkbookWriteError, match=r"no formula in Sheet!A20000"):
        write_values(src, src, {"Sheet": values})
    values = _values(N)
    values[(20_000, 9)] = 1.0     # no I20000 at all
    with pytest.raises(WorkbookWriteError, match=r"no cell Sheet!I20000 to take"):
        write_values(src, src, {"Sheet": values})
    values = _values(N)
    values[(30_000, 2)] = [1, 2]  # not a cell value
    with pytest.raises(WorkbookWriteError, match=r"type list in Sheet!B30000"):
        write_values(src, src, {"Sheet": values})
    assert src.read_bytes() == before


def test_rows_out_of_order_within_a_slice(tmp_path):
    # The order check of a whole slice at once: the sheet is written again noting each cell.
    rows = (b'<row r="2"><c r="A2"><v>5</v></c><c r="B2"><f>A2*2</f><v>0</v></c></row>'
            b'<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>A1*2</f><v>0</v></c></row>'
            b'<row r="3"><c r="A3"><v>4</v></c><c r="B3" t="str"><f>A3*2</f><v>x</v></c></row>')
    src = _with_rows(tmp_path, "r.xlsx", rows)
    write_values(src, tmp_path / "out.xlsx", {"Sheet": {(1, 2): 6, (2, 2): 10, (3, 2): 8.0}})
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    assert b'<c r="B2"><f>A2*2</f><v>10</v></c>' in xml
    assert b'<c r="B1"><f>A1*2</f><v>6</v></c>' in xml
    assert b'<c r="B3"><f>A3*2</f><v>8</v></c>' in xml


def test_a_repeated_cell_does_not_hide_a_missing_one(tmp_path):
    # B1 twice and no C1: two cells written for two results asked, yet C1 is not there.
    rows = (b'<row r="1"><c r="A1"><v>3</v></c><c r="B1"><f>A1*2</f><v>0</v></c>'
            b'<c r="B1"><f>A1*2</f><v>0</v></c></row>')
    src = _with_rows(tmp_path, "r.xlsx", rows)
    with pytest.raises(WorkbookWriteError, match=r"no cell Sheet!C1 to take"):
        write_values(src, tmp_path / "out.xlsx", {"Sheet": {(1, 2): 6, (1, 3): 1}})


@pytest.mark.parametrize("extra", [[], [-0.0], [float("nan")], [float("-inf")], ["x", True]])
def test_numbers_are_written_as_format_number_writes_them(extra):
    # By hand: whole numbers below 1e16 without ".0", the rest as Python's shortest repr.
    from kpi_xl.engine.xlsx_write import _numbers_bytes
    values = [60.0, 0.32, 1e16, 9999999999999998.0, -12.0, 5, 10**20, 1e-07, 2.5, 0.1 + 0.2]
    expected = [b"60", b"0.32", b"1e+16", b"9999999999999998", b"-12", b"5",
                b"100000000000000000000", b"1e-07", b"2.5", b"0.30000000000000004"]
    by_hand = {-0.0: b"0", "x": None, True: None}
    got = _numbers_bytes(values + extra)
    assert got[:len(values)] == expected
    for value, text in zip(extra, got[len(values):]):
        assert text == (None if value != value or value in (float("-inf"),) else by_hand[value])


def test_a_repeated_cell_in_a_later_slice_does_not_hide_a_missing_one(tmp_path, monkeypatch):
    # Slices of a cell or two: row 1 again at the end is checked against the slice before.
    monkeypatch.setattr(xlsx_write, "_SLICE", 64)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><f>A%d*2</f><v>0</v></c>'
                    b"</row>" % (r, r, r, r, r) for r in range(1, 51))
    rows += b'<row r="1"><c r="B1"><f>A1*2</f><v>0</v></c></row>'
    src = _with_rows(tmp_path, "r.xlsx", rows)
    values = {(r, 2): 2 * r for r in range(1, 51)}
    values[(5, 9)] = 1    # no I5: 51 cells written for 51 results, one of them twice
    with pytest.raises(WorkbookWriteError, match=r"no cell Sheet!I5 to take"):
        write_values(src, tmp_path / "out.xlsx", {"Sheet": values})
    del values[(5, 9)]
    write_values(src, tmp_path / "out.xlsx", {"Sheet": values})
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Sheet"]
    assert [ws.cell(r, 2).value for r in (2, 49, 50)] == [4, 98, 100]
