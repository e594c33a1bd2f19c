"""Recalculate workbooks with a native peer engine, as its users would from Python.

    python bench/peer_run.py formualizer -o OUTDIR FILES_OR_FOLDERS...
    python bench/peer_run.py ironcalc -o OUTDIR FILES_OR_FOLDERS...

One process for all the files, like ``kpi-xl recalc FOLDER``: the engine is
imported once, then each workbook is loaded, evaluated and written to OUTDIR
under its own name.

- formualizer: ``recalculate_xlsx_file(src, dst)``, which keeps the package and
  writes the formulas' cached values;
- ironcalc: ``load_from_xlsx`` → ``Model.evaluate()`` → ``save_to_xlsx``, which
  writes a workbook of its own with the computed values cached.

Only the engine's module is imported here (no openpyxl, no numpy): what is timed is
the peer's own start-up and work.  Exit status 0 when every file was written,
1 (with the file and the engine's message on stderr) at the first that was not.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from measure import workbook_files


def _formualizer():
    import formualizer

    def recalc(src: Path, dst: Path):
        report = formualizer.recalculate_xlsx_file(str(src), str(dst))
        summary = report.get("summary", {}) if isinstance(report, dict) else {}
        if summary.get("status") not in (None, "success"):
            raise RuntimeError(f"status {summary.get('status')!r}, "
                               f"unknown functions {summary.get('unknown_functions')}")
    return recalc


def _ironcalc():
    import ironcalc

    def recalc(src: Path, dst: Path):
        model = ironcalc.load_from_xlsx(str(src), "en", "UTC")
        model.evaluate()
        model.save_to_xlsx(str(dst))
    return recalc


ENGINES = {"formualizer": _formualizer, "ironcalc": _ironcalc}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("engine", choices=sorted(ENGINES))
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    recalc = ENGINES[args.engine]()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    files = workbook_files(args.inputs)
    for src in files:
        dst = out / src.name
        if dst.exists():
            # ironcalc refuses to overwrite; a fresh output folder is the bench's rule anyway.
            dst.unlink()
        try:
            recalc(src, dst)
        except BaseException as exc:  # a Rust panic arrives as PanicException, not Exception
            print(f"{args.engine}: {src}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
