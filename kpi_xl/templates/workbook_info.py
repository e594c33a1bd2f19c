"""Which template a workbook was built from, read from its document properties."""
from __future__ import annotations

from .base import PROP_LANG, PROP_TEMPLATE
from .errors import TemplateError


def template_of(wb, label: str):
    """(template, lang) of an openpyxl workbook built by :mod:`kpi_xl.templates`."""
    from . import TEMPLATES
    props = {p.name: p.value for p in wb.custom_doc_props}
    name = props.get(PROP_TEMPLATE)
    lang = props.get(PROP_LANG)
    if name is None:
        raise TemplateError(
            f"{label} was not built from a kpi_xl template (its document properties do not name "
            f"one); start from a file made by `kpi-xl template`.")
    if name not in TEMPLATES:
        raise TemplateError(f"{label} was built from template {name!r}, which this version of "
                            f"kpi_xl does not know.")
    if lang not in ("zh", "en"):
        raise TemplateError(f"{label} names an unknown language {lang!r} in its properties.")
    return TEMPLATES[name], lang
