"""CPU time of ``kpi-xl recalc`` alone on run_bench.py's workloads, for before/after figures.

    python bench/cpu_kpi.py [--only W1,W2,W6] [--repeat 3] [--jobs 1]

Builds the workloads as run_bench.py does (reused while the builder is unchanged),
byte-compiles this checkout's kpi_xl, then runs ``kpi-xl recalc IN -o OUT --quiet --jobs N``
(one job unless ``--jobs`` says more) in a fresh process ``--repeat`` times per workload and prints every run's CPU time
(user + sys of the process tree) and wall time, and the best of each.  No peers, no
floors, no value check: run_bench.py does those.
"""
from __future__ import annotations

import argparse
import shutil
import sys

import run_bench as rb
from measure import run_measured


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="CPU time of kpi-xl recalc on run_bench.py's workloads")
    p.add_argument("--only", default="W1,W2,W6", help="comma-separated workloads")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="run_bench.py's small workloads")
    args = p.parse_args(argv)
    wanted = [k.strip() for k in args.only.split(",") if k.strip()]
    chosen = [w for w in rb.workloads(args.quick) if w.key in wanted]
    rb.compile_kpi_xl()
    c = rb.Contender("kpi-xl", "kpi-xl recalc", "kpi-xl", args.jobs)
    failed = 0
    for w in chosen:
        rb.build(w)
        cpu, wall = [], []
        for _ in range(args.repeat):
            shutil.rmtree(w.out(c.key), ignore_errors=True)
            m = run_measured(rb.command(c, w), env=rb.kpi_xl_env())
            if m.returncode != 0:
                print(f"{w.key}: failed: {m.stderr[-500:]}", file=sys.stderr)
                failed = 1
                break
            cpu.append(m.cpu_seconds)
            wall.append(m.seconds)
        if cpu:
            runs = " ".join(f"{x:.2f}" for x in cpu)
            print(f"{w.key} {w.title}: CPU best {min(cpu):.3f} s (runs {runs}), wall best {min(wall):.3f} s")
    return failed


if __name__ == "__main__":
    sys.exit(main())
