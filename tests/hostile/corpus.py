"""The hostile-input corpus: workbooks built to attack the reader, and the largest sheets
Excel allows (a formula in every one of the grid's 1,048,576 rows, a chain down the whole
column), generated here (never committed as binaries), each run through ``kpi-xl recalc``
beside a good workbook in a child process capped at 1.5 GB of address space (the
million formula rows at 1.25 GB, to keep their margin).

    python -m tests.hostile.corpus            # run every case, write docs/hostile_report.md

Each case states what the refusal must say; the run checks that it ends within its time,
stays under its memory, leaves its input unchanged, still writes the good workbook beside
it, and names the file and the reason.
"""
from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

ADDRESS_SPACE_CAP = 1536 * 1024 * 1024
# The million formula rows run under a tighter cap, so that the margin under the 1.5 GB
# one is kept: their worker peaked at 1,473 MB of address space (1,141 MB since the
# calculation frees its thread's stack and arena and builds no lists beside its results).
MILLION_ROWS_CAP = 1280 * 1024 * 1024
# The million-row cases: resident peak and time allowed (the cap above still applies).
# Both run in the default test run (the chain took 22–66 s on a loaded 2-core machine).
MILLION_MB = 1200.0
MILLION_SECONDS = 240.0
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --------------------------------------------------------------------------- zip by hand


@dataclass
class Member:
    """One zip entry written by hand, so that its directory can lie."""
    name: str
    raw: bytes                 # the stored bytes (deflated when method is 8)
    crc: int
    size: int                  # the real inflated size
    method: int = 8
    declared_size: int | None = None
    flags: int = 0


def deflated(data: bytes, name: str) -> Member:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, c.compress(data) + c.flush(), zlib.crc32(data), len(data))


def zero_bomb(name: str, megabytes: int) -> Member:
    """``megabytes`` MB of zeros, deflated from one repeated fully-flushed block."""
    block = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    return Member(name, piece * megabytes + tail, crc, megabytes << 20)


def write_zip(path: Path, members):
    """Write ``members`` as a zip, each entry's directory record as the member says."""
    out = bytearray()
    cd = bytearray()
    for m in members:
        name = m.name.encode()
        size = m.size if m.declared_size is None else m.declared_size
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21,
                           m.crc, len(m.raw), size, len(name), 0) + name + m.raw
        cd += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, m.flags, m.method, 0,
                          0x21, m.crc, len(m.raw), size, len(name), 0, 0, 0, 0, 0,
                          offset) + name
    # The end record holds 16-bit counts; a package of more entries says 65,535.
    count = min(len(members), 0xFFFF)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(cd), len(out), 0)
    path.write_bytes(bytes(out) + bytes(cd) + end)


def members_of(path: Path):
    with zipfile.ZipFile(path) as z:
        return [deflated(z.read(n), n) for n in z.namelist()]


def replaced(members, name, data):
    return [deflated(data, m.name) if m.name == name else m for m in members]


# --------------------------------------------------------------------------- the workbooks


