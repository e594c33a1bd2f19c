"""KPI_BAND against its LOOKUP twin: the same appraisal rows, band points looked up
either by Excel's LOOKUP/VLOOKUP or by the scheme's own KPI_BAND.

Each workbook is recalculated by a fresh ``python -m kpi_xl.cli recalc --jobs 1`` (run from
the checkout this file sits in); CPU time (user + system of the child) is what is
compared, since the machine is shared and wall time swings with its load.  The
twins' computed band points are checked equal before a figure is printed.

    python bench/kpi_band_twin.py 1000 20000 100000 [--repeat 2] [--dir /tmp/twin]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import kpi_workbook as kw  # noqa: E402
from measure import run_measured  # noqa: E402

SEED = 11


def _points(path, n):
    from openpyxl import load_workbook
    wb = load_workbook(path, data_only=True, read_only=True)
    ws = wb[kw.APPRAISAL]
    rows = ws.iter_rows(min_row=kw.FIRST_AGENT_ROW, max_row=kw.last_agent_row(n),
                        min_col=16, max_col=24, values_only=True)
    out = [tuple(r) for r in rows]
    wb.close()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("agents", type=int, nargs="+")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--dir")
    opts = ap.parse_args(argv)
    work = Path(opts.dir or tempfile.mkdtemp(prefix="kpi_twin_"))
    root = HERE.parent
    print("| agents | LOOKUP CPU s | KPI_BAND CPU s | KPI_BAND ÷ LOOKUP |")
    print("|---:|---:|---:|---:|")
    for n in opts.agents:
        cpu = {form: None for form in kw.BAND_FORMS}
        outs = {}
        for form in kw.BAND_FORMS:
            src = work / f"{form}_{n}.xlsx"
            if not src.exists():
                kw.build_workbook(src, n, seed=SEED, kpi_band=(form == "kpi_band"))
            outs[form] = work / "out" / form / src.name
        for i in range(opts.repeat):
            # interleaved, each form first in turn: the machine's load drifts
            for form in kw.BAND_FORMS[::1 if i % 2 == 0 else -1]:
                src = work / f"{form}_{n}.xlsx"
                m = run_measured([sys.executable, "-m", "kpi_xl.cli", "recalc", str(src),
                                  "-o", str(outs[form].parent), "--jobs", "1"], cwd=root)
                if m.returncode != 0:
                    raise SystemExit(f"recalc of {src} failed:\n{m.stderr}")
                cpu[form] = m.cpu_seconds if cpu[form] is None else min(cpu[form], m.cpu_seconds)
        a, b = _points(outs["lookup"], n), _points(outs["kpi_band"], n)
        if a != b:
            bad = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
            raise SystemExit(f"the twins differ at agent row {kw.FIRST_AGENT_ROW + bad}: {a[bad]} vs {b[bad]}")
        print(f"| {n:,} | {cpu['lookup']:.2f} | {cpu['kpi_band']:.2f} | {cpu['kpi_band'] / cpu['lookup']:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
