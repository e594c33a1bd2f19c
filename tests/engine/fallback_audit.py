"""Audit of the functions the engine takes from the ``formulas`` library, against Excel's
cached values in the oracle workbooks; writes docs/fallback_functions.md.

    python tests/engine/oracle_runner.py --report /tmp/oracle.md
    python tests/engine/fallback_audit.py /tmp/oracle.md

A function is *verified* when every oracle cell whose formula uses it agrees with Excel;
every other one is *approximate* (kpi_xl.engine.functions.fallback.VERIFIED must list
exactly the verified ones: the script says which to add or remove).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kpi_xl.engine.functions import FUNCTIONS, load_all  # noqa: E402
from kpi_xl.engine.functions.fallback import VERIFIED, library_names  # noqa: E402


def main(report_path):
    stats = {}
    for line in open(report_path, encoding="utf-8"):
        m = re.match(r"\| ([A-Z][A-Z0-9.]*) \| (\d+) \| (\d+) \| ", line)
        if m and m.group(1) not in stats:
            stats[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    load_all()
    names = sorted(n for n in library_names()
                   if n not in FUNCTIONS or FUNCTIONS[n].source == "formulas")
    names = [n for n in names if not n.startswith("_") and n not in ("DUMMYFUNCTION", "ARRAY", "ARRAYROW")]
    verified = [n for n in names if n in stats and stats[n][0] == stats[n][1]]
    differs = [n for n in names if n in stats and stats[n][0] != stats[n][1]]
    unseen = [n for n in names if n not in stats]
    out = ["# Functions taken from the `formulas` library", "",
           "The engine computes the functions KPI workbooks live on itself (see the README). "
           "The long tail of Excel's library comes from the "
           "[`formulas`](https://pypi.org/project/formulas/) package. This page audits those "
           "functions against the values Excel cached in the oracle workbooks (`../shared/oracles`): "
           "a function is **verified** when every oracle cell whose formula uses it agrees with "
           "Excel. All others are **approximate**: `kpi-xl recalc` names them in its summary "
           "when a workbook uses one, with the number of calls.", "",
           "Regenerate with `python tests/engine/oracle_runner.py --report /tmp/oracle.md && "
           "python tests/engine/fallback_audit.py /tmp/oracle.md`.", "",
           f"{len(names)} functions: {len(verified)} verified, {len(differs)} with cells that "
           f"differ, {len(unseen)} without oracle cells.", "",
           "Cells are counted per formula that uses the function, so a difference may come "
           "from another function of the same formula.", "",
           "## Approximate: oracle cells differ", "",
           "| function | oracle cells | agree |", "|---|---|---|"]
    out += [f"| {n} | {stats[n][0]} | {stats[n][1]} |" for n in differs]
    out += ["", "## Approximate: not checked against Excel (no oracle cell uses them)", "",
            ", ".join(unseen), "",
            "## Verified: every oracle cell agrees", "",
            "| function | oracle cells |", "|---|---|"]
    out += [f"| {n} | {stats[n][0]} |" for n in verified]
    (ROOT / "docs" / "fallback_functions.md").write_text("\n".join(out) + "\n", encoding="utf-8")
    add, drop = set(verified) - VERIFIED, VERIFIED - set(verified)
    if add or drop:
        print("fallback.VERIFIED: add", sorted(add), "remove", sorted(drop))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