def good_workbook(path: Path, rows: int = 3):
    """Agents' conversion (buyers ÷ inquiries) worked by hand: 88/275 = 0.32."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Agents"
    ws.append(["agent", "inquiries", "buyers", "conversion"])
    for r in range(2, rows + 2):
        ws.append([f"A{r}", 275, 88, f"=C{r}/B{r}"])
    wb.save(path)
    return path


def table_workbook(path: Path):
    from openpyxl.worksheet.table import Table
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["inquiries", "buyers", "conversion"])
    ws.append([275, 88, "=B2/A2"])
    ws.add_table(Table(displayName="T1", ref="A1:C2"))
    wb.save(path)
    return path


XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lollollollollollollollollol">'
          + b"".join(b'<!ENTITY %c "%s">' % (ord("b") + i,
                                                 (b"&" + bytes([ord("a") + i]) + b";") * 10)
                     for i in range(9)) + b"]>")
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 100_000 + b'">]>')


def with_dtd(xml: bytes, dtd: bytes, use: bytes) -> bytes:
    """``xml`` with ``dtd`` in its prolog and the entity ``use`` inside its first text."""
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    at = body.find(b"</")
    return dtd + body[:at] + use + body[at:] if at > 0 else dtd + body


@dataclass
class Case:
    name: str
    what: str
    expect: tuple                 # words the file's message must hold
    build: object                 # build(path) writes the hostile workbook
    args: tuple = ()
    max_seconds: float = 30.0
    max_mb: float = 1024.0
    ok: bool = False              # a workbook that must be recalculated, not refused
    check: object = None          # check(output path) for ok cases
    figures: dict = field(default_factory=dict)
    slow: bool = False            # behind pytest's slow marker (still under the cap)
    cap: int = ADDRESS_SPACE_CAP  # address space of the recalculating process, bytes


def _sheet(members):
    return next(m.name for m in members if m.name.startswith("xl/worksheets/sheet"))


def _members_of_new(make, path):
    """The zip members of a workbook ``make`` writes (beside ``path``, then removed)."""
    base = path.with_suffix(".base.xlsx")
    make(base)
    try:
        return members_of(base)
    finally:
        base.unlink()


def _edit(part_of, data_of):
    def build(path):
        members = _members_of_new(good_workbook, path)
        name = part_of(members)
        old = zlib.decompress(next(m for m in members if m.name == name).raw, -15)
        write_zip(path, replaced(members, name, data_of(old)))
    return build


def _table_edit(data_of, part="xl/tables/"):
    def build(path):
        members = _members_of_new(table_workbook, path)
        name = next(m.name for m in members if m.name.startswith(part))
        old = zlib.decompress(next(m for m in members if m.name == name).raw, -15)
        write_zip(path, replaced(members, name, data_of(old)))
    return build


def _media_bomb(path):
    members = _members_of_new(good_workbook, path)
    write_zip(path, members + [zero_bomb("xl/media/image1.png", 2048)])


def _lying_sizes(path):
    members = _members_of_new(good_workbook, path)
    bomb = zero_bomb(_sheet(members), 1024)
    bomb.declared_size = 4096
    write_zip(path, [m for m in members if m.name != bomb.name] + [bomb])


def _many_parts(path):
    members = _members_of_new(good_workbook, path)
    empty = deflated(b"", "x")
    extra = [Member(f"xl/media/p{i:06d}.bin", empty.raw, empty.crc, 0) for i in range(200_000)]
    write_zip(path, members + extra)


def _overlapping(path):
    members = _members_of_new(good_workbook, path)
    bomb = zero_bomb("xl/media/image1.png", 64)
    members = members + [bomb]
    write_zip(path, members)
    # Rewrite the directory: 2,000 more entries all pointing at the bomb's data.
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        at = z.getinfo("xl/media/image1.png").header_offset
    cd_start = struct.unpack("<I", data[-6:-2])[0]
    body, cd = data[:cd_start], data[cd_start:-22]
    extra = bytearray()
    for i in range(2000):
        name = f"xl/media/copy{i}.png".encode()
        extra += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21,
                             bomb.crc, len(bomb.raw), bomb.size, len(name), 0, 0, 0, 0, 0,
                             at) + name
    cd = cd + bytes(extra)
    count = len(members) + 2000
    path.write_bytes(body + cd + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count,
                                             len(cd), len(body), 0))


def _extra_member(name, data=b"x", flags=0):
    def build(path):
        members = _members_of_new(good_workbook, path)
        m = deflated(data, name)
        m.flags = flags
        write_zip(path, members + [m])
    return build


def _duplicate(path):
    members = _members_of_new(good_workbook, path)
    name = _sheet(members)
    old = zlib.decompress(next(m for m in members if m.name == name).raw, -15)
    write_zip(path, members + [deflated(old.replace(b"<v>275</v>", b"<v>999</v>"), name)])


def _password(path):
    members = _members_of_new(good_workbook, path)
    for m in members:     # every entry encrypted (bit 0 of the flags), as zip -e writes
        m.flags = 1
        m.raw = bytes(12) + m.raw
    write_zip(path, members)


def _utf16(path):
    members = _members_of_new(good_workbook, path)
    name = _sheet(members)
    old = zlib.decompress(next(m for m in members if m.name == name).raw, -15)
    # A stale cached value that recalculation must replace.
    old = old.replace(b"<f>C2/B2</f><v></v>", b"<f>C2/B2</f><v>7</v>").replace(
        b"<f>C2/B2</f>", b"<f>C2/B2</f>")
    text = old.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    if not text.startswith("<?xml"):
        text = '<?xml version="1.0" encoding="UTF-16"?>' + text
    write_zip(path, replaced(members, name, b"\xff\xfe" + text.encode("utf-16-le")))


def _big_media(path):
    members = _members_of_new(good_workbook, path)
    video = os.urandom(300 << 20)   # incompressible: stored, as zip tools store media
    write_zip(path, members + [Member("xl/media/video1.mp4", video, zlib.crc32(video),
                                      len(video), method=0)])


def _check_big_media(out: Path):
    _check_conversion(out)
    with zipfile.ZipFile(out) as z:
        info = z.getinfo("xl/media/video1.mp4")
        assert info.file_size == 300 << 20, info.file_size
        assert z.testzip() is None


def _check_conversion(out: Path):
    wb = openpyxl.load_workbook(out, data_only=True)
    got = wb["Agents"]["D2"].value
    assert abs(got - 0.32) < 1e-12, got


def _unclosed(n, cell):
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN_NS.encode()
            + b'"><sheetData><row r="1">')
    return lambda old: head + b"".join(cell % (i + 1) for i in range(n)) + \
        b"</row></sheetData></worksheet>"


def _many_cells(path):
    good_workbook(path, rows=3000)


def _slow(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Agents"
    for r in range(1, 60_001):
        ws.append([r, f"=SUMPRODUCT(A$1:A{min(r, 400)})", f"=B{r}+1"])
    wb.save(path)


# -- the largest sheets Excel allows: every row of the grid a formula row -----------------

GRID_ROWS = 1_048_576


def _streamed_sheet(path, rows):
    """A workbook of one sheet 'S' whose rows come from ``rows`` (an iterable of each
    row's cells' XML), written to the zip as they are made: a million rows are never held."""
    base = path.with_suffix(".base.xlsx")
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = 0
    wb.save(base)
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if not info.filename.startswith("xl/worksheets/sheet"):
                zout.writestr(info, data)
                continue
            head, tail = data.split(b"<sheetData>")[0], data.split(b"</sheetData>")[1]
            head = head.replace(b'<dimension ref="A1:A1"/>', b"")
            with zout.open(info.filename, "w") as out:
                out.write(head + b"<sheetData>")
                batch = []
                for r, cells in enumerate(rows, start=1):
                    batch.append(b'<row r="%d">%s</row>' % (r, cells))
                    if len(batch) == 10_000:
                        out.write(b"".join(batch))
                        batch.clear()
                out.write(b"".join(batch) + b"</sheetData>" + tail)
    base.unlink()


def _million_rows(path):
    # A: the row's number; B: =A*2 in every row of the grid.
    _streamed_sheet(path, (b'<c r="A%d"><v>%d</v></c><c r="B%d"><f>A%d*2</f><v>0</v></c>'
                           % (r, r, r, r) for r in range(1, GRID_ROWS + 1)))


def _whole_column_chain(path):
    # A1 = A2+1, A2 = A3+1, ... A1048575 = A1048576+1, A1048576 = 1: read from the top,
    # each cell needs the one below it, 1,048,575 deep.
    _streamed_sheet(path, (b'<c r="A%d"><f>A%d+1</f><v>0</v></c>' % (r, r + 1)
                           if r < GRID_ROWS else b'<c r="A%d"><v>1</v></c>' % r
                           for r in range(1, GRID_ROWS + 1)))


def _cached_values(out: Path, column: bytes):
    """{row: cached value} of the formula cells of ``column`` in the output's sheet, read
    as the part is inflated."""
    cell = re.compile(rb'<c r="' + column + rb'(\d+)"[^>]*><f>[^<]*</f><v>([^<]*)</v></c>')
    found = {}
    with zipfile.ZipFile(out) as z, z.open("xl/worksheets/sheet1.xml") as fh:
        carry = b""
        while True:
            chunk = fh.read(1 << 22)
            data = carry + chunk
            cut = data.rfind(b"<c ") if chunk else len(data)
            for m in cell.finditer(data, 0, cut):
                found[int(m.group(1))] = float(m.group(2))
            carry = data[cut:]
            if not chunk:
                return found


def _check_million_rows(out: Path):
    got = _cached_values(out, b"B")
    assert len(got) == GRID_ROWS, len(got)
    wrong = [r for r, v in got.items() if v != 2 * r]
    assert not wrong, [(r, got[r]) for r in wrong[:5]]


def _check_whole_column_chain(out: Path):
    got = _cached_values(out, b"A")
    assert len(got) == GRID_ROWS - 1, len(got)
    wrong = [r for r, v in got.items() if v != GRID_ROWS - r + 1]
    assert not wrong, [(r, got[r]) for r in wrong[:5]]
    assert got[1] == GRID_ROWS, got[1]


# -- formulas that once gave a wrong value with exit 0 (issue 15): computed, and checked ----


def _formula_book(cells, setup=None):
    def build(path):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "S"
        for ref, v in cells.items():
            ws[ref] = v
        if setup:
            setup(wb)
        wb.save(path)
    return build


def _values(out: Path):
    return openpyxl.load_workbook(out, data_only=True)["S"]


def _check_number_limits(out: Path):
    ws = _values(out)
    # Excel: beyond ±1.7976931348623158E+308 a result is #NUM!; literals are doubles.
    got = [ws[c].value for c in ("B1", "B2", "B3", "B4", "B5", "B7", "B8", "B9", "B10")]
    assert got == ["#NUM!"] * 9, got
    assert abs(ws["B6"].value - 7.257415615307994e306) / 7.257415615307994e306 < 1e-12, ws["B6"].value


def _check_whole_column(out: Path):
    ws = _values(out)
    # 1,048,576 rows, 5 of them filled
    assert ws["B1"].value == 1_048_571, ws["B1"].value


def _check_utf16_length(out: Path):
    ws = _values(out)
    assert (ws["B1"].value, ws["B2"].value) == (2, 3), (ws["B1"].value, ws["B2"].value)


def _check_random(out: Path):
    ws = _values(out)
    for r in range(1, 21):
        v = ws.cell(r, 2).value
        assert v == int(v) and 1 <= v <= 6, v
        u = ws.cell(r, 3).value
        assert 0 <= u < 1, u


def _date1904(wb):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb.epoch = CALENDAR_MAC_1904


def _check_date1904(out: Path):
    # 2025-10-01 is 45931 in the 1900 system and 1,462 days less in the 1904 system.
    raw = openpyxl.load_workbook(out, data_only=True)
    ws = raw["S"]
    v = ws["A1"].value
    serial = v if isinstance(v, (int, float)) else None
    assert serial == 45931 - 1462, v
    assert ws["A2"].value == 2025 and ws["A3"].value == 10, (ws["A2"].value, ws["A3"].value)


def _iterative(wb):
    from openpyxl.workbook.properties import CalcProperties
    wb.calculation = CalcProperties(iterate=True, iterateCount=100, iterateDelta=0.001)


def _check_iterative(out: Path):
    # x = x/2 + 1 from 0, iterated until it changes by less than 0.001: close to 2.
    v = _values(out)["A1"].value
    assert isinstance(v, float) and abs(v - 2) < 0.002, v


PARTS = {
    "sheet": lambda ms: _sheet(ms),
    "workbook": lambda ms: "xl/workbook.xml",
    "workbook rels": lambda ms: "xl/_rels/workbook.xml.rels",
    "package rels": lambda ms: "_rels/.rels",
    "content types": lambda ms: "[Content_Types].xml",
}


def cases():
    out = [
        Case("media_bomb", "an image part inflating to 2 GB of zeros", ("xl/media/image1.png",),
             _media_bomb),
        Case("lying_sizes", "a sheet declaring 4 KB that inflates to 1 GB",
             ("xl/worksheets/sheet1.xml",), _lying_sizes),
        Case("many_parts", "200,000 zip entries", ("parts", "--max-parts"), _many_parts),
        Case("overlapping_entries", "2,000 directory entries sharing one 64 MB bomb's data",
             ("share their data",), _overlapping),
        Case("path_traversal", "a zip entry named ../../evil.sh", ("points outside",),
             _extra_member("../../evil.sh")),
        Case("absolute_name", "a zip entry named /etc/cron.d/x", ("points outside",),
             _extra_member("/etc/cron.d/x")),
        Case("duplicate_entries", "the sheet's part twice, the second with other numbers",
             ("two zip entries",), _duplicate),
        Case("zip_password", "every zip entry encrypted (a zip-level password)",
             ("password",), _password),
        Case("deep_nesting", "100,000 nested elements inside a cell", ("damaged part",),
             _edit(_sheet, lambda old: old.replace(b"<v>275</v>", b"<x>" * 100_000))),
        Case("unclosed_cells", "20,000 cells never closed", ("damaged part",),
             _edit(_sheet, _unclosed(20_000, b'<c r="A%d"><v>1</v>'))),
        Case("unclosed_formulas", "20,000 cells whose <f> is never closed", ("damaged part",),
             _edit(_sheet, _unclosed(20_000, b'<c r="A%d"><f>1+1</c>'))),
        Case("unclosed_attributes", "20,000 cells with an attribute never closed",
             ("damaged part",), _edit(_sheet, _unclosed(20_000, b'<c r="A%d" t="'))),
        Case("utf16_sheet", "the sheet in UTF-16 with a BOM and a stale cached value", (),
             _utf16, ok=True, check=_check_conversion),
        Case("big_media", "a genuine 300 MB video part, copied to the output in pieces", (),
             _big_media, ok=True, check=_check_big_media, max_mb=150, max_seconds=60),
        Case("number_limits", "=10^400, its tenth, 1E308+1E308, FACT(171), POWER(100,1E13), "
             "SUM over +inf and -inf", (),
             _formula_book({"B1": "=10^400", "B2": "=B1/10", "B3": "=1E308+1E308",
                            "B4": "=FACT(171)", "B5": "=POWER(100,10000000000000)",
                            "B6": "=FACT(170)", "B7": "=1E308*10", "B8": "=-1E308*10",
                            "B9": "=SUM(B7:B8)", "B10": "=EXP(1000)-EXP(1000)"}),
             ok=True, check=_check_number_limits),
        Case("whole_column_countblank", "COUNTBLANK(A:A) over 5 filled cells", (),
             _formula_book({**{f"A{r}": r for r in range(1, 6)}, "B1": "=COUNTBLANK(A:A)"}),
             ok=True, check=_check_whole_column),
        Case("utf16_text_length", "LEN of an emoji and of an emoji with a letter", (),
             _formula_book({"A1": "\U0001F600", "A2": "a\U0001F600", "B1": "=LEN(A1)",
                            "B2": "=LEN(A2)"}),
             ok=True, check=_check_utf16_length),
        Case("random", "RANDBETWEEN(1,6) and RAND() in 20 rows", (),
             _formula_book({**{f"B{r}": "=RANDBETWEEN(1,6)" for r in range(1, 21)},
                            **{f"C{r}": "=RAND()" for r in range(1, 21)}}),
             ok=True, check=_check_random),
        Case("date1904", "DATE, YEAR and MONTH in a workbook saved with 1904 dates", (),
             _formula_book({"A1": "=DATE(2025,10,1)", "A2": "=YEAR(A1)", "A3": "=MONTH(A1)"},
                           _date1904),
             ok=True, check=_check_date1904),
        Case("iterative_calculation", "a cell reading itself with iterative calculation on", (),
             _formula_book({"A1": "=A1/2+1"}, _iterative),
             ok=True, check=_check_iterative),
        Case("max_cells", "3,000 agents read with --max-cells 5000", ("--max-cells",),
             _many_cells, args=("--max-cells", "5000")),
        Case("timeout", "a long calculation with --timeout 2", ("--timeout", "2 s"),
             _slow, args=("--timeout", "2"), max_seconds=60),
        Case("million_formula_rows", "1,048,576 rows of =A*2, every row of the grid", (),
             _million_rows, ok=True, check=_check_million_rows, max_mb=MILLION_MB,
             max_seconds=MILLION_SECONDS, cap=MILLION_ROWS_CAP),
        Case("whole_column_chain", "a chain A1=A2+1 ... down the whole column, 1,048,575 deep",
             (), _whole_column_chain, ok=True, check=_check_whole_column_chain,
             max_mb=MILLION_MB, max_seconds=MILLION_SECONDS),
    ]
    for part, which in PARTS.items():
        key = part.replace(" ", "_")
        out.append(Case(f"xxe_{key}", f"an external entity (XXE) in the {part}", ("DTD",),
                        _edit(which, lambda old: with_dtd(old, XXE, b"&x;"))))
        out.append(Case(f"billion_laughs_{key}", f"billion laughs in the {part}", ("DTD",),
                        _edit(which, lambda old: with_dtd(old, LAUGHS, b"&j;"))))
    strings = (b'<?xml version="1.0"?><sst xmlns="' + MAIN_NS.encode() + b'" count="1" '
               b'uniqueCount="1"><si><t>agent</t></si></sst>')
    out.append(Case("xxe_shared_strings", "an external entity (XXE) in the shared strings",
                    ("DTD",), _extra_member("xl/sharedStrings.xml",
                                            with_dtd(strings, XXE, b"&x;"))))
    out.append(Case("billion_laughs_shared_strings", "billion laughs in the shared strings",
                    ("DTD",), _extra_member("xl/sharedStrings.xml",
                                            with_dtd(strings, LAUGHS, b"&j;"))))
    out.append(Case("quadratic_blowup", "a 100 KB entity used 50,000 times in the sheet",
                    ("DTD",), _edit(_sheet, lambda old: with_dtd(old, QUADRATIC, b"&a;" * 50_000))))
    out.append(Case("xxe_table", "an external entity (XXE) in a table part", ("DTD",),
                    _table_edit(lambda old: with_dtd(old, XXE, b""))))
    out.append(Case("billion_laughs_table", "billion laughs in a table part", ("DTD",),
                    _table_edit(lambda old: with_dtd(old, LAUGHS, b""))))
    out.append(Case("xxe_sheet_rels", "an external entity (XXE) in a sheet's relationships",
                    ("DTD",), _table_edit(lambda old: with_dtd(old, XXE, b""),
                                          "xl/worksheets/_rels/")))
    out.append(Case("billion_laughs_sheet_rels", "billion laughs in a sheet's relationships",
                    ("DTD",), _table_edit(lambda old: with_dtd(old, LAUGHS, b""),
                                          "xl/worksheets/_rels/")))
    return out


# --------------------------------------------------------------------------- running a case

_CHILD = r"""
import os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from kpi_xl.cli import main
code = main(sys.argv[1:])
# VmHWM, not ru_maxrss: the latter keeps the launching process's peak across exec.
with open("/proc/self/status") as fh:
    own = next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:"))
peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
with open(os.environ["HOSTILE_PEAK_FILE"], "w") as fh:
    fh.write(str(peak))
sys.exit(code)
"""


def run_case(case: Case, folder: Path) -> dict:
    """Build ``case`` beside a good workbook, recalculate both, check and measure."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = folder / "in"
    inputs.mkdir()
    hostile = inputs / f"{case.name}.xlsx"
    case.build(hostile)
    good = good_workbook(inputs / "good.xlsx")
    before = {p.name: p.read_bytes() for p in (hostile, good)}
    out = folder / "out"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               HOSTILE_PEAK_FILE=str(folder / "peak"))
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(cap=case.cap), "recalc",
                           str(hostile), str(good), "-o", str(out), "--quiet", *case.args],
                          capture_output=True, text=True, timeout=case.max_seconds + 60, env=env,
                          cwd=root)
    seconds = time.perf_counter() - t0
    peak_file = folder / "peak"
    peak_mb = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
    text = proc.stdout + proc.stderr
    line = next((ln for ln in text.splitlines() if hostile.name in ln and "FAILED" in ln), "")
    return {
        "name": case.name, "what": case.what, "seconds": seconds, "peak_mb": peak_mb,
        "exit": proc.returncode, "line": line.strip(), "output": text,
        "input_unchanged": all((inputs / n).read_bytes() == b for n, b in before.items()),
        "good_written": (out / "good.xlsx").exists(),
        "hostile_written": (out / hostile.name).exists(),
        "hostile_out": out / hostile.name,
    }


