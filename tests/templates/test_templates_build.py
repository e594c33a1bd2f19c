"""Building templates: reproducible files, the checked-in copies are what the code builds,
and each workbook has the parts a user relies on (names, validation, frozen headers,
conditional formats, charts)."""
from __future__ import annotations

import re

import zipfile

import pytest
from openpyxl import load_workbook

from kpi_xl.cli import main
from kpi_xl.templates import LANGS, TEMPLATE_DIR, TEMPLATES, build_template, engine_available

ALL = [(name, lang) for name in TEMPLATES for lang in LANGS]


def members(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("name,lang", ALL)
def test_checked_in_template_is_what_the_code_builds(built, name, lang):
    shipped = TEMPLATE_DIR / lang / f"{name}.xlsx"
    assert shipped.exists(), f"{shipped} is missing; run kpi_xl.templates.build_all()"
    if engine_available():
        rebuilt = members(built(name, lang))
        old = members(shipped)
        assert sorted(rebuilt) == sorted(old)
        for member in rebuilt:
            assert rebuilt[member] == old[member], f"{shipped}: {member} differs from a rebuild"
    else:  # without the engine, compare what openpyxl sees: formulas, values, names
        a = load_workbook(built(name, lang, recalc=False))
        b = load_workbook(shipped)
        assert a.sheetnames == b.sheetnames
        for ws in a:
            assert [[c.value for c in r] for r in ws.iter_rows()] == \
                   [[c.value for c in r] for r in b[ws.title].iter_rows()]


def test_building_twice_gives_identical_bytes(tmp_path):
    build_template("cs_composite", "zh", tmp_path / "a.xlsx", recalc=False)
    build_template("cs_composite", "zh", tmp_path / "b.xlsx", recalc=False)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    core = members(tmp_path / "a.xlsx")["docProps/core.xml"].decode()
    assert "2025-01-01T00:00:00Z</dcterms:modified>" in core
    assert "2025-01-01T00:00:00Z</dcterms:created>" in core


@pytest.mark.parametrize("name,lang", ALL)
def test_template_structure(built, name, lang):
    path = built(name, lang, recalc=False)
    wb = load_workbook(path)
    spec = TEMPLATES[name]
    t = (lambda zh, en: zh if lang == "zh" else en)
    data, results = wb[t(*spec.data_sheet)], wb[t(*spec.results_sheet)]
    assert wb.sheetnames[:3] == [t(*spec.scheme_sheet), data.title, results.title]
    if lang == "zh":  # Chinese workbooks are Chinese throughout, sheet names too
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in wb.sheetnames)
    assert data.freeze_panes == "B5" and results.freeze_panes == "B5"
    kinds = {dv.type for dv in data.data_validations.dataValidation}
    assert {"whole", "decimal", "textLength"} <= kinds
    assert data["B5"].number_format in ("#,##0", "0.00", "#,##0.00")
    assert "KPI_Results" in wb.defined_names
    assert len(results.conditional_formatting) >= 2
    # Every KPI_BAND refers to a defined name of the workbook, never to cells of the scheme.
    band_formulas = [c.value for row in results.iter_rows() for c in row
                     if isinstance(c.value, str) and "KPI_BAND(" in c.value]
    assert band_formulas
    for f in band_formulas:
        table = re.search(r"KPI_BAND\([^,]+,([^,)]+)", f).group(1)
        assert table in wb.defined_names, f
    # Every band table and the weights have a check cell.
    scheme = wb[t(*spec.scheme_sheet)]
    # (a check may say something of its own first: =IF(cond,"text",KPI_CHECK_BANDS(...)))
    checks = [re.search(r"KPI_CHECK_(?:BANDS|WEIGHTS)\(([^,)]+)", c.value).group(1)
              for row in scheme.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("=")
              and re.search(r"KPI_CHECK_(?:BANDS|WEIGHTS)\(", c.value)]
    tables = [n for n, dn in wb.defined_names.items()
              if ":" in dn.attr_text and dict(dn.destinations).get(scheme.title)]
    assert sorted(checks) == sorted(tables)
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        for c in charts:
            xml = z.read(c).decode()
            assert "<barChart>" in xml and "<f>" in xml


def test_cli_lists_and_builds(tmp_path, capsys):
    assert main(["template", "--list"]) == 0
    out = capsys.readouterr().out
    for name in TEMPLATES:
        assert name in out
    target = tmp_path / "form.xlsx"
    assert main(["template", "appraisal_100", "--lang", "en", "-o", str(target)]) == 0
    assert load_workbook(target).sheetnames[0] == "Scheme"
    assert main(["template", "no_such_thing", "-o", str(tmp_path / "x.xlsx")]) == 1
    assert "no template called 'no_such_thing'" in capsys.readouterr().err
