"""Peak memory of the reader and of ``kpi-xl recalc`` on a sheet of 1,048,576 formula rows.

    python bench/reader_peak.py [--rows N] [--work DIR] [--recalc]

The workbook has one sheet: A1:A<N> the numbers 1..N, B1:B<N> ``=A1*2`` written as one
shared formula (as Excel saves a filled column).  Each measurement runs in a child
process; the reader's peak is tracemalloc's (Python objects) and VmHWM (resident),
the recalculation's VmHWM.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def build(path: Path, rows: int) -> Path:
    """Write the workbook (as Excel writes a filled column: r= on every row and cell)."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:B{rows}"/><sheetData>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(head.encode())
            step = 10_000
            for lo in range(1, rows + 1, step):
                out = []
                for r in range(lo, min(lo + step, rows + 1)):
                    f = (f'<f t="shared" ref="B1:B{rows}" si="0">A1*2</f>' if r == 1
                         else '<f t="shared" si="0"/>')
                    out.append(f'<row r="{r}" spans="1:2"><c r="A{r}"><v>{r}</v></c>'
                               f'<c r="B{r}">{f}<v>{2 * r}</v></c></row>')
                fh.write("".join(out).encode())
            fh.write(b"</sheetData></worksheet>")
    return path


_READ = """
import re, sys, time, tracemalloc
trace = sys.argv[2] == "trace"
if trace:
    tracemalloc.start()
from kpi_xl.engine.xlsx_read import read_workbook
t0 = time.perf_counter()
data = read_workbook(sys.argv[1])
seconds = time.perf_counter() - t0
s = data.sheets[0]
assert s.formulas[(7, 2)] == "A7*2" and s.values[(7, 1)] == 7.0, (s.formulas[(7, 2)],)
peak = tracemalloc.get_traced_memory()[1] if trace else 0
with open("/proc/self/status") as fh:
    hwm = int(re.search(r"VmHWM:\\s*(\\d+)", fh.read()).group(1))
print(f"{seconds:.2f} {peak / 2**20:.0f} {hwm / 1024:.0f} {len(s.formulas)}")
"""

_RECALC = """
import re, sys
from kpi_xl.cli import main
code = main(["recalc", sys.argv[1], "-o", sys.argv[2], "--jobs", "1"])
import resource
with open("/proc/self/status") as fh:
    own = int(re.search(r"VmHWM:\\s*(\\d+)", fh.read()).group(1))
# the file is recalculated in a worker process: its peak is a child's
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("peak-rss-kb", max(own, child), file=sys.stderr)
sys.exit(code)
"""


def _child(code: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=ROOT)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_048_576)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "_work")
    ap.add_argument("--recalc", action="store_true", help="also time kpi-xl recalc")
    ap.add_argument("--trace", action="store_true",
                    help="also measure the reader's Python peak with tracemalloc (slow)")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    src = args.work / f"formula_rows_{args.rows}.xlsx"
    if not src.exists():
        build(src, args.rows)
    for mode in ("time", "trace") if args.trace else ("time",):
        p = _child(_READ, str(src), mode)
        if p.returncode:
            print(p.stderr, file=sys.stderr)
            return 1
        seconds, peak, hwm, n = p.stdout.split()
        label = "tracemalloc peak" if mode == "trace" else "no tracing"
        print(f"read_workbook ({label}): {float(seconds):.2f} s, "
              f"{'Python peak ' + peak + ' MB, ' if mode == 'trace' else ''}VmHWM {hwm} MB, "
              f"{n} formulas")
    if args.recalc:
        out = args.work / "out"
        t0 = time.perf_counter()
        p = _child(_RECALC, str(src), str(out))
        m = re.search(r"peak-rss-kb (\d+)", p.stderr)
        print(f"kpi-xl recalc: exit {p.returncode}, {time.perf_counter() - t0:.1f} s, "
              f"VmHWM {int(m.group(1)) / 1024 if m else float('nan'):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