def verdict(case: Case, got: dict) -> list:
    """What is wrong with a case's run (empty when it passed)."""
    problems = []
    if got["seconds"] > case.max_seconds:
        problems.append(f"took {got['seconds']:.1f} s, more than {case.max_seconds:g} s")
    if not got["peak_mb"] <= case.max_mb:
        problems.append(f"peak memory {got['peak_mb']:.0f} MB, more than {case.max_mb:g} MB")
    if not got["input_unchanged"]:
        problems.append("an input file changed")
    if not got["good_written"]:
        problems.append("the good workbook beside it was not written")
    if case.ok:
        if got["exit"] != 0 or not got["hostile_written"]:
            problems.append(f"was not recalculated: {got['output'][-400:]}")
        elif case.check:
            try:
                case.check(got["hostile_out"])
            except AssertionError as exc:
                problems.append(f"wrong value after recalculation: {exc}")
    else:
        if got["exit"] != 1 or got["hostile_written"]:
            problems.append("was not refused")
        if not got["line"]:
            problems.append(f"no sentence names the file: {got['output'][-400:]}")
        for word in case.expect:
            if word not in got["line"]:
                problems.append(f"the message lacks {word!r}: {got['line']}")
        if "bug in kpi_xl" in got["line"] or "Traceback" in got["output"]:
            problems.append(f"reported as a bug: {got['output'][-400:]}")
    return problems


