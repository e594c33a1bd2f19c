"""Describe a folder of Excel-saved workbooks as an oracle manifest (MANIFEST.tsv).

    python tests/engine/oracle_manifest.py FOLDER --sources SOURCES.tsv -o MANIFEST.tsv
        [--previous MANIFEST.tsv] [--seed 8]

FOLDER holds the workbooks (``FOLDER/files/`` if it has one).  SOURCES.tsv says
where each came from (columns ``file, source_repo, path_in_repo, commit, license``
and optionally ``duplicates_elsewhere``); everything else is read from the files
themselves, so the manifest can be checked against them at any time.  Nothing is
downloaded.

The columns are those of ../shared/oracles/MANIFEST.tsv, plus ``split``: a seeded
random third of the files is ``heldout``, set aside before any fix so that the
engine's agreement can be measured on workbooks nobody tuned it on; the rest is
``tune``.  A file keeps the split a previous manifest gave it, so the corpus can
grow without a held-out file ever becoming a tuning one.

The reading is our own and independent of the engine (zip + XML): a manifest
built with the engine's reader could not show the reader's own blind spots.
"""
from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import math
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

COLUMNS = ["file", "source_repo", "path_in_repo", "commit", "application",
           "formula_cells_with_values", "functions_used", "license", "tier", "kpi_functions",
           "formula_cells", "defined_names", "cross_sheet_formulas", "flags", "sha256",
           "duplicates_elsewhere", "split"]

# The functions scoring workbooks live on, as the first manifest counted them; tier A
# is a file using one of them other than SUM and DATE, in at least 5 formula cells.
KPI_FUNCTIONS = frozenset(
    "SUM DATE IF TEXT MAX VLOOKUP MIN COUNTA AND COUNT SUMIF ROUND INDEX COUNTIF AVERAGE YEAR "
    "MONTH EDATE DAY SUMPRODUCT OR MATCH NOT ROUNDUP ROUNDDOWN MEDIAN CHOOSE YEARFRAC WORKDAY "
    "LOOKUP LARGE IFERROR HLOOKUP EOMONTH DATEDIF COUNTIFS XMATCH XLOOKUP WEEKDAY SUMIFS SMALL "
    "RANK MINIFS IFS IFNA DAYS AVERAGEIF SWITCH RANK.EQ RANK.AVG PERCENTRANK.INC PERCENTRANK.EXC "
    "PERCENTILE.INC PERCENTILE.EXC MAXIFS AVERAGEIFS".split())
TIER_A_MIN_CELLS = 5
NONDETERMINISTIC = ("NOW", "TODAY", "RAND", "RANDBETWEEN", "RANDARRAY", "CELL", "INFO")
HELDOUT_FRACTION = 1 / 3

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRING = re.compile(r'"(?:[^"]|"")*"')
# A call: an optional prefix Excel writes before the name, the name, "(".  Names after
# "!" (an add-in's "[1]!NAME(") are caught by _ADDIN instead.
_CALL = re.compile(r"(?<![\w.!\]])((?:_xlfn\.|_xlws\.|_xludf\.|_xlpm\.|_xll\.)*)([A-Za-z_\\][\w.]*)\(", re.I)
_ADDIN = re.compile(r"!([A-Za-z_][\w.]*)\(")
_SHEET_REF = re.compile(r"(?:'(?:[^']|'')+'|[\w.\[\]]+)!")


def _builtin_names():
    """Excel's functions of the 2007 file format.  Functions Excel added later are
    written with the _xlfn. prefix, so a bare name outside this list is the
    workbook's own (VBA) or an add-in's."""
    from openpyxl.utils.formulas import FORMULAE
    return frozenset(FORMULAE)


def _tag(el):
    return el.tag.rsplit("}", 1)[-1]


