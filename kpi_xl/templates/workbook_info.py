"""Which template a workbook was built from, read from its document properties."""
from __future__ import annotations

import warnings
from contextlib import contextmanager

from .base import PROP_LANG, PROP_TEMPLATE
from .errors import TemplateError


@contextmanager
def quiet_reading():
    """Within it, openpyxl does not warn that it drops a sheet's extensions (Excel's and
    LibreOffice's conditional formats, data validations …) "and will be removed": said of
    saving, and a month's workbook that is only read is never saved by openpyxl, so the
    sentence would only alarm the user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*extension is not supported",
                                category=UserWarning, module=r"openpyxl\.")
        yield


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
