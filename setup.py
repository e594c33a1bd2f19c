# The template workbooks live at the top of the repository (workbook_templates/),
# where users of a checkout find them; the wheel and sdist carry them inside the
# package as kpi_xl/workbook_templates, read with importlib.resources.  pyproject.toml
# cannot map one folder into an automatically found package tree, so this does.  The
# language folders are named as packages of their own: setuptools would otherwise warn
# that it may ignore them, as folders Python can import that no package lists.
from setuptools import find_packages, setup

LANGS = ("zh", "en")

setup(
    packages=find_packages(include=["kpi_xl", "kpi_xl.*"]) + ["kpi_xl.workbook_templates"]
    + [f"kpi_xl.workbook_templates.{lang}" for lang in LANGS],
    package_dir={"kpi_xl.workbook_templates": "workbook_templates"},
    package_data={f"kpi_xl.workbook_templates.{lang}": ["*.xlsx"] for lang in LANGS},
)
