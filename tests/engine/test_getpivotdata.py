"""GETPIVOTDATA over the pivot cache saved in the package.

Expected values: Excel's cached values (poi__54436.xlsx in the first oracle corpus,
fastexcel__formula_stress_test.xlsx in the tune split of the second) and, on a pivot table
written here part by part, sums worked by hand from its six records, with Microsoft's
rules ("GETPIVOTDATA function"): the data field by its name, the table by any cell of
it, #REF! for a field or item the table does not show or a cell outside any table.
"""
from __future__ import annotations

import math
import sys
import zipfile
from pathlib import Path

import pytest

from kpi_xl.engine.recalc import compute
from kpi_xl.engine.values import XlErr

sys.path.insert(0, str(Path(__file__).parent))
from oracle_runner import ORACLES2, SHARED_ORACLES, check_file  # noqa: E402
from xlsx_raw import write_xlsx  # noqa: E402

RECORDS = [("East", "Apple", 10), ("West", "Apple", 20), ("East", "Pear", 5),
           ("West", "Pear", 7), ("East", "Apple", 3), ("North", "Pear", 1)]
REGIONS = ["East", "West", "North"]
PRODUCTS = ["Apple", "Pear"]
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _rels(kind, target):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rId1" Type="{REL}/{kind}" Target="{target}"/></Relationships>')


def pivot_book(path, formulas, data_fields=(("Sum of Sales", "sum"),), hidden=(), page=None,
               location="E1:H6"):
    """Sheet S: the records in A1:C7, a pivot table at E1:H6 (Region down, Product across),
    ``formulas`` from J1 down. ``hidden``: regions hidden; ``page``: Product as a page
    field with that product picked, in place of a column field."""
    cells = {(1, 1): "Region", (1, 2): "Product", (1, 3): "Sales"}
    for i, rec in enumerate(RECORDS, start=2):
        for j, v in enumerate(rec, start=1):
            cells[(i, j)] = v
    for i, f in enumerate(formulas, start=1):
        cells[(i, 10)] = ("=", f)
    write_xlsx(path, {"S": cells})
    hide = ' h="1"'
    region_items = "".join(f'<item x="{i}"{hide if r in hidden else ""}/>'
                           for i, r in enumerate(REGIONS))
    product_items = '<item x="0"/><item x="1"/>'
    product_axis = ' axis="axisPage"' if page is not None else ' axis="axisCol"'
    fields = (f'<pivotFields count="3"><pivotField axis="axisRow" showAll="0"><items count="4">'
              f'{region_items}<item t="default"/></items></pivotField>'
              f'<pivotField{product_axis} showAll="0">'
              f'<items count="3">{product_items}<item t="default"/></items></pivotField>'
              '<pivotField dataField="1" showAll="0"/></pivotFields>')
    cols = '' if page is not None else '<colFields count="1"><field x="1"/></colFields>'
    pages = '' if page is None else \
        f'<pageFields count="1"><pageField fld="1" item="{PRODUCTS.index(page)}" hier="-1"/></pageFields>'
    datas = "".join(f'<dataField name="{n}" fld="2" subtotal="{s}" baseField="0" baseItem="0"/>'
                    for n, s in data_fields)
    table = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotTableDefinition '
             f'xmlns="{MAIN}" name="PT" cacheId="1" dataCaption="Values"><location ref="{location}" '
             f'firstHeaderRow="1" firstDataRow="2" firstDataCol="1"/>{fields}<rowFields count="1">'
             f'<field x="0"/></rowFields>{cols}{pages}<dataFields count="{len(data_fields)}">'
             f'{datas}</dataFields></pivotTableDefinition>')
    shared = ("".join(f'<s v="{r}"/>' for r in REGIONS), "".join(f'<s v="{p}"/>' for p in PRODUCTS))
    definition = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheDefinition '
                  f'xmlns="{MAIN}" xmlns:r="{REL}" r:id="rId1" recordCount="6"><cacheSource '
                  'type="worksheet"><worksheetSource ref="A1:C7" sheet="S"/></cacheSource>'
                  f'<cacheFields count="3"><cacheField name="Region" numFmtId="0"><sharedItems '
                  f'count="3">{shared[0]}</sharedItems></cacheField><cacheField name="Product" '
                  f'numFmtId="0"><sharedItems count="2">{shared[1]}</sharedItems></cacheField>'
                  '<cacheField name="Sales" numFmtId="0"><sharedItems containsNumber="1"/>'
                  '</cacheField></cacheFields></pivotCacheDefinition>')
    records = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheRecords '
               f'xmlns="{MAIN}" count="6">' + "".join(
                   f'<r><x v="{REGIONS.index(r)}"/><x v="{PRODUCTS.index(p)}"/><n v="{v}"/></r>'
                   for r, p, v in RECORDS) + "</pivotCacheRecords>")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/worksheets/_rels/sheet1.xml.rels",
                   _rels("pivotTable", "../pivotTables/pivotTable1.xml"))
        z.writestr("xl/pivotTables/pivotTable1.xml", table)
        z.writestr("xl/pivotTables/_rels/pivotTable1.xml.rels",
                   _rels("pivotCacheDefinition", "../pivotCache/pivotCacheDefinition1.xml"))
        z.writestr("xl/pivotCache/pivotCacheDefinition1.xml", definition)
        z.writestr("xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels",
                   _rels("pivotCacheRecords", "pivotCacheRecords1.xml"))
        z.writestr("xl/pivotCache/pivotCacheRecords1.xml", records)
    return path


