"""The main job end to end on generated data: template → data → filled workbooks → summary."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import build_template
from .fill import FillReport, Progress, fill_template
from .sample_data import write_sample_data
from .summary import collect, write_summary


@dataclass
class PipelineResult:
    template: Path
    data: Path
    report: FillReport
    summary: Path | None
    results: object  # pandas DataFrame of every agent's results


def sample_pipeline(folder, *, n_shops: int = 3, n_months: int = 3, n_agents: int = 5,
                    lang: str = "zh", template: str = "cs_composite", seed: int = 2025,
                    jobs: int = 1, progress: Progress | None = None) -> PipelineResult:
    """Build a template, generate data, fill one workbook per shop and month, summarise.

    Writes into ``folder``: the template, ``agents.csv``, ``workbooks/`` and
    ``summary.xlsx`` (only when the workbooks could be recalculated).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tpl = folder / f"{template}_{lang}.xlsx"
    build_template(template, lang, tpl)
    data = write_sample_data(folder / "agents.csv", n_shops=n_shops, n_months=n_months,
                             n_agents=n_agents, template=template, lang=lang, seed=seed)
    by = "店铺,月份" if lang == "zh" else "Shop,Month"
    # The folder is the pipeline's own: a second run replaces what the first one wrote.
    report = fill_template(tpl, data, folder / "workbooks", by=by, jobs=jobs, progress=progress,
                           overwrite=True)
    if not report.cached or not report.written:
        return PipelineResult(tpl, data, report, None, None)
    df = collect(report.written, progress=progress)
    summary = write_summary(df, folder / "summary.xlsx", lang=lang)
    return PipelineResult(tpl, data, report, summary, df)


__all__ = ["sample_pipeline", "PipelineResult"]
