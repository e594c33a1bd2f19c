"""Benchmark ``kpi-xl recalc`` against LibreOffice headless and the Python I/O floor.

    python bench/run_bench.py [--quick] [--repeat N] [--no-libreoffice] [--only W1,W3]

In one run: builds the workloads (deterministic, into bench/_work/), runs every
contender on each as a user would (a fresh process, start-up included), checks
that all contenders computed the same values, and prints a table of times,
peak memory and ratios, with the targets met or missed.  A full run (not
--quick, LibreOffice included) also writes bench/RESULTS.md.

Contenders:
  kpi-xl       ``kpi-xl recalc IN -o OUT --quiet`` (and ``--jobs 2`` on the many-file workload);
  LibreOffice  ``soffice --headless --convert-to xlsx`` with a private profile set to
               recalculate xlsx formulas on load (checked before timing, on a workbook
               whose cached value is deliberately stale);
  floor        bench/io_floor.py: openpyxl read, numpy formulas written by hand,
               openpyxl write — the cost of the file I/O alone.

Exit status: 0 when every contender succeeded and all values agree, 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import kpi_workbook as kw  # noqa: E402
from measure import run_measured  # noqa: E402

WORK = HERE / "_work"
LO_PROFILE = Path("/tmp/lo_bench_profile")
TOLERANCE = 1e-9
SEED = 20240531

# OOXMLRecalcMode: 0 = always recalculate on load, 1 = never, 2 = ask.
LO_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@dataclass
class Workload:
    key: str
    title: str
    files: int
    agents: int

    @property
    def inputs(self) -> Path:
        return WORK / self.key / "in"

    def out(self, contender: str) -> Path:
        return WORK / self.key / "out" / contender


@dataclass
class Contender:
    key: str
    label: str
    kind: str  # "kpi-xl", "lo", "floor"
    jobs: int = 1


@dataclass
class Row:
    workload: Workload
    contender: Contender
    seconds: list = field(default_factory=list)
    cpu: list = field(default_factory=list)
    peaks: list = field(default_factory=list)
    failed: str = ""

    @property
    def best(self):
        return min(self.seconds) if self.seconds else float("nan")

    @property
    def best_cpu(self):
        return min(self.cpu) if self.cpu else float("nan")

    @property
    def peak(self):
        return max(self.peaks) if self.peaks else float("nan")


def workloads(quick: bool):
    if quick:
        return [Workload("W1", "1 workbook x 200 agents", 1, 200),
                Workload("W2", "10 workbooks x 50 agents", 10, 50),
                Workload("W3", "1 workbook x 300 agents", 1, 300)]
    return [Workload("W1", "1 workbook x 1,000 agents", 1, 1000),
            Workload("W2", "100 workbooks x 50 agents", 100, 50),
            Workload("W3", "1 workbook x 5,000 agents", 1, 5000)]


def build(w: Workload):
    """(Re)build the workload's inputs; one template, a different month's data per file."""
    if w.inputs.exists():
        shutil.rmtree(w.inputs)
    for i in range(w.files):
        name = f"shop{i + 1:03d}.xlsx" if w.files > 1 else f"appraisal_{w.agents}.xlsx"
        kw.build_workbook(w.inputs / name, w.agents, seed=SEED + 1000 * i + w.agents)


# --------------------------------------------------------------------------- contenders


def kpi_xl_command():
    script = Path(sys.executable).parent / "kpi-xl"
    if script.exists():
        return [str(script)]
    found = shutil.which("kpi-xl")
    # A version manager's shim adds its own start-up; the real script is preferred.
    return [found] if found and "shims" not in found else [sys.executable, "-m", "kpi_xl.cli"]


def soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def lo_command(inputs, out):
    return [soffice(), f"-env:UserInstallation={LO_PROFILE.as_uri()}", "--headless", "--norestore",
            "--convert-to", "xlsx", "--outdir", str(out), *map(str, inputs)]


def command(c: Contender, w: Workload):
    out = w.out(c.key)
    if c.kind == "kpi-xl":
        cmd = kpi_xl_command() + ["recalc", str(w.inputs), "-o", str(out), "--quiet"]
        return cmd + (["--jobs", str(c.jobs)] if c.jobs > 1 else [])
    if c.kind == "lo":
        return lo_command(sorted(w.inputs.glob("*.xlsx")), out)
    return [sys.executable, str(HERE / "io_floor.py"), "-o", str(out), str(w.inputs)]


def prepare_libreoffice():
    """A private profile that recalculates on load; proven on a stale cached value."""
    from openpyxl import Workbook
    user = LO_PROFILE / "user"
    user.mkdir(parents=True, exist_ok=True)
    reg = user / "registrymodifications.xcu"
    text = reg.read_text() if reg.exists() else ""
    if "OOXMLRecalcMode" not in text or not re.search(
            r'OOXMLRecalcMode" oor:op="fuse"><value>0<', text):
        reg.write_text(LO_REGISTRY)
    probe_dir = WORK / "lo_probe"
    shutil.rmtree(probe_dir, ignore_errors=True)
    probe_dir.mkdir(parents=True)
    wb = Workbook()
    wb.active["A1"] = 2
    wb.active["B1"] = "=A1*3"
    plain = probe_dir / "plain.xlsx"
    wb.save(plain)
    stale = probe_dir / "stale.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>A1*3</f><v></v>", b"<f>A1*3</f><v>999</v>")
                assert b"<v>999</v>" in data, "the probe's formula cell was not found"
            zout.writestr(item, data)
    out = probe_dir / "out"
    # The first start also creates the profile; that cost stays out of the timings.
    proc = subprocess.run(lo_command([stale], out), capture_output=True, text=True, timeout=600)
    from openpyxl import load_workbook
    try:
        got = load_workbook(out / "stale.xlsx", data_only=True)["Sheet"]["B1"].value
    except Exception as exc:
        raise SystemExit(f"LibreOffice did not convert the probe workbook: {exc}\n{proc.stderr}")
    if got != 6:
        raise SystemExit(f"LibreOffice kept the stale cached value ({got!r} instead of 6): "
                         f"the recalculate-on-load setting in {reg} is not taking effect.")
    return subprocess.run([soffice(), "--version"], capture_output=True, text=True).stdout.strip()


# --------------------------------------------------------------------------- results


def read_results(path: Path, n_agents: int):
    """{cell: value} of every computed cell on the appraisal sheet."""
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb[kw.APPRAISAL]
    first, last, summary = kw.FIRST_AGENT_ROW, kw.last_agent_row(n_agents), kw.summary_row(n_agents)
    cols = [ord(c) - 64 for c in kw.COMPUTED_COLS]
    values = {}
    for r, row in enumerate(ws.iter_rows(min_row=first, max_row=summary, values_only=True), start=first):
        row = list(row) + [None] * 30
        if r <= last:
            for c in cols:
                values[f"{chr(64 + c)}{r}"] = row[c - 1]
        elif r == summary:
            for letter in kw.SUMMARY_COLS:
                values[f"{letter}{r}"] = row[ord(letter) - 65]
    wb.close()
    return values


def formula_of(cell: str, n_agents: int) -> str:
    col, r = cell[0], int(cell[1:])
    if r > kw.last_agent_row(n_agents):
        lo, hi = kw.FIRST_AGENT_ROW, kw.last_agent_row(n_agents)
        return {"G": f"=SUM(G{lo}:G{hi})", "V": f"=AVERAGE(V{lo}:V{hi})", "W": f"=SUM(W{lo}:W{hi})"}[col]
    return kw.agent_formulas(r, kw.last_agent_row(n_agents))[kw.COMPUTED_COLS.index(col)]


def same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) \
            or not isinstance(b, (int, float)):
        return a == b
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def check_results(w: Workload, contenders, max_shown=12):
    """Compare every contender's computed cells, file by file; returns printable problems."""
    problems = []
    reference = next((c for c in contenders if c.kind == "lo"), None) or \
        next(c for c in contenders if c.kind == "floor")
    for src in sorted(w.inputs.glob("*.xlsx")):
        got = {}
        for c in contenders:
            path = w.out(c.key) / src.name
            if not path.exists():
                problems.append(f"{w.key} {src.name}: {c.label} wrote no output")
                continue
            got[c.key] = read_results(path, w.agents)
        if reference.key not in got:
            continue
        ref = got[reference.key]
        empty = [cell for cell, v in ref.items() if not isinstance(v, (int, float))]
        if empty:
            problems.append(f"{w.key} {src.name}: {reference.label} left {len(empty)} computed cells "
                            f"without a number (first {empty[0]}): it did not recalculate")
        # DOMAIN.md's agents A, B, C head every workbook; their totals are published.
        for i, (agent, total) in enumerate(kw.DOMAIN_TOTALS.items()):
            if i < w.agents:
                cell = f"V{kw.FIRST_AGENT_ROW + i}"
                for key, vals in got.items():
                    if not same(vals.get(cell), total):
                        problems.append(f"{w.key} {src.name} {kw.APPRAISAL}!{cell} (agent {agent}): "
                                        f"{key} gives {vals.get(cell)!r}, DOMAIN.md's total is {total}")
        for key, vals in got.items():
            if key == reference.key:
                continue
            bad = [cell for cell in ref if not same(vals.get(cell), ref[cell])]
            for cell in bad[:max_shown]:
                problems.append(f"{w.key} {src.name} {kw.APPRAISAL}!{cell} {formula_of(cell, w.agents)}: "
                                f"{key}={vals.get(cell)!r} {reference.key}={ref[cell]!r}"
                                + "".join(f" {k}={v.get(cell)!r}" for k, v in got.items()
                                          if k not in (key, reference.key)))
            if len(bad) > max_shown:
                problems.append(f"{w.key} {src.name}: {key} differs in {len(bad) - max_shown} more cells")
    return problems


