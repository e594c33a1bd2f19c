# The template workbooks live at the top of the repository (workbook_templates/),
# where users of a checkout find them; the wheel and sdist carry them inside the
# package as kpi_xl/workbook_templates, read with importlib.resources.  pyproject.toml
# cannot map one folder into an automatically found package tree, so this does.
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["kpi_xl", "kpi_xl.*"]) + ["kpi_xl.workbook_templates"],
    package_dir={"kpi_xl.workbook_templates": "workbook_templates"},
    package_data={"kpi_xl.workbook_templates": ["zh/*.xlsx", "en/*.xlsx"]},
)