def _sheet_formulas(xml_bytes):
    """Yield (formula text, has cached value) for every formula cell of a sheet part;
    shared-formula members get their group's text (the functions are the same)."""
    shared = {}
    for _, el in ET.iterparse(_bytes_io(xml_bytes), events=("end",)):
        if _tag(el) != "c":
            continue
        f = v = None
        for child in el:
            t = _tag(child)
            if t == "f":
                f = child
            elif t == "v":
                v = child
            elif t == "is":
                v = child
        if f is not None:
            text = f.text or ""
            if f.get("t") == "shared" and f.get("si") is not None:
                if text:
                    shared[f.get("si")] = text
                else:
                    text = shared.get(f.get("si"), "")
            yield text, v is not None
        el.clear()


def _bytes_io(b):
    import io
    return io.BytesIO(b)


def _functions(text):
    """(builtin-or-prefixed names, add-in names) called in a formula text."""
    bare = _STRING.sub('""', text)
    calls = [(p.lower().split(".")[-2] + "." if p else "", n.upper()) for p, n in _CALL.findall(bare)]
    addins = {n.upper() for n in _ADDIN.findall(bare)}
    return calls, addins


def describe_workbook(path):
    """The manifest columns that are read from the file itself."""
    path = Path(path)
    blob = path.read_bytes()
    row = {"sha256": hashlib.sha256(blob).hexdigest()}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        app = ""
        if "docProps/app.xml" in names:
            m = re.search(r"<(?:\w+:)?Application>([^<]*)<",
                          z.read("docProps/app.xml").decode("utf-8", "replace"))
            ver = re.search(r"<(?:\w+:)?AppVersion>([^<]*)<",
                            z.read("docProps/app.xml").decode("utf-8", "replace"))
            app = " ".join(x for x in ((m.group(1) if m else ""), (ver.group(1) if ver else "")) if x)
        workbook = z.read("xl/workbook.xml").decode("utf-8", "replace") if "xl/workbook.xml" in names else ""
        # Excel always writes <fileVersion appName="xl">; libraries that start from a
        # template saved by Excel keep its app.xml but not this, nor Excel's values.
        row["_file_version_xl"] = re.search(
            r"<(?:\w+:)?fileVersion\b[^>]*\bappName=\"xl\"", workbook) is not None
        defined = re.findall(r"<(?:\w+:)?definedName\b[^>]*\bname=\"([^\"]*)\"", workbook)
        defined_upper = {d.upper().split(".")[-1] for d in defined}
        builtin = _builtin_names()
        fn_counts = collections.Counter()
        udfs = set()
        n_formula = n_cached = n_cross = 0
        for name in sorted(names):
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            for text, cached in _sheet_formulas(z.read(name)):
                n_formula += 1
                n_cached += cached
                if _SHEET_REF.search(_STRING.sub('""', text)):
                    n_cross += 1
                calls, addins = _functions(text)
                for prefix, fn in calls:
                    if prefix == "_xlpm.":
                        continue  # a LAMBDA parameter called as a function
                    if prefix == "_xludf." or prefix == "_xll." or (
                            not prefix and fn not in builtin and fn not in defined_upper):
                        udfs.add(fn)
                    fn_counts[fn] += 1
                udfs |= addins
        calcpr = re.search(r"<(?:\w+:)?calcPr\b[^>]*>", workbook)
        calcpr = calcpr.group(0) if calcpr else ""
        flags = []
        nondet = [f for f in NONDETERMINISTIC if f in fn_counts]
        if nondet:
            flags.append("nondeterministic:" + "|".join(nondet))
        if "xl/vbaProject.bin" in names:
            flags.append("vba")
        if udfs:
            flags.append("udf:" + "|".join(sorted(udfs)))
        if any(n.startswith("xl/externalLinks/") for n in names):
            flags.append("external-links")
        if any(n.startswith("xl/tables/") for n in names):
            flags.append("tables")
        if "INDIRECT" in fn_counts or "OFFSET" in fn_counts:
            flags.append("uses-INDIRECT/OFFSET")
        if re.search(r'\biterate="(1|true)"', calcpr):
            flags.append("iterative-calc")
        if re.search(r'\bcalcMode="manual"', calcpr):
            flags.append("manual-calc")
        if re.search(r'\bfullPrecision="(0|false)"', calcpr):
            flags.append("precision-as-displayed")
    kpi = [f for f, _ in fn_counts.most_common() if f in KPI_FUNCTIONS]
    tier = "A" if (set(kpi) - {"SUM", "DATE"}) and n_formula >= TIER_A_MIN_CELLS else "B"
    row.update({
        "file": path.name, "application": app,
        "formula_cells_with_values": n_cached, "formula_cells": n_formula,
        "functions_used": ",".join(f"{f}:{n}" for f, n in fn_counts.most_common()),
        "kpi_functions": ",".join(kpi), "tier": tier,
        "defined_names": len(defined), "cross_sheet_formulas": n_cross,
        "flags": ";".join(flags),
    })
    return row


