"""`kpi-xl recalc` end to end on real .xlsx files: spellings of our functions, bad
files, atomic in-place writes, parallel runs.  Expected numbers are worked by hand
from DOMAIN.md's composite model (agent A: 88 buyers of 275 inquiries = 32 % → 70
points; B 582/1455 = 40 % → 90; C 232/800 = 29 % → 60 under the published table)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.cli import main

CONVERSION_BANDS = [(0.41, None, 100), (0.38, 0.41, 90), (0.35, 0.38, 80), (0.32, 0.35, 70),
                    (0.28, 0.31, 60), (0.25, 0.28, 50), (None, 0.25, 0)]
AGENTS = [("A", 275, 88, 70), ("B", 1455, 582, 90), ("C", 800, 232, 60)]

SPELLINGS = [
    "KPI_BAND({v},Scheme!$A$2:$C$8)",
    "_xludf.KPI_BAND({v},Scheme!$A$2:$C$8)",
    "_xll.KPI_BAND({v},Scheme!$A$2:$C$8)",
    "[1]!KPI_BAND({v},Scheme!$A$2:$C$8)",
    "'C:\\Users\\hr\\AppData\\Roaming\\xlwings.xlam'!KPI_BAND({v},Scheme!$A$2:$C$8)",
    "XLWINGS.KPI_BAND({v},Scheme!$A$2:$C$8)",
    "_xldudf_XLWINGS_KPI_BAND({v},Scheme!$A$2:$C$8)",
    "[2]!_xldudf_XLWINGS_KPI_BAND({v},Scheme!$A$2:$C$8)",
]


def build_book(path, formula_template="KPI_BAND({v},Scheme!$A$2:$C$8)"):
    wb = openpyxl.Workbook()
    scheme = wb.active
    scheme.title = "Scheme"
    scheme.append(["lower", "upper", "points"])
    for row in CONVERSION_BANDS:
        scheme.append(list(row))
    data = wb.create_sheet("Agents")
    data.append(["agent", "inquiries", "buyers", "conversion", "points", "note"])
    for i, (name, inq, buy, _) in enumerate(AGENTS, start=2):
        data.append([name, inq, buy, f"=KPI_RATE(C{i},B{i})",
                     "=" + formula_template.format(v=f"D{i}")])
    data["F2"].font = openpyxl.styles.Font(bold=True, color="FF0000")
    data.column_dimensions["A"].width = 17
    wb.save(path)
    return path


def read_points(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    return [wb["Agents"].cell(i, 5).value for i in range(2, 2 + len(AGENTS))]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_saved_spelling_of_our_functions_is_computed(tmp_path, spelling):
    src = build_book(tmp_path / "book.xlsx", spelling)
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    assert read_points(tmp_path / "out" / "book.xlsx") == [70, 90, 60]


def test_output_keeps_formulas_and_styles_and_input_is_untouched(tmp_path):
    src = build_book(tmp_path / "book.xlsx")
    before = src.read_bytes()
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    assert src.read_bytes() == before
    out = openpyxl.load_workbook(tmp_path / "out" / "book.xlsx")
    assert out["Agents"]["E2"].value == "=KPI_BAND(D2,Scheme!$A$2:$C$8)"
    assert out["Agents"]["F2"].font.bold and out["Agents"]["F2"].font.color.rgb == "00FF0000"
    assert out["Agents"].column_dimensions["A"].width == 17
    values = openpyxl.load_workbook(tmp_path / "out" / "book.xlsx", data_only=True)
    assert values["Agents"]["D2"].value == pytest.approx(88 / 275)


def test_values_only_copy_has_no_formulas(tmp_path):
    src = build_book(tmp_path / "book.xlsx")
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--values-only", "--quiet"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "out" / "book.xlsx")
    assert wb["Agents"]["E2"].value == 70
    assert wb["Agents"]["D3"].value == pytest.approx(582 / 1455)


def test_refuses_to_overwrite_unasked(tmp_path, capsys):
    src = build_book(tmp_path / "book.xlsx")
    before = src.read_bytes()
    assert main(["recalc", str(src)]) == 1
    assert "-o FOLDER" in capsys.readouterr().err
    assert main(["recalc", str(src), "-o", str(tmp_path)]) == 1
    assert "overwritten by its own output" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_in_place_replaces_only_after_complete_write(tmp_path):
    src = build_book(tmp_path / "book.xlsx")
    assert main(["recalc", str(src), "--in-place", "--quiet"]) == 0
    assert read_points(src) == [70, 90, 60]
    assert not [p for p in tmp_path.iterdir() if p.name != "book.xlsx"], "temp files left behind"


def _bad_files(folder: Path):
    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04 this is not really a zip")
    # An encrypted OOXML package is an OLE compound file.
    (folder / "protected.xlsx").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
                                            + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64)
    bomb = folder / "bomb.xlsx"
    build_book(bomb)
    with zipfile.ZipFile(bomb) as z:
        members = {n: z.read(n) for n in z.namelist()}
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10)
        for i in range(1, 10)) + b']><workbook>&lol9;</workbook>'
    members["xl/workbook.xml"] = lol
    with zipfile.ZipFile(bomb, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    circ = build_book(folder / "circular.xlsx")
    wb = openpyxl.load_workbook(circ)
    wb["Agents"]["G2"] = "=G3+1"
    wb["Agents"]["G3"] = "=G2+1"
    wb.save(circ)
    missing = build_book(folder / "missing_sheet.xlsx", "KPI_BAND({v},Nowhere!$A$2:$C$8)")
    return missing


def test_bad_files_are_reported_and_the_rest_written(tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    build_book(inp / "good.xlsx")
    _bad_files(inp)
    before = {p.name: p.read_bytes() for p in inp.iterdir()}
    code = main(["recalc", str(inp), "-o", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert "corrupt.xlsx" in out and "protected.xlsx: FAILED" in out and "password" in out
    assert "bomb.xlsx: FAILED" in out and "bomb.xlsx: 6 formula" not in out
    assert "circular reference at Agents!G" in out
    assert "missing_sheet.xlsx [Agents] error cells: E2 #REF!" in out
    assert read_points(tmp_path / "out" / "good.xlsx") == [70, 90, 60]
    assert {p.name: p.read_bytes() for p in inp.iterdir()} == before


def test_unknown_functions_are_named_with_their_cells(tmp_path, capsys):
    src = build_book(tmp_path / "book.xlsx", "NOT_A_FUNCTION({v})")
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "unknown function NOT_A_FUNCTION (shows #NAME?) in Agents!E2, Agents!E3, Agents!E4" in out


def test_parallel_run_gives_the_same_results(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(4):
        build_book(inp / f"shop{i}.xlsx")
    assert main(["recalc", str(inp / "*.xlsx"), "-o", str(tmp_path / "out"), "--jobs", "2",
                 "--quiet"]) == 0
    for i in range(4):
        assert read_points(tmp_path / "out" / f"shop{i}.xlsx") == [70, 90, 60]


def test_in_place_killed_mid_write_leaves_input_intact(tmp_path):
    src = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 40001):
        ws.append([r, r * 2, f"=A{r}*B{r}", f"=ROUND(C{r}/7,2)"])
    wb.save(src)
    before = src.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "kpi_xl.cli", "recalc", str(src), "--in-place",
                             "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import time
    time.sleep(1.5)
    proc.kill()
    proc.wait()
    after = src.read_bytes()
    # Either untouched, or completely replaced by a valid recalculated workbook.
    if after != before:
        check = openpyxl.load_workbook(src, data_only=True, read_only=True)
        assert next(check.active.iter_rows(min_row=2, max_row=2, values_only=True))[2] == 8
    else:
        openpyxl.load_workbook(src, read_only=True).close()


def test_registry_is_registered_into_formulas_own_engine(tmp_path):
    """The `formulas` library's ExcelModel, given our registry, scores the same workbook."""
    import formulas
    from kpi_xl.engine.functions.kpi import register_into_formulas
    assert "KPI_BAND" in register_into_formulas()
    src = build_book(tmp_path / "book.xlsx")
    model = formulas.ExcelModel().loads(str(src)).finish()
    sol = model.calculate()
    got = {k.split("!")[-1]: v.value[0, 0] for k, v in sol.items() if "AGENTS" in k.upper()}
    assert [got["E2"], got["E3"], got["E4"]] == [70, 90, 60]


