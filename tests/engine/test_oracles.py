"""Agreement with Excel on the Excel-saved oracle workbooks (../shared/oracles, or
its tier-A files in tests/fixtures/oracles where it is absent), and on the second
corpus of workbooks nobody tuned on (/work/oracles2 or $KPI_XL_ORACLES2).

Every formula cell of those files carries the value Excel computed; the engine
recalculates each workbook, from a copy without those values, and must agree.
Tier A (the files that use functions KPI workbooks live on) runs in the default
test run; the whole sets are marked slow:

    python -m pytest -m slow tests/engine/test_oracles.py

The floors are set a little below what the engine reaches, so that a regression
fails the test while an improvement needs no edit here.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import oracle_runner  # noqa: E402

pytestmark = pytest.mark.skipif(not (oracle_runner.ORACLES / "MANIFEST.tsv").is_file(),
                                reason="neither ../shared/oracles nor tests/fixtures/oracles is present")
needs_whole_set = pytest.mark.skipif(
    oracle_runner.ORACLES != oracle_runner.SHARED_ORACLES,
    reason="../shared/oracles is not beside the checkout; tests/fixtures holds its tier A only")
needs_oracles2 = pytest.mark.skipif(
    not (oracle_runner.ORACLES2 / "files").is_dir(),
    reason=f"the second oracle corpus is not at {oracle_runner.ORACLES2} (set KPI_XL_ORACLES2)")

# What the engine reaches (see docs/oracle_report.md), less a small margin.
TIER_A_FLOOR = 99.1
TIER_A_KPI_FLOOR = 99.8
ALL_FLOOR = 99.5
ALL_KPI_FLOOR = 99.8
# Leaving out the cells that call the VBA/add-in functions the manifest's udf: flag names
ALL_WITHOUT_UDF_FLOOR = 99.55


def _files(tier=None):
    return [str(oracle_runner.ORACLES / "files" / r["file"]) for r in oracle_runner.manifest()
            if tier is None or r["tier"] == tier]


def _run(files):
    buf = io.StringIO()
    res = oracle_runner.run(files, out=buf)
    pct = 100 * res["ok"] / max(res["total"], 1)
    kpi_pct = 100 * res["kpi_ok"] / max(res["kpi_total"], 1)
    return res, buf.getvalue(), pct, kpi_pct


def _show(label, text, capsys):
    # Shown whether or not pytest captures output: the figures are the point of the run.
    with capsys.disabled():
        print(f"\n[oracles, {label}]\n{text}", end="")


def _worst(res, n=15):
    return "\n".join(f"  {name} {cell} ={text!r}: Excel {exp!r}, engine {act!r}"
                     for name, cell, text, exp, act in res["failures"][:n])


@pytest.fixture(scope="module")
def tier_a():
    files = _files("A")
    assert len(files) >= 100, "the manifest's tier A should hold about a hundred files"
    return _run(files)


def test_tier_a_agreement(tier_a, capsys):
    res, text, pct, kpi_pct = tier_a
    _show("tier A", text, capsys)
    assert res["total"] > 20000
    assert pct >= TIER_A_FLOOR, f"tier A agreement {pct:.2f} % < {TIER_A_FLOOR} %\n" + _worst(res)
    assert kpi_pct >= TIER_A_KPI_FLOOR, \
        f"KPI-relevant agreement {kpi_pct:.2f} % < {TIER_A_KPI_FLOOR} %\n" + _worst(res)


def test_tier_a_recalculates_every_file(tier_a):
    """Every Excel-saved file reads, and no exception escapes a function implementation
    (bad input gives an Excel error, never an EngineBug)."""
    res = tier_a[0]
    assert not res["crashed"], res["crashed"][:10]


@pytest.mark.slow
@needs_whole_set
def test_all_files_agreement(capsys):
    res, text, pct, kpi_pct = _run(_files())
    _show("all files", text, capsys)
    assert pct >= ALL_FLOOR, f"agreement {pct:.2f} % < {ALL_FLOOR} %\n" + _worst(res)
    assert kpi_pct >= ALL_KPI_FLOOR, f"KPI-relevant agreement {kpi_pct:.2f} % < {ALL_KPI_FLOOR} %"
    known = res["total"] - res["udf_total"]
    pct_known = 100 * (res["ok"] - res["udf_ok"]) / max(known, 1)
    assert pct_known >= ALL_WITHOUT_UDF_FLOOR, \
        f"agreement without user-defined-function cells {pct_known:.2f} % < {ALL_WITHOUT_UDF_FLOOR} %"
    assert not res["crashed"], res["crashed"][:10]


# --- The second corpus: workbooks nobody tuned on (docs/oracles2) -----------------
# Floors are the figures measured before any fix made for this corpus (see
# docs/oracle_report.md), less a small margin; raise them as the engine improves.
ORACLES2_TUNE_FLOOR = 96.0       # 96.36 % measured
ORACLES2_HELDOUT_FLOOR = 75.5    # 76.06 % measured
# Files that produced nothing before any fix (one of the tune split, whose macro sheet
# the reader refuses); the count may only fall.
ORACLES2_MAX_LOST_FILES = {"tune": 1, "heldout": 0}


def _oracles2(split):
    rows = oracle_runner.manifest(oracle_runner.ORACLES2_MANIFEST)
    files = oracle_runner.corpus_files(oracle_runner.ORACLES2, rows, split)
    missing = [f for f in files if not Path(f).is_file()]
    assert not missing, f"{len(missing)} files of docs/oracles2/MANIFEST.tsv are missing, e.g. {missing[:3]}"
    buf = io.StringIO()
    res = oracle_runner.run(files, out=buf, udfs=oracle_runner.udf_names(rows))
    return res, buf.getvalue(), 100 * res["ok"] / max(res["total"], 1)


@pytest.mark.slow
@needs_oracles2
@pytest.mark.parametrize("split, floor", [("tune", ORACLES2_TUNE_FLOOR),
                                          ("heldout", ORACLES2_HELDOUT_FLOOR)])
def test_second_corpus_agreement(split, floor, capsys):
    res, text, pct = _oracles2(split)
    _show(f"second corpus, {split} split", text, capsys)
    assert res["total"] > 1000
    lost = res["crashed"] + res["hung"]
    assert len(lost) <= ORACLES2_MAX_LOST_FILES[split], lost
    # Held-out failures are not printed: nobody tunes on them.
    detail = _worst(res) if split == "tune" else ""
    assert pct >= floor, f"{split} split agreement {pct:.2f} % < {floor} %\n" + detail
