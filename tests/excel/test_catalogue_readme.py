"""The README's function catalogue is the one rendered from the registry."""
from pathlib import Path

from kpi_xl import registry
from kpi_xl.excel.catalogue import catalogue_markdown, section_body, with_section

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_catalogue_equals_the_rendered_registry():
    body = section_body(README.read_text(encoding="utf-8"))
    assert body.strip() == catalogue_markdown().strip(), (
        "README.md's catalogue is out of date: run "
        "`python -m kpi_xl.excel.catalogue --update README.md`")


def test_catalogue_lists_every_function_with_its_arguments():
    rows = [line for line in catalogue_markdown().splitlines() if line.startswith("| `KPI_")]
    assert len(rows) == len(registry.FUNCTIONS) == 15
    assert rows[0].startswith("| `KPI_BAND(value, bands, [closed])` | 按区间表")
    assert "`KPI_QUADRANT(conversion, aov, conversion_ref, aov_ref, [lang])`" in rows[9]


def test_update_replaces_only_the_catalogue_section():
    text = "# t\n\n## The function catalogue\n\n<!-- catalogue -->\n\n## Next\n\nkept\n"
    updated = with_section(text, "| a |\n")
    assert updated == "# t\n\n## The function catalogue\n\n| a |\n\n## Next\n\nkept\n"
    assert with_section(updated, "| a |\n") == updated
