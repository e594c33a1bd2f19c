"""``fileio.atomic_write``: a file is either the old one or the complete new one.

Both writers of workbooks (the engine's ``write_values`` and the templates'
``normalise_package``) go through it; the failures here are real ones in real files.
"""
from __future__ import annotations

import os
import stat
import zipfile

import openpyxl
import pytest

from kpi_xl.fileio import atomic_write


def _chunks_then_fail(n):
    for i in range(n):
        yield b"new content %d\n" % i
    raise RuntimeError("the source ran dry")


def _write_from(chunks):
    def produce(fh):
        for chunk in chunks:
            fh.write(chunk)
    return produce


def test_failure_mid_write_leaves_the_original_and_no_temporary_file(tmp_path):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(b"the original")
    with pytest.raises(RuntimeError, match="ran dry"):
        atomic_write(path, _write_from(_chunks_then_fail(1000)))
    assert path.read_bytes() == b"the original"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.xlsx"]


def test_failure_mid_write_of_a_new_file_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "new.xlsx", _write_from(_chunks_then_fail(3)))
    assert list(tmp_path.iterdir()) == []


def test_interrupt_mid_write_cleans_up_too(tmp_path):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(b"the original")

    def interrupted(fh):
        fh.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, interrupted)
    assert path.read_bytes() == b"the original"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.xlsx"]


def test_success_replaces_and_keeps_the_old_files_mode(tmp_path):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    atomic_write(path, _write_from([b"new ", b"content"]))
    assert path.read_bytes() == b"new content"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["scores.xlsx"]


def test_a_new_file_gets_the_umasks_mode_not_the_temporary_files_0600(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.xlsx", _write_from([b"x"]))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.xlsx").stat().st_mode) == 0o640   # 0666 & ~0027


def test_produce_may_seek_in_the_file(tmp_path):
    # zipfile writes a member's header again once its size is known.
    def produce(fh):
        fh.write(b"xxxx tail")
        fh.seek(0)
        fh.write(b"head")
    atomic_write(tmp_path / "f.bin", produce)
    assert (tmp_path / "f.bin").read_bytes() == b"head tail"


def _book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws["A1"], ws["B1"] = 4, "=A1*2"
    wb.save(path)


def test_engine_writer_refusing_mid_write_in_place_leaves_the_workbook(tmp_path):
    from kpi_xl.engine.xlsx_write import WorkbookWriteError, write_values
    path = tmp_path / "book.xlsx"
    _book(path)
    before = path.read_bytes()
    # The members before the sheet are in the new package when A1 (an input) is refused.
    with pytest.raises(WorkbookWriteError, match="has no formula in Scores!A1"):
        write_values(path, path, {"Scores": {(1, 2): 8, (1, 1): 99}})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_normalise_package_fixes_stamps_in_place_and_keeps_the_mode(tmp_path):
    from kpi_xl.templates.package import normalise_package
    path = tmp_path / "book.xlsx"
    _book(path)
    os.chmod(path, 0o604)
    normalise_package(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]
    with zipfile.ZipFile(path) as z:
        assert {info.date_time for info in z.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml")
    assert b">2025-01-01T00:00:00Z</dcterms:created>" in core
    assert b">2025-01-01T00:00:00Z</dcterms:modified>" in core
    assert openpyxl.load_workbook(path)["Scores"]["B1"].value == "=A1*2"


def test_a_batch_syncs_each_folder_once_at_its_end(tmp_path, monkeypatch):
    # Every file is synced before its rename; the folder holding the renames is synced once
    # when the batch ends, not once per file (the real sync runs, counted on its way).
    import kpi_xl.fileio as fileio
    from kpi_xl.engine.batch import recalc_many
    synced = []
    real = fileio._sync_folder
    monkeypatch.setattr(fileio, "_sync_folder", lambda folder: (synced.append(folder),
                                                                 real(folder)))
    atomic_write(tmp_path / "alone.bin", _write_from([b"x"]))
    assert synced == [str(tmp_path)]
    synced.clear()
    out = tmp_path / "out"
    out.mkdir()
    pairs = []
    for i in range(5):
        wb = openpyxl.Workbook()
        wb.active["A1"] = i
        wb.active["A2"] = "=A1*2"
        wb.save(tmp_path / f"in{i}.xlsx")
        pairs.append((tmp_path / f"in{i}.xlsx", out / f"in{i}.xlsx"))
    # in this process (no time limit, so no worker process to count in)
    from kpi_xl.limits import Limits
    results = recalc_many(pairs, limits=Limits(timeout=None))
    assert all(r.ok for r in results)
    assert synced == [str(out)]
    for i in range(5):
        with zipfile.ZipFile(out / f"in{i}.xlsx") as z:
            assert b"<v>%d</v>" % (2 * i) in z.read("xl/worksheets/sheet1.xml")
    with fileio.folder_syncs_deferred():
        atomic_write(tmp_path / "a.bin", _write_from([b"a"]))
        with fileio.folder_syncs_deferred():    # nested: the outer one syncs
            atomic_write(tmp_path / "b.bin", _write_from([b"b"]))
        assert synced == [str(out)]
    assert synced == [str(out), str(tmp_path)]
