"""The raw floor: what rewriting a workbook costs before any formula is computed.

Unzips each workbook, parses every worksheet's XML with lxml and serialises it
again, and re-zips the package at deflate level 3 (the parts in their order,
everything else copied as it is).  No cell is read into Python objects and no
value computed: a recalculating tool that writes the file back cannot do less.
Its outputs hold the inputs' formulas without values, so the value check leaves
them out.

    python bench/raw_floor.py -o OUTDIR FILES_OR_FOLDERS...
"""
from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

from lxml import etree
from measure import workbook_files

SHEET = re.compile(r"xl/worksheets/[^/]+\.xml$")


def rewrite(src: Path, dst: Path):
    parser = etree.XMLParser(huge_tree=True)
    with zipfile.ZipFile(src) as zin, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if SHEET.match(item.filename):
                root = etree.fromstring(data, parser)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(item.filename, data)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    files = workbook_files(args.inputs)
    for src in files:
        rewrite(src, out / src.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
