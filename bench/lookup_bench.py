"""Lookups of agents in a table, as KPI workbooks do them: kpi-xl against the native engines.

    python bench/lookup_bench.py [--agents 5000] [--repeat 2]

Two workbooks, each a table of N agents (name, month, amount) and a sheet of N agents:
- L1 "lookups": VLOOKUP(name, table, 2, FALSE), MATCH(name, names, 0), COUNTIF(names, name);
- L2 "conditional sums": SUMIFS(amount, names, name, months, "2025-10") and
  COUNTIFS(names, name, amounts, ">500").
Every contender (kpi-xl recalc; formualizer and ironcalc where installed) runs in a fresh
process, start-up included, best of ``--repeat``; the computed cells of every contender are
checked equal to kpi-xl's. Prints the times and each peer's time ÷ kpi-xl's (above 1, kpi-xl
is faster).
"""
from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from measure import run_measured  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def build(path: Path, n: int, kind: str) -> None:
    import openpyxl
    rnd = random.Random(7)
    names: set = set()
    while len(names) < n:
        names.add(rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN) + str(len(names) % 7))
    table = sorted(names, key=lambda _: rnd.random())
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "data"
    for i, name in enumerate(table, start=1):
        data.append([name, rnd.choice(["2025-09", "2025-10"]), rnd.randint(1, 1000)])
    q = wb.create_sheet("q")
    last = f"${n}"
    for i in range(1, n + 1):
        a = f"A{i}"
        q.cell(i, 1, table[(i * 7) % n])
        if kind == "lookups":
            q.cell(i, 2, f"=VLOOKUP({a},data!$A$1:$C{last},3,FALSE)")
            q.cell(i, 3, f"=MATCH({a},data!$A$1:$A{last},0)")
            q.cell(i, 4, f"=COUNTIF(data!$A$1:$A{last},{a})")
        else:
            q.cell(i, 2, f'=SUMIFS(data!$C$1:$C{last},data!$A$1:$A{last},{a},'
                         f'data!$B$1:$B{last},"2025-10")')
            q.cell(i, 3, f'=COUNTIFS(data!$A$1:$A{last},{a},data!$C$1:$C{last},">500")')
    wb.save(path)


def contenders():
    py = sys.executable
    out = [("kpi-xl recalc", lambda src, dst: [py, "-m", "kpi_xl.cli", "recalc", str(src),
                                                "-o", str(dst), "--quiet", "--jobs", "1"])]
    for peer in ("formualizer", "ironcalc"):
        if importlib.util.find_spec(peer) is not None:
            out.append((peer, lambda src, dst, p=peer: [py, str(HERE / "peer_run.py"), p, "-o",
                                                         str(dst), str(src)]))
    return out


def computed(path: Path) -> dict:
    from kpi_xl.engine.xlsx_read import read_workbook
    return {k: v for k, v in read_workbook(path).sheet("q").cached.items() if k[1] > 1}


def same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a))
    return str(a) == str(b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agents", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory(prefix="kpi_xl_lookup_bench_") as tmp:
        tmp = Path(tmp)
        for key, kind in (("L1", "lookups"), ("L2", "conditional sums")):
            src = tmp / f"{key}.xlsx"
            build(src, args.agents, "lookups" if key == "L1" else "sums")
            print(f"{key} {kind}: {args.agents:,} agents against a table of {args.agents:,}")
            times, values = {}, {}
            for name, cmd in contenders():
                best = None
                for _ in range(args.repeat):
                    out = tmp / f"{key}_{name.split()[0]}"
                    m = run_measured(cmd(src, out), cwd=str(HERE.parent), timeout=args.timeout)
                    if m.returncode != 0 or m.timed_out:
                        print(f"  {name}: failed ({'timed out' if m.timed_out else m.stderr[-200:]})")
                        best = None
                        break
                    best = m if best is None or m.seconds < best.seconds else best
                if best is None:
                    continue
                times[name] = best
                values[name] = computed(out / src.name)
                print(f"  {name}: {best.seconds:.2f} s wall, {best.cpu_seconds:.2f} s CPU, "
                      f"{best.peak_mb:.0f} MB")
            mine = values.get("kpi-xl recalc")
            for name, got in values.items():
                if name != "kpi-xl recalc" and mine is not None:
                    differ = [k for k in mine if not same(mine[k], got.get(k))]
                    if differ:
                        ok = False
                        print(f"  {name}: {len(differ)} of {len(mine)} cells differ from kpi-xl's")
            if "kpi-xl recalc" in times:
                base = times["kpi-xl recalc"].seconds
                for name, m in times.items():
                    if name != "kpi-xl recalc":
                        print(f"  {name} ÷ kpi-xl: {m.seconds / base:.2f}")
    print("Check: all results identical." if ok else "Check: results DIFFER (see above).")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
