"""Template workbooks for the schemes shops use, filling them from data, and summaries.

Library entry points (the ``kpi-xl template / fill / summary`` commands and the demo
call these):

* :func:`build_template` — write one template workbook;
* :func:`kpi_xl.templates.fill.fill_template` — one filled workbook per group of a data file;
* :func:`kpi_xl.templates.summary.collect` / :func:`~kpi_xl.templates.summary.write_summary`;
* :func:`kpi_xl.templates.sample_data.generate_sample_data` — the demo data set.
"""
from __future__ import annotations

from pathlib import Path

from .errors import DataError, SummaryError, TemplateError
from .package import engine_available, save_workbook
from .shipped import shipped_template, template_dir


def _registry():
    from .appraisal import AppraisalTemplate
    from .composite import CompositeTemplate
    from .jd import JdTemplate
    from .operations import OperationsTemplate
    from .pay import PayTemplate
    templates = [CompositeTemplate(), OperationsTemplate(), JdTemplate(), AppraisalTemplate(),
                 PayTemplate()]
    return {tpl.name: tpl for tpl in templates}


TEMPLATES = _registry()
LANGS = ("zh", "en")
TEMPLATE_DIR = template_dir()


def get_template(name: str):
    try:
        return TEMPLATES[name]
    except KeyError:
        raise TemplateError(
            f"There is no template called {name!r}; the templates are: {', '.join(TEMPLATES)}."
        ) from None


def build_template(name: str, lang: str, path, *, recalc: bool = True) -> bool:
    """Write template ``name`` in ``lang`` to ``path``; True when it carries cached values."""
    if lang not in LANGS:
        raise TemplateError(f"The language must be one of {', '.join(LANGS)}, not {lang!r}.")
    wb = get_template(name).build(lang)
    return save_workbook(wb, path, recalc=recalc)


def build_all(folder=TEMPLATE_DIR, *, recalc: bool = True) -> list[Path]:
    """Rebuild every template in both languages under ``folder``/zh and ``folder``/en."""
    written = []
    for lang in LANGS:
        for name in TEMPLATES:
            path = Path(folder) / lang / f"{name}.xlsx"
            build_template(name, lang, path, recalc=recalc)
            written.append(path)
    return written


__all__ = ["TEMPLATES", "LANGS", "TEMPLATE_DIR", "template_dir", "shipped_template", "get_template",
           "build_template", "build_all",
           "engine_available", "DataError", "SummaryError", "TemplateError"]