def results(tmp_path, formulas, **kw):
    _, res, _ = compute(str(pivot_book(tmp_path / "pivot.xlsx", formulas, **kw)))
    return [res["S"].get((i, 10)) for i in range(1, len(formulas) + 1)]


REF = XlErr("#REF!")


@pytest.mark.parametrize("formula, expected", [
    ('GETPIVOTDATA("Sum of Sales",E1)', 46),
    ('GETPIVOTDATA("Sum of Sales",G3,"Region","East")', 18),
    ('GETPIVOTDATA("Sum of Sales",$E$1,"Region","East","Product","Apple")', 13),
    ('GETPIVOTDATA("sum of sales",E1,"product","PEAR")', 13),     # names without regard to case
    ('GETPIVOTDATA("Sales",H6,"Region","West")', 27),             # the source field's name
    ('GETPIVOTDATA("Sum of Sales",E1,"Region",A3)', 27),          # an item from a cell
    ('GETPIVOTDATA("Sum of Sales",E1,"Region","North","Product","Apple")', REF),  # no record
    ('GETPIVOTDATA("Sum of Sales",E1,"Region","South")', REF),    # no such item
    ('GETPIVOTDATA("Sum of Sales",D1)', REF),                     # outside the table
    ('GETPIVOTDATA("Sum of Sales",E1,"Sales",10)', REF),          # not a field of the table
    ('GETPIVOTDATA("Count of Sales",E1)', REF),                   # no such data field
])
def test_sums_worked_by_hand(tmp_path, formula, expected):
    assert results(tmp_path, [formula]) == [expected]


def test_summary_functions_of_the_data_fields(tmp_path):
    got = results(tmp_path, [
        'GETPIVOTDATA("Average of Sales",E1,"Region","East")',
        'GETPIVOTDATA("Max of Sales",E1,"Product","Pear")',
        'GETPIVOTDATA("Min of Sales",E1,"Product","Apple")',
        'GETPIVOTDATA("Count of Sales",E1)',
        'GETPIVOTDATA("Product of Sales",E1,"Region","West")',
        'GETPIVOTDATA("StdDev of Sales",E1,"Region","East")',
        'GETPIVOTDATA("Varp of Sales",E1,"Region","West")',
    ], data_fields=[("Average of Sales", "average"), ("Max of Sales", "max"),
                    ("Min of Sales", "min"), ("Count of Sales", "count"),
                    ("Product of Sales", "product"), ("StdDev of Sales", "stdDev"),
                    ("Varp of Sales", "varp")])
    assert got[:5] == [6, 7, 3, 6, 140]
    assert got[5] == pytest.approx(math.sqrt(13))    # 10, 5, 3: mean 6, squares 16+1+9, /2
    assert got[6] == pytest.approx(42.25)            # 20, 7: mean 13.5, (6.5² + 6.5²)/2


def test_hidden_items_are_not_in_the_table(tmp_path):
    assert results(tmp_path, ['GETPIVOTDATA("Sum of Sales",E1)',
                              'GETPIVOTDATA("Sum of Sales",E1,"Region","North")'],
                   hidden=("North",)) == [45, REF]


def test_a_page_field_filters_the_table(tmp_path):
    assert results(tmp_path, ['GETPIVOTDATA("Sum of Sales",E1)',
                              'GETPIVOTDATA("Sum of Sales",E1,"Region","East")',
                              'GETPIVOTDATA("Sum of Sales",E1,"Product","Apple")',
                              'GETPIVOTDATA("Sum of Sales",E1,"Product","Pear")'],
                   page="Apple") == [33, 13, 33, REF]


def test_a_damaged_pivot_part_costs_only_its_cells(tmp_path):
    assert results(tmp_path, ['GETPIVOTDATA("Sum of Sales",E1)', "SUM(C2:C7)"],
                   location="not a range") == [REF, 46]


@pytest.mark.parametrize("path", [
    SHARED_ORACLES / "files" / "poi__54436.xlsx",
    ORACLES2 / "files" / "fastexcel__formula_stress_test.xlsx",   # tune split
])
def test_agrees_with_excels_cached_values(path):
    if not path.is_file():
        pytest.skip(f"{path.name}: the oracle corpus is not here")
    rows, _ = check_file(path)   # recalculated with the cached values stripped
    pivot = [r for r in rows if "GETPIVOTDATA" in r[1]]
    assert pivot and all(r[4] for r in pivot), pivot


STRESS = ORACLES2 / "files" / "fastexcel__formula_stress_test.xlsx"   # tune split


@pytest.mark.parametrize("pairs, expected", [
    ('"Foo","v8","Bar",18', 14),    # records: V8/18 has Qux 14, V8/14 has 10
    ('"Foo","V8"', 24),
    ('"Sna",76.8', 8),              # a number item, a column field
    ('"Foo","SM","Bar",18', REF),   # both items exist, no record has both
])
def test_number_items_on_an_excel_saved_table(tmp_path, pairs, expected):
    if not STRESS.is_file():
        pytest.skip("the second oracle corpus is not here")
    out = tmp_path / STRESS.name
    with zipfile.ZipFile(STRESS) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'GETPIVOTDATA("Sum of Qux",B32)',
                                    f'GETPIVOTDATA("Sum of Qux",B32,{pairs})'.encode())
            zout.writestr(info, data)
    _, res, _ = compute(str(out))
    assert res["Database"][(16, 2)] == expected
