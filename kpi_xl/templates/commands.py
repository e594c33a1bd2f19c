"""What ``kpi-xl template`` and ``kpi-xl summary`` do, as library calls.

Each writes its workbook and returns what happened, or raises a typed error whose
message is a finished sentence; ``kpi_xl/cli.py`` prints the result.  (``fill`` is
:func:`~kpi_xl.templates.fill.fill_template` itself.)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SummaryError, TemplateError
from .fill import OutputError, Progress


def write_template(name: str, lang: str = "zh", output=None, *,
                   overwrite: bool = False) -> tuple[Path, bool]:
    """Write template ``name`` to ``output`` (default ``<name>_<lang>.xlsx``).

    Returns the path written and whether it carries cached values.  An existing file is
    replaced only with ``overwrite``: it may be the user's edited scheme.
    """
    from . import build_template
    output = Path(output or f"{name}_{lang}.xlsx")
    if output.exists() and not overwrite:
        raise OutputError(f"{output} already exists; nothing was written. Say --overwrite to "
                          f"replace it, or choose another -o file.")
    if output.is_dir():
        raise OutputError(f"{output} is a folder; -o takes the name of the workbook to write.")
    try:
        cached = build_template(name, lang, output)
    except PermissionError:
        raise OutputError(f"{output} cannot be written: permission denied.") from None
    except OSError as exc:
        raise OutputError(f"{output} cannot be written: {exc.strerror or exc}.") from None
    return output, cached


@dataclass
class SummaryRun:
    """The results gathered from many workbooks, before the summary is written."""

    paths: list
    frame: object                                    # pandas DataFrame, one row per agent-month
    problems: list = field(default_factory=list)     # sentences: files that could not be read
    findings: list = field(default_factory=list)     # verify.Finding of the workbooks

    def finding_lines(self) -> list[str]:
        from .verify import describe
        return describe(self.findings, len(self.paths))

    @property
    def unpaid(self) -> int:
        """Agent-months whose total is missing or an error."""
        df = self.frame
        return int(df["total"].isna().sum()) if "total" in df else 0

    @property
    def ok(self) -> bool:
        return not (self.problems or self.findings or self.unpaid)

    def summary(self, output) -> str:
        df = self.frame
        tail = []
        if self.problems:
            tail.append(f"{len(self.problems)} problem(s) reported")
        kept = sum(1 for f in self.findings if f.kind == "kept")
        if len(self.findings) > kept:
            tail.append(f"{len(self.findings) - kept} check/error cell(s) named above")
        if kept:
            tail.append(f"{kept} cell(s) using a value Excel cached from a data connection, "
                        f"named above")
        if self.unpaid:
            tail.append(f"{self.unpaid} agent-month(s) without a total")
        return (f"Wrote {output}: {len(df)} result row(s) from {df['file'].nunique()} "
                f"workbook(s)" + (f"; {'; '.join(tail)}." if tail else "."))


def gather_summary(inputs, output, *, overwrite: bool = False,
                   progress: Progress | None = None) -> SummaryRun:
    """Read the results and check cells of every workbook in ``inputs`` (files, folders,
    patterns), refusing an ``output`` that would destroy an input or an existing file.

    A workbook that cannot be read is one of the run's ``problems``, not a refusal.
    """
    from ..engine.batch import expand_inputs
    from .summary import collect, duplicates, spellings
    from .verify import verify_workbook
    paths = expand_inputs(inputs, missing="keep")
    if not paths:
        raise SummaryError([f"No workbooks found in {' '.join(inputs)}."])
    output = Path(output)
    if any(os.path.realpath(p) == os.path.realpath(output) for p in paths):
        raise OutputError(f"{output} is one of the workbooks to summarise; writing the summary "
                          f"there would destroy it. Choose another -o file.")
    if output.exists() and not overwrite:
        raise OutputError(f"{output} already exists; nothing was written. Say --overwrite to "
                          f"replace it, or choose another -o file.")
    problems: list[str] = []
    df = collect(paths, strict=False, progress=progress, problems=problems)
    findings = []
    read = set(df["file"]) if "file" in df else set()
    for p in paths:
        try:
            findings += verify_workbook(p)
        except Exception as exc:  # noqa: BLE001 - a file that cannot be checked is said
            if Path(p).name in read:   # unreadable files are already among the problems
                problems.append(f"{p}: its checks, error cells and results could not be "
                                f"verified ({type(exc).__name__}: {exc}), so its month is not "
                                "confirmed (this is a bug in kpi_xl; please report it).")
    # The totals that are errors are named cell by cell by the findings; one sentence per cell.
    problems = [p for p in problems if "the total of" not in p] if findings else problems
    # One shop or agent written two ways ('S1', 's1'; 'Amy', 'amy') is merged by collect, and
    # said so: the months were written differently. Merged, two spellings of one agent-month
    # (of the shop or of the agent) are a duplicate.
    problems += spellings(df)
    problems += duplicates(df)
    return SummaryRun(paths, df, problems, findings)


def write_gathered_summary(run: SummaryRun, output, *, lang: str | None = None) -> Path:
    """Write the summary workbook of ``run``; ``lang`` defaults to the workbooks' own."""
    from .summary import write_summary
    if run.frame.empty:
        raise SummaryError(["None of the workbooks could be summarised."])
    output = Path(output)
    try:
        write_summary(run.frame, output, lang=lang or _lang_of(run.paths))
    except PermissionError:
        raise OutputError(f"{output} cannot be written: permission denied.") from None
    except OSError as exc:
        raise OutputError(f"{output} cannot be written: {exc.strerror or exc}.") from None
    return output


def _lang_of(paths) -> str:
    from openpyxl import load_workbook
    from .base import PROP_LANG
    for p in paths:
        try:
            wb = load_workbook(p, read_only=True)
        except Exception:
            continue
        props = {x.name: x.value for x in wb.custom_doc_props}
        if props.get(PROP_LANG) in ("zh", "en"):
            return props[PROP_LANG]
    return "zh"


__all__ = ["write_template", "SummaryRun", "gather_summary", "write_gathered_summary",
           "TemplateError"]