def write_report(rows, path: Path):
    lines = [
        "# Hostile inputs: time and memory per case",
        "",
        "Produced by `python -m tests.hostile.corpus` (the same cases run in CI through",
        "`tests/hostile/test_corpus.py`). Each hostile workbook is recalculated beside a good",
        "one by `kpi-xl recalc` in a child process capped at 1.5 GB of address space (the",
        "million formula rows at 1.25 GB, to keep their margin under 1.5 GB); time is",
        "the whole command's, peak memory the largest resident size of the command and its",
        "workers. Every case leaves its inputs unchanged and the good workbook written.",
    ] + (["The cases marked *slow* run in CI behind pytest's slow marker, under the same cap."]
         if any(row.get("slow") for row in rows) else []) + [
        "",
        "| case | input | time (s) | peak memory (MB) | result |",
        "|---|---|---:|---:|---|",
    ]
    for row in rows:
        result = row["line"].split(": FAILED: ", 1)[-1] if row["line"] else "recalculated"
        result = result.replace("|", "\\|").replace(str(row.get("folder", "")), "")
        name = row["name"] + (" (*slow*)" if row.get("slow") else "")
        lines.append(f"| {name} | {row['what']} | {row['seconds']:.2f} | "
                     f"{row['peak_mb']:.0f} | {result} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None):
    rows, failed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases():
            got = run_case(case, Path(tmp) / case.name)
            problems = verdict(case, got)
            got["line"] = got["line"].replace(str(Path(tmp) / case.name / "in") + os.sep, "")
            got["slow"] = case.slow
            rows.append(got)
            failed += bool(problems)
            print(f"{case.name:28} {got['seconds']:6.2f} s {got['peak_mb']:7.0f} MB  "
                  + ("ok" if not problems else "; ".join(problems)))
    root = Path(__file__).resolve().parents[2]
    write_report(rows, root / "docs" / "hostile_report.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
