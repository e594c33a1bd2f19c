"""The packaging facts the install tests rely on, checked without building anything."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import kpi_xl
from kpi_xl.cli import ALL_EXTRA_MODULES, main
from kpi_xl.templates import TEMPLATE_DIR, TEMPLATES, TemplateError, shipped_template, template_dir

tomllib = pytest.importorskip("tomllib")

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_all_extra_is_what_the_command_checks_for():
    extra = PYPROJECT["project"]["optional-dependencies"]["all"]
    # A requirement whose marker does not apply here (tomli below 3.11) is not checked for.
    names = [r.name for r in map(Requirement, extra) if r.marker is None or r.marker.evaluate()]
    assert tuple(names) == ALL_EXTRA_MODULES
    assert PYPROJECT["project"]["dependencies"] == ["xlwings>=0.33"]
    assert any(r.startswith("kpi_xl[all") for r in PYPROJECT["project"]["optional-dependencies"]["test"])


def test_version_is_written_once():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert "version" not in PYPROJECT["project"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "kpi_xl.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", kpi_xl.__version__)


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"kpi-xl {kpi_xl.__version__}"


def test_checkout_finds_the_repository_templates():
    assert template_dir() == TEMPLATE_DIR == REPO / "workbook_templates"
    for lang in ("zh", "en"):
        for name in TEMPLATES:
            assert shipped_template(name, lang) == REPO / "workbook_templates" / lang / f"{name}.xlsx"


def test_a_missing_template_is_a_sentence_naming_it():
    with pytest.raises(TemplateError, match=r"The shipped template fr/cs_composite\.xlsx is missing"):
        shipped_template("cs_composite", "fr")


def test_readme_quick_start_installs_the_extra():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[all]" && kpi-xl demo' in readme
    assert 'pip install -e ".[test]" && python -m pytest' in readme