def _damaged(tmp_path, change):
    """The test book with its sheet of KPI_BAND formulas' part replaced by ``change(part)``,
    saved as damaged.xlsx: (its path, the part's name)."""
    src = build_book(tmp_path / "book.xlsx")
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in members if n.startswith("xl/worksheets/") and b"KPI_BAND" in members[n])
    members[name] = change(members[name])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    return damaged, name


@pytest.mark.parametrize("bad", [b"\xff\xfe", b"&#99999999;"])
def test_damaged_sheet_text_is_a_sentence_not_a_traceback(tmp_path, capsys, bad):
    damaged, name = _damaged(tmp_path, lambda part: part.replace(b"</f>", bad + b"</f>", 1))
    assert main(["recalc", str(damaged), "-o", str(tmp_path / "out"), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert f"damaged.xlsx has a damaged part {name}" in out
    assert "bug" not in out and "Traceback" not in out


@pytest.mark.parametrize("part, said", [
    (b"", "has a damaged part {name}"),
    (b"\x00\xff garbage", "has a damaged part {name}"),
    (b"<html><body>hi</body></html>", "is XML but not a worksheet"),
    (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
     "is XML but not a worksheet"),
])
def test_a_sheet_part_that_is_not_a_worksheet_is_refused(tmp_path, capsys, part, said):
    """Before, a worksheet part holding no XML, or XML without <sheetData>, was read as an
    empty sheet: its formulas gone from the calculation, exit 0."""
    damaged, name = _damaged(tmp_path, lambda _: part)
    assert main(["recalc", str(damaged), "-o", str(tmp_path / "out"), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert said.format(name=name) in out, out
    assert "bug" not in out and "Traceback" not in out
    assert not (tmp_path / "out" / "damaged.xlsx").exists()


def test_inputs_folders_patterns_and_lock_files(tmp_path):
    from kpi_xl.engine.batch import expand_inputs
    for name in ("b.xlsx", "a.xlsm", "~$b.xlsx", "notes.txt", "C.XLSX"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub.xlsx").mkdir()
    want = [tmp_path / "C.XLSX", tmp_path / "a.xlsm", tmp_path / "b.xlsx"]
    for missing in ("refuse", "keep"):
        assert expand_inputs([str(tmp_path)], missing) == want
        assert expand_inputs([str(tmp_path / "*.xls*"), str(tmp_path / "b.xlsx")], missing) == \
            [tmp_path / "a.xlsm", tmp_path / "b.xlsx"]


def test_missing_input_refuses_recalc_and_is_kept_for_summary(tmp_path, capsys):
    from kpi_xl.engine.batch import BatchUsageError, expand_inputs
    build_book(tmp_path / "book.xlsx")
    gone, nothing = str(tmp_path / "gone.xlsx"), str(tmp_path / "*.xlsm")
    with pytest.raises(BatchUsageError, match="no workbook found at .*gone.xlsx"):
        expand_inputs([str(tmp_path / "book.xlsx"), gone])
    with pytest.raises(BatchUsageError, match=r"\*\.xlsm"):
        expand_inputs([nothing])
    assert expand_inputs([str(tmp_path / "book.xlsx"), gone, nothing], missing="keep") == \
        [tmp_path / "book.xlsx", Path(gone)]
    # End to end: recalc writes nothing; summary names the missing file among its problems.
    assert main(["recalc", str(tmp_path / "book.xlsx"), gone, "-o", str(tmp_path / "out")]) == 1
    assert "no workbook found at" in capsys.readouterr().err and not (tmp_path / "out").exists()
    assert main(["summary", gone, "-o", str(tmp_path / "s.xlsx"), "--quiet"]) == 1
    assert f"{gone} does not exist." in capsys.readouterr().err


def _children(pid):
    """Process ids of ``pid``'s children (Linux /proc)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(t) for t in text]
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_killed_worker_costs_only_its_own_file(tmp_path):
    """--jobs 2, both workers on a big file and six small ones waiting; one worker killed
    (as the OOM killer does).  Only its file is lost, named with the reason; the other
    big file and the six waiting are written (a broken process pool used to fail every
    file still waiting: 0 of 8 written)."""
    import signal
    import time
    folder = tmp_path / "in"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 100_001):
        ws.append([r, f"=A{r}*2", f"=B{r}+1"])
    wb.save(folder / "a_big1.xlsx")
    shutil.copy(folder / "a_big1.xlsx", folder / "a_big2.xlsx")
    for i in range(6):
        build_book(folder / f"shop{i}.xlsx")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "kpi_xl.cli", "recalc", str(folder), "-o",
                             str(out), "--jobs", "2", "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    deadline = time.time() + 60
    while time.time() < deadline and len(_children(proc.pid)) < 2:
        time.sleep(0.05)
    time.sleep(1.0)            # both workers are reading their big file
    assert not list(out.glob("shop*.xlsx"))
    os.kill(_children(proc.pid)[0], signal.SIGKILL)
    stdout, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1
    failed = [ln for ln in stdout.splitlines() if "FAILED" in ln]
    assert len(failed) == 1, stdout
    assert "a_big" in failed[0] and "killed" in failed[0] and "SIGKILL" in failed[0]
    assert "bug" not in failed[0]
    lost = "a_big1.xlsx" if "a_big1.xlsx" in failed[0] else "a_big2.xlsx"
    assert not (out / lost).exists()
    assert len(list(out.glob("a_big*.xlsx"))) == 1
    assert not list(out.glob(".*.tmp"))      # no half-written file left behind
    for i in range(6):
        assert read_points(out / f"shop{i}.xlsx") == [70, 90, 60]
    assert "7 of 8 workbooks recalculated" in stdout


def test_a_file_over_its_time_is_stopped_and_the_others_written(tmp_path, capsys):
    src = tmp_path / "a_slow.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 60_001):
        ws.append([r, f"=SUMPRODUCT(A$1:A{min(r, 400)})", f"=B{r}+1"])
    wb.save(src)
    good = build_book(tmp_path / "good.xlsx")
    import time
    t0 = time.perf_counter()
    assert main(["recalc", str(src), str(good), "-o", str(tmp_path / "out"), "--quiet",
                 "--timeout", "1"]) == 1
    assert time.perf_counter() - t0 < 20
    out = capsys.readouterr().out
    assert "a_slow.xlsx: FAILED:" in out and "limit of 1 s" in out and "--timeout" in out
    assert read_points(tmp_path / "out" / "good.xlsx") == [70, 90, 60]
    assert not (tmp_path / "out" / "a_slow.xlsx").exists()


@pytest.mark.parametrize("flag,value,words", [
    ("--max-cells", "10", "more than 10 cells"),
    ("--max-unpacked-mb", "0.001", "more than 0.001 MB"),
    ("--max-parts", "3", "more than the limit of 3"),
])
def test_limit_flags_refuse_with_the_flag_named(tmp_path, capsys, flag, value, words):
    src = build_book(tmp_path / "book.xlsx")
    before = src.read_bytes()
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), "--quiet", flag, value]) == 1
    out = capsys.readouterr().out
    assert "book.xlsx" in out and words in out and flag in out
    assert src.read_bytes() == before
    # Raised, the same file goes through.
    assert main(["recalc", str(src), "-o", str(tmp_path / "out2"), "--quiet"]) == 0


def test_without_a_time_limit_files_are_computed_in_process(tmp_path, capsys):
    src = build_book(tmp_path / "book.xlsx", "KPI_NOSUCH({v})")
    good = build_book(tmp_path / "good.xlsx")
    # One job: two files would otherwise be given to workers (--jobs auto).
    assert main(["recalc", str(src), str(good), "-o", str(tmp_path / "out"), "--timeout", "0",
                 "--jobs", "1"]) == 0
    assert read_points(tmp_path / "out" / "good.xlsx") == [70, 90, 60]
    err = capsys.readouterr().err
    assert "unknown function KPI_NOSUCH" in err


@pytest.mark.parametrize("flag,value", [("--max-cells", "0"), ("--max-unpacked-mb", "-1"),
                                        ("--timeout", "-5")])
def test_impossible_limits_are_a_sentence(tmp_path, capsys, flag, value):
    src = build_book(tmp_path / "book.xlsx")
    assert main(["recalc", str(src), "-o", str(tmp_path / "out"), flag, value]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {flag} must be ")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("values_only", [False, True])
def test_a_sheet_saved_in_utf16_is_recalculated_and_written_back(tmp_path, values_only):
    """The sheet in UTF-16 (it used to read as empty, its formulas left uncomputed): the
    points come from the band table, and the rewritten sheet is UTF-8 openpyxl reads."""
    src = build_book(tmp_path / "book.xlsx")
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in members if b"KPI_BAND" in members[n])
    text = members[name].decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    members[name] = b"\xff\xfe" + text.encode("utf-16-le")
    odd = tmp_path / "utf16.xlsx"
    with zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    args = ["recalc", str(odd), "-o", str(tmp_path / "out"), "--quiet"]
    assert main(args + (["--values-only"] if values_only else [])) == 0
    assert read_points(tmp_path / "out" / "utf16.xlsx") == [70, 90, 60]


def test_the_batch_library_reports_through_callbacks_and_prints_nothing(tmp_path, capsys):
    # The command line alone prints: the library hands each early scan and each result back.
    from kpi_xl.engine.batch import plan_outputs, recalc_many, succeeded
    from kpi_xl.limits import DEFAULT_LIMITS, Limits
    good = build_book(tmp_path / "good.xlsx")
    odd = build_book(tmp_path / "odd.xlsx", "NOT_A_FUNCTION({v})")
    scanned, finished = [], []
    pairs = plan_outputs([good, odd], tmp_path / "out")
    in_process = Limits(**{**DEFAULT_LIMITS.__dict__, "timeout": None})
    results = recalc_many(pairs, on_scan=scanned.append, on_result=finished.append,
                          limits=in_process)
    assert capsys.readouterr() == ("", "")
    assert [r.path for r in finished] == [str(good), str(odd)]
    # Only a file with something unknown is reported early.
    assert [(r.path, sorted(r.unknown_functions)) for r in scanned] == [(str(odd), ["NOT_A_FUNCTION"])]
    assert scanned[0].unknown_functions["NOT_A_FUNCTION"] == ["Agents!E2", "Agents!E3", "Agents!E4"]
    assert read_points(tmp_path / "out" / "good.xlsx") == [70, 90, 60]
    assert succeeded(results)


ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "pandas", "openpyxl", "formulas", "xlwings", "regex")  # regex: 10 ms


def test_recalc_imports_no_heavy_library_its_formulas_do_not_need(tmp_path):
    # Every `kpi-xl recalc` pays its imports again: a library the workbook's formulas do
    # not call must not be loaded (numpy alone cost 0.09 s of CPU per run).
    src = build_book(tmp_path / "book.xlsx")
    code = ("import sys\nfrom kpi_xl.cli import main\n"
            f"code = main(['recalc', {str(src)!r}, '-o', {str(tmp_path / 'out')!r}, '--quiet', "
            "'--timeout', '0'])\n"
            f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1]
    assert out == "0 []"
    assert read_points(tmp_path / "out" / "book.xlsx") == [70, 90, 60]


def test_the_process_handing_out_files_does_not_load_the_engine(tmp_path):
    # With a time limit (the default) the file is computed in a worker; a parent that had
    # loaded the engine first made the worker copy its pages (25 ms of CPU per run).
    src = build_book(tmp_path / "book.xlsx")
    code = ("import sys\nfrom kpi_xl.cli import main\n"
            f"code = main(['recalc', {str(src)!r}, '-o', {str(tmp_path / 'out')!r}, '--quiet'])\n"
            "print(code, sorted(m for m in sys.modules if m.startswith('kpi_xl.engine.')\n"
            "                   and m not in ('kpi_xl.engine.batch', 'kpi_xl.engine.result')))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.splitlines()[-1]
    assert out == "0 []"
    assert read_points(tmp_path / "out" / "book.xlsx") == [70, 90, 60]


def test_same_shaped_workbooks_share_formula_trees_and_keep_their_own_values(tmp_path):
    # The second shop file parses nothing anew, and still computes its own data: agents
    # listed C, A, B score 60, 70, 90 (DOMAIN.md's table, worked by hand above).
    from kpi_xl.engine import shapes
    from kpi_xl.engine.batch import plan_outputs, recalc_many
    from kpi_xl.limits import DEFAULT_LIMITS, Limits
    first = build_book(tmp_path / "first.xlsx")
    second = build_book(tmp_path / "second.xlsx")
    wb = openpyxl.load_workbook(second)
    for i, (name, inq, buy, _) in enumerate([AGENTS[2], AGENTS[0], AGENTS[1]], start=2):
        wb["Agents"].cell(i, 1).value, wb["Agents"].cell(i, 2).value = name, inq
        wb["Agents"].cell(i, 3).value = buy
    wb.save(second)
    in_process = Limits(**{**DEFAULT_LIMITS.__dict__, "timeout": None})
    shapes.clear()
    recalc_many(plan_outputs([first], tmp_path / "out"), limits=in_process)
    kept = dict(shapes._trees)
    assert kept   # the first file's formulas were parsed once and kept
    recalc_many(plan_outputs([second], tmp_path / "out"), limits=in_process)
    assert shapes._trees == kept and all(shapes._trees[k] is t for k, t in kept.items())
    assert read_points(tmp_path / "out" / "first.xlsx") == [70, 90, 60]
    assert read_points(tmp_path / "out" / "second.xlsx") == [60, 70, 90]


def test_a_formula_tree_is_kept_per_text_and_sheet():
    from kpi_xl.engine import shapes
    from kpi_xl.engine.parser import FormulaSyntaxError, parse
    shapes.clear()
    a = shapes.parse_shared("=SUM(A1:A3)*2", "Agents")
    assert a == parse("=SUM(A1:A3)*2", "Agents") and shapes.parse_shared("=SUM(A1:A3)*2", "Agents") is a
    # the sheet a reference without one points at is part of the tree
    assert shapes.parse_shared("=SUM(A1:A3)*2", "Scheme") != a
    with pytest.raises(FormulaSyntaxError):
        shapes.parse_shared("=SUM(A1:", "Agents")
    assert ("=SUM(A1:", "Agents") not in shapes._trees


@pytest.mark.parametrize("text", ['=rtd("xl.rtd",,"price")', '=_xlfn._FV(A1,"Price")',
                                  '=fıeldvalue(A1,"Price")', '=Cubevalue("c",A1)'])
def test_the_sheet_wide_connection_check_misses_no_spelling(text):
    # Excel's spellings in any case (and a dotless i, which the case-blind match takes for
    # an I) still reach the per-cell check of connection.py; a sheet without any is skipped.
    from kpi_xl.engine.connection import connection_functions
    from kpi_xl.engine.recalc import _may_call
    assert connection_functions(text)
    assert _may_call({(1, 1): "=A2*2", (2, 1): text}) == (True, False)
    assert _may_call({(1, 1): "=A2*2", (2, 1): '=IF(A1="x",1,2)'}) == (False, False)
    assert _may_call({}) == (False, False)
    assert _may_call({(1, 1): '=_xlfn.DISPIMG("ID_1",1)'}) == (False, True)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_worker_whose_parent_was_killed_ends(tmp_path):
    # The worker held its own copy of the parent's end of their pipe (forked), so a parent
    # killed outright left it waiting for the next file for ever, its memory held.
    import signal
    import time
    src = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 40001):
        ws.append([r, r * 2, f"=A{r}*B{r}"])
    wb.save(src)
    proc = subprocess.Popen([sys.executable, "-m", "kpi_xl.cli", "recalc", str(src), "-o",
                             str(tmp_path / "out"), "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline and not _children(proc.pid):
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert workers, "the worker never started"
    proc.kill()
    proc.wait()
    deadline = time.time() + 60   # it may finish the file it is on first
    while time.time() < deadline and _running(workers[0]):
        time.sleep(0.1)
    alive = _running(workers[0])
    if alive:
        os.kill(workers[0], signal.SIGKILL)
    assert not alive


def _running(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
