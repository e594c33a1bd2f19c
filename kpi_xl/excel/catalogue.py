"""The function catalogue of the README, rendered from the registry.

``python -m kpi_xl.excel.catalogue`` prints it; ``--update README.md`` rewrites the
README's catalogue section in place.  A test keeps the two equal.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import registry

HEADING = "## The function catalogue"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _call(entry: registry.KpiFunction) -> str:
    args = ", ".join(f"[{a.name}]" if a.optional else a.name for a in entry.args)
    return f"`{entry.name}({args})`"


def catalogue_markdown(functions=registry.FUNCTIONS) -> str:
    """The catalogue section's body: a short note, then one table row per function."""
    lines = [
        f"{len(functions)} functions, all in the Excel category **{registry.CATEGORY}**. "
        "Arguments in [brackets] are optional; a blank or omitted one takes its default. "
        "Excel's function wizard shows each argument's help in Chinese and English. "
        "This table is generated from `kpi_xl/registry.py` (`python -m kpi_xl.excel.catalogue`).",
        "",
        "| Function | 说明 | Description |",
        "|---|---|---|",
    ]
    for entry in functions:
        zh, en = entry.help_zh, entry.help_en
        if entry.spills:
            zh, en = zh + "结果溢出到相邻单元格。", en + " Spills into neighbouring cells."
        lines.append(f"| {_cell(_call(entry))} | {_cell(zh)} | {_cell(en)} |")
    return "\n".join(lines) + "\n"


def section_body(readme: str, heading: str = HEADING) -> str:
    """The text under ``heading`` up to the next second-level heading."""
    start = readme.index(heading + "\n") + len(heading) + 1
    end = readme.find("\n## ", start)
    return readme[start:] if end < 0 else readme[start:end + 1]


def with_section(readme: str, body: str, heading: str = HEADING) -> str:
    """``readme`` with the section under ``heading`` replaced by ``body``."""
    old = section_body(readme, heading)
    start = readme.index(heading + "\n") + len(heading) + 1
    return readme[:start] + "\n" + body.strip("\n") + "\n\n" + readme[start + len(old):].lstrip("\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpi_xl.excel.catalogue",
                                     description="Print the KPI function catalogue as markdown.")
    parser.add_argument("--update", metavar="README", type=Path,
                        help="rewrite that file's catalogue section instead of printing")
    args = parser.parse_args(argv)
    if args.update is None:
        sys.stdout.write(catalogue_markdown())
        return 0
    text = args.update.read_text(encoding="utf-8")
    args.update.write_text(with_section(text, catalogue_markdown()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
