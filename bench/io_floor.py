"""The I/O floor: the least a Python tool must do to recalculate the benchmark workbook.

Reads the inputs with openpyxl (read-only), computes every formula column of the
appraisal sheet with hand-written numpy (the same bands, weights and bonus rule
the formulas state), and writes the workbook back with openpyxl (write-only),
computed cells holding values.  No formula parsing, no dependency graph, no
general evaluator: what is left is the cost of reading and writing the file.

    python bench/io_floor.py -o OUTDIR FILES...
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from openpyxl import Workbook, load_workbook

import kpi_workbook as kw
from measure import workbook_files


def col_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def excel_round(x, digits):
    """ROUND: halves away from zero (numpy's own rounds them to even)."""
    scale = 10.0 ** digits
    return np.sign(x) * np.floor(np.abs(x) * scale + 0.5) / scale


def band_points(values, thresholds, points):
    """LOOKUP(value, thresholds, points): points of the largest threshold <= value."""
    idx = np.searchsorted(np.asarray(thresholds, dtype=float), values, side="right") - 1
    if (idx < 0).any():
        raise ValueError("a value lies below the first band (the formula would show #N/A)")
    return np.asarray(points, dtype=float)[idx]


def safe_div(num, den):
    out = np.zeros_like(num, dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def read_scheme(rows):
    """Shop AOV, band tables, weights and bonus limits from the scheme sheet's rows."""
    def cell(ref):
        col, row = ref.rstrip("0123456789"), int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return rows[row - 1][col_index(col)]

    bands = {}
    for key, _title, tc, pc, thresholds, _points in kw.BANDS:
        n = len(thresholds)
        bands[key] = ([cell(f"{tc}{kw.BAND_FIRST_ROW + i}") for i in range(n)],
                      [cell(f"{pc}{kw.BAND_FIRST_ROW + i}") for i in range(n)])
    weights = np.array([cell(f"{c}{kw.WEIGHTS_ROW}") for c in kw.WEIGHT_COLS], dtype=float)
    return {"shop_aov": cell("B2"), "bands": bands, "weights": weights,
            "full_at": cell(f"B{kw.FULL_BONUS_ROW}"), "none_below": cell(f"B{kw.NO_BONUS_ROW}")}


def compute(scheme, inputs):
    """Every computed column (kw.COMPUTED_NAMES) for the agents' input rows."""
    col = {name: np.array([r[i] for r in inputs], dtype=float)
           for i, name in enumerate(kw.INPUT_NAMES) if i >= 2}
    conversion = safe_div(col["buyers"], col["inquiries"])
    payment = safe_div(col["paid_orders"], col["orders"])
    aov = safe_div(col["sales"], col["buyers"])
    aov_ratio = aov / scheme["shop_aov"]
    b = scheme["bands"]
    pts = np.column_stack([
        band_points(conversion, *b["conversion"]),
        band_points(payment, *b["payment_rate"]),
        band_points(aov_ratio, *b["aov_ratio"]),
        band_points(-col["first_response_s"], *b["first_response"]),
        band_points(-col["avg_response_s"], *b["avg_response"]),
        band_points(col["returns"], *b["returns"]),
    ])
    # SUMPRODUCT adds the products left to right; so does this loop.
    total = np.zeros(len(inputs))
    for j in range(pts.shape[1]):
        total = total + pts[:, j] * scheme["weights"][j]
    total = excel_round(total, 2)
    base = col["bonus_base"]
    bonus = np.where(total >= scheme["full_at"], base,
                     np.where(total < scheme["none_below"], 0.0, excel_round(base * total / 100, 2)))
    ordered = np.sort(total)
    rank = len(total) - np.searchsorted(ordered, total, side="right") + 1
    columns = [conversion, payment, aov, aov_ratio, *pts.T, total, bonus, rank.astype(float)]
    summary = {"team_sales": float(col["sales"].sum()), "mean_total": float(total.mean()),
               "bonus_paid": float(bonus.sum())}
    return columns, summary


def plain(v):
    """numpy scalars as the int/float openpyxl writes; whole numbers as ints, like Excel shows them."""
    v = float(v)
    return int(v) if v.is_integer() else v


def recalc_floor(src: Path, dst: Path):
    wb = load_workbook(src, read_only=True)
    scheme_rows = [list(r) for r in wb[kw.SCHEME].iter_rows(values_only=True)]
    sheet_rows = [list(r) for r in wb[kw.APPRAISAL].iter_rows(values_only=True)]
    wb.close()
    width = max(len(r) for r in scheme_rows)
    scheme_rows = [r + [None] * (width - len(r)) for r in scheme_rows]
    scheme = read_scheme(scheme_rows)

    first = kw.FIRST_AGENT_ROW - 1
    n = 0
    while first + n < len(sheet_rows) and sheet_rows[first + n][0] is not None:
        n += 1
    agents = sheet_rows[first:first + n]
    columns, summary = compute(scheme, agents)

    width = max(len(r) for r in sheet_rows)
    out_rows = [r + [None] * (width - len(r)) for r in sheet_rows]
    for name, values in zip(kw.COMPUTED_COLS, columns):
        c = col_index(name)
        for i, v in enumerate(values):
            out_rows[first + i][c] = plain(v)
    sr = kw.summary_row(n) - 1
    for letter, key in kw.SUMMARY_COLS.items():
        out_rows[sr][col_index(letter)] = plain(summary[key])

    out = Workbook(write_only=True)
    sc = out.create_sheet(kw.SCHEME)
    for r in scheme_rows:
        sc.append(r)
    ap = out.create_sheet(kw.APPRAISAL)
    for r in out_rows:
        ap.append(r)
    dst.parent.mkdir(parents=True, exist_ok=True)
    out.save(dst)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    files = workbook_files(args.inputs)
    for src in files:
        recalc_floor(src, Path(args.output) / src.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