# --------------------------------------------------------------------------- report


def machine():
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
        mem = f"{kib / 2**20:.1f} GiB RAM"
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {mem}, Python {platform.python_version()}"


def fmt_ratio(x):
    return "—" if x != x else f"{x:.2f}"


def _groups(rows):
    by_w = {}
    for r in rows:
        by_w.setdefault(r.workload.key, []).append(r)
    for key, group in by_w.items():
        lo = next((r for r in group if r.contender.kind == "lo" and not r.failed), None)
        floor = next((r for r in group if r.contender.kind == "floor" and not r.failed), None)
        yield key, group, lo, floor


def _div(a, b):
    return a / b if b and a == a and b == b else float("nan")


def table(rows):
    lines = ["| workload | contender | wall s | CPU s | peak MB | LO ÷ this (wall) | LO ÷ this (CPU) "
             "| this ÷ floor (wall) | this ÷ floor (CPU) | peak ÷ LO's |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    nan = float("nan")
    for key, group, lo, floor in _groups(rows):
        for r in group:
            if r.failed:
                lines.append(f"| {key} {r.workload.title} | {r.contender.label} | FAILED | | | | | | | |")
                continue
            cells = [_div(lo.best, r.best) if lo else nan, _div(lo.best_cpu, r.best_cpu) if lo else nan,
                     _div(r.best, floor.best) if floor else nan,
                     _div(r.best_cpu, floor.best_cpu) if floor else nan,
                     _div(r.peak, lo.peak) if lo else nan]
            lines.append(f"| {key} {r.workload.title} | {r.contender.label} | {r.best:.2f} | {r.best_cpu:.2f} "
                         f"| {r.peak:.0f} | " + " | ".join(fmt_ratio(x) for x in cells) + " |")
    return "\n".join(lines)


def verdicts(rows):
    """The issue's targets for each kpi-xl row: ≥2× faster than LO, ≤2× the floor, memory ≤ LO.

    Judged on wall time, as a user sees it; the CPU-time ratio is given beside it
    because on a shared machine it is the steadier of the two.
    """
    out = []
    for key, group, lo, floor in _groups(rows):
        for r in group:
            if r.contender.kind != "kpi-xl" or r.failed:
                continue
            parts = []
            if lo:
                s = lo.best / r.best
                parts.append(f"{'MET' if s >= 2 else 'MISSED'} ≥2× faster than LibreOffice "
                             f"({s:.2f}×; CPU {_div(lo.best_cpu, r.best_cpu):.2f}×)")
            if floor:
                f = r.best / floor.best
                parts.append(f"{'MET' if f <= 2 else 'MISSED'} within 2× of the floor "
                             f"({f:.2f}×; CPU {_div(r.best_cpu, floor.best_cpu):.2f}×)")
            if lo:
                parts.append(f"{'MET' if r.peak <= lo.peak else 'MISSED'} peak memory ≤ LibreOffice's "
                             f"({r.peak:.0f} vs {lo.peak:.0f} MB)")
            out.append(f"- {key} {r.contender.label}: " + "; ".join(parts))
    return "\n".join(out)


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main(argv=None) -> int:
    global WORK
    p = argparse.ArgumentParser(description="kpi-xl recalc vs LibreOffice headless vs the I/O floor")
    p.add_argument("--quick", action="store_true", help="small workloads, for a fast check")
    p.add_argument("--repeat", type=int, default=2, help="runs per contender; the best time counts")
    p.add_argument("--no-libreoffice", action="store_true", help="only kpi-xl and the floor")
    p.add_argument("--only", help="comma-separated workloads, e.g. W1,W3")
    p.add_argument("--work", help=f"folder for the built workbooks and outputs (default {WORK})")
    p.add_argument("--results-file", help="where to write the Markdown results "
                   "(default: bench/RESULTS.md on a full run with LibreOffice, none otherwise)")
    args = p.parse_args(argv)
    if args.work:
        WORK = Path(args.work).resolve()

    chosen = workloads(args.quick)
    if args.only:
        keep = {k.strip().upper() for k in args.only.split(",")}
        chosen = [w for w in chosen if w.key in keep]
    use_lo = not args.no_libreoffice
    if use_lo and not soffice():
        print("soffice not found: install LibreOffice (apt-get install -y libreoffice-calc-nogui) "
              "or pass --no-libreoffice.", file=sys.stderr)
        return 1
    load_before = load_average()

    print(f"building {len(chosen)} workloads in {WORK} …", flush=True)
    for w in chosen:
        build(w)
    lo_version = prepare_libreoffice() if use_lo else ""
    if lo_version:
        print(f"{lo_version}: recalculates on load (checked on a stale cached value)", flush=True)

    rows, problems_by_w = [], {}
    for w in chosen:
        contenders = [Contender("kpi-xl", "kpi-xl recalc", "kpi-xl")]
        if w.files > 1:
            contenders.append(Contender("kpi-xl-j2", "kpi-xl recalc --jobs 2", "kpi-xl", jobs=2))
        if use_lo:
            contenders.append(Contender("libreoffice", "LibreOffice headless", "lo"))
        contenders.append(Contender("floor", "I/O floor (openpyxl+numpy)", "floor"))
        group = [Row(w, c) for c in contenders]
        # Contenders take turns, so that a burst of load elsewhere is shared out.
        for _ in range(max(1, args.repeat)):
            for row in group:
                if row.failed:
                    continue
                out = w.out(row.contender.key)
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir(parents=True)
                m = run_measured(command(row.contender, w))
                if m.returncode != 0:
                    row.failed = f"exit {m.returncode}: {(m.stderr or m.stdout).strip()[-2000:]}"
                    print(f"{w.key} {row.contender.label} FAILED {row.failed}", flush=True)
                    continue
                row.seconds.append(m.seconds)
                row.cpu.append(m.cpu_seconds)
                row.peaks.append(m.peak_mb)
                print(f"{w.key} {row.contender.label}: {m.seconds:.2f} s wall, {m.cpu_seconds:.2f} s CPU, "
                      f"{m.peak_mb:.0f} MB", flush=True)
        problems = check_results(w, [r.contender for r in group if not r.failed])
        if problems:
            print(f"{w.key}: RESULTS DIFFER")
            for line in problems:
                print("  " + line)
        else:
            print(f"{w.key}: results identical across {', '.join(r.contender.label for r in group if not r.failed)}"
                  f" (tolerance {TOLERANCE:g})", flush=True)
        problems_by_w[w.key] = problems
        rows += group

    load_after = load_average()
    all_problems = [p for w in chosen for p in problems_by_w[w.key]]
    failed = [r for r in rows if r.failed]
    tbl, ver = table(rows), verdicts(rows)
    print()
    print(tbl)
    print()
    print("Targets (kpi-xl):")
    print(ver)
    print()
    print("Check: " + ("all results identical" if not all_problems else f"{len(all_problems)} mismatches")
          + (f"; {len(failed)} contender(s) failed" if failed else ""))

    results_file = args.results_file or (str(HERE / "RESULTS.md") if use_lo and not args.quick
                                         and not args.only else None)
    if results_file:
        write_results(Path(results_file), chosen, tbl, ver, all_problems, failed, lo_version,
                      load_before, load_after, args)
        print(f"written {results_file}")
    return 0 if not all_problems and not failed else 1


def write_results(path, chosen, tbl, ver, problems, failed, lo_version, load_before, load_after, args):
    today = datetime.date.today().isoformat()
    lines = [
        "# kpi-xl recalc benchmark results",
        "",
        f"Measured {today} with `python bench/run_bench.py"
        + (" --quick" if args.quick else "") + f"` (best of {args.repeat} runs per contender).",
        "",
        f"- Machine: {machine()}; load average {load_before:.1f} before, {load_after:.1f} after "
        "(the machine is shared: wall times are noisy, CPU times less so).",
        f"- LibreOffice: {lo_version or 'not run'}, private profile with "
        "`/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode` = 0 (always recalculate).",
        "- Workloads: " + "; ".join(f"{w.key} {w.title}" for w in chosen)
        + ". Built by bench/kpi_workbook.py with openpyxl (no cached values): raw inputs, "
        "IF/IFERROR rates, AOV ratio, six band tables scored by LOOKUP / VLOOKUP(…,TRUE), "
        "ROUND(SUMPRODUCT) total against the weights row, the IF bonus rule, RANK.",
        "- Each contender is a fresh process, start-up included; wall = elapsed time, "
        "CPU = user+sys of the whole process tree; peak MB = max(sampled RSS sum of the tree, "
        "largest single process's peak RSS).",
        "",
        tbl,
        "",
        "## Targets",
        "",
        ver,
        "",
        "## Check",
        "",
        ("Every computed cell (rates, points, total, bonus, rank, team line) of every workbook is "
         f"identical across the contenders (tolerance {TOLERANCE:g}), and DOMAIN.md's agents A, B, C "
         "score 77.5, 74, 77.5.") if not problems else
        "Mismatches:\n\n" + "\n".join(f"- {p}" for p in problems[:60]),
    ]
    if failed:
        lines += ["", "Failed: " + "; ".join(f"{r.workload.key} {r.contender.label}" for r in failed)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
