"""Where the shipped template workbooks are, in a checkout and in an installed wheel.

The repository keeps them in its top-level ``workbook_templates/`` folder; the wheel
and sdist carry the same files as the data package ``kpi_xl/workbook_templates``
(see ``setup.py``).  This module imports nothing beyond the standard library, so
it can be asked before the optional dependencies are installed.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

_FOLDER = "workbook_templates"


def template_dir() -> Path:
    """The folder holding ``zh/`` and ``en/``: inside the installed package, else the checkout's."""
    packaged = importlib.resources.files("kpi_xl") / _FOLDER
    if packaged.is_dir():
        # pip installs wheels unzipped, so the resource is a real folder on disk.
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / _FOLDER


def shipped_template(name: str, lang: str) -> Path:
    """The shipped workbook of template ``name`` in ``lang``, or a TemplateError saying it is missing."""
    from .errors import TemplateError
    path = template_dir() / lang / f"{name}.xlsx"
    if not path.is_file():
        raise TemplateError(
            f"The shipped template {lang}/{name}.xlsx is missing (looked in {path.parent}); "
            f"reinstall kpi_xl, or build it with: kpi-xl template {name} --lang {lang} -o {name}.xlsx")
    return path