def is_excel_oracle(row):
    """Saved by Microsoft Excel itself, with at least one formula value Excel cached."""
    app = row["application"]
    return ("Microsoft" in app and "Excel" in app and row.get("_file_version_xl", True)
            and int(row["formula_cells_with_values"]) > 0)


def _split_key(seed, sha256):
    return hashlib.sha256(f"{seed}:{sha256}".encode()).hexdigest()


def assign_split(rows, seed, previous=None, fraction=HELDOUT_FRACTION):
    """Set ``row["split"]``: files a previous manifest placed keep their split; the
    others are ordered by a seeded hash of their content and the first ``fraction``
    of them (counted over the whole corpus) is held out."""
    previous = previous or {}
    new = []
    for row in rows:
        if previous.get(row["sha256"]) in ("tune", "heldout"):
            row["split"] = previous[row["sha256"]]
        else:
            new.append(row)
    target = math.ceil(len(rows) * fraction)
    have = sum(1 for r in rows if r.get("split") == "heldout")
    new.sort(key=lambda r: _split_key(seed, r["sha256"]))
    for i, row in enumerate(new):
        row["split"] = "heldout" if i < max(target - have, 0) else "tune"
    return rows


def read_manifest(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def write_manifest(rows, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS, delimiter="\t", extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for row in sorted(rows, key=lambda r: r["file"]):
            w.writerow({c: row.get(c, "") for c in COLUMNS})


def build_manifest(folder, sources=None, seed=8, previous=None):
    """Rows for every Excel-saved oracle workbook in ``folder``; files that are not
    (another application saved them, or no formula carries a cached value) are left
    out and returned separately as (name, reason)."""
    folder = Path(folder)
    if (folder / "files").is_dir():
        folder = folder / "files"
    sources = sources or {}
    rows, left_out = [], []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm")):
        try:
            row = describe_workbook(path)
        except (zipfile.BadZipFile, ET.ParseError, KeyError) as exc:
            left_out.append((path.name, f"unreadable: {exc}"))
            continue
        if not is_excel_oracle(row):
            left_out.append((path.name, f"not an Excel oracle ({row['application'] or 'no application'}"
                                        f"{'' if row['_file_version_xl'] else ' without Excel fileVersion'}, "
                                        f"{row['formula_cells_with_values']} cached formula values)"))
            continue
        src = sources.get(path.name, {})
        for c in ("source_repo", "path_in_repo", "commit", "license", "duplicates_elsewhere"):
            row[c] = src.get(c, "")
        rows.append(row)
    prev = {r["sha256"]: r.get("split", "") for r in previous} if previous else {}
    assign_split(rows, seed, prev)
    return rows, left_out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--sources", help="TSV: file, source_repo, path_in_repo, commit, license")
    ap.add_argument("--previous", help="an earlier manifest whose splits are kept")
    ap.add_argument("--seed", default="8")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    sources = {r["file"]: r for r in read_manifest(a.sources)} if a.sources else {}
    previous = read_manifest(a.previous) if a.previous and Path(a.previous).is_file() else None
    rows, left_out = build_manifest(a.folder, sources, a.seed, previous)
    write_manifest(rows, a.output)
    held = sum(r["split"] == "heldout" for r in rows)
    print(f"{len(rows)} workbooks ({held} held out, {len(rows) - held} tune), "
          f"{len(left_out)} left out", file=sys.stderr)
    for name, why in left_out:
        print(f"  left out {name}: {why}", file=sys.stderr)


if __name__ == "__main__":
    main()
