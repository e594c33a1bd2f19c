"""Minimal .xlsx packages written as raw XML, for sheets too large or too odd to build
with openpyxl quickly (a 100,000-cell chain, a formula nested 50,000 deep, calcPr
settings, spill anchors)."""
from __future__ import annotations

import zipfile
from xml.sax.saxutils import escape

from kpi_xl.engine.parser import num_to_col

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>')
_SHEET_CT = ('<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def cell_xml(ref, value=None, formula=None, array=None, t_array="array", dynamic=False):
    """One <c>: a constant, or a formula (``array`` = its range for an array formula;
    ``dynamic``: a spilling one, marked with cell metadata as Excel marks it)."""
    if formula is not None:
        f_attrs = f' t="{t_array}" ref="{array}"' if array else ""
        cm = ' cm="1"' if dynamic else ""
        return f'<c r="{ref}"{cm}><f{f_attrs}>{escape(formula)}</f><v>0</v></c>'
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def write_xlsx(path, sheets, calc_pr="", names=None):
    """``sheets``: {name: {(row, col): value | ("=", formula) | ("{=", formula, "A1:B2"[, dynamic])
    | ("member",)}}}: a member is a cell of an array formula's range, holding its old value."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT.format(sheets="".join(
            _SHEET_CT.format(i=i + 1) for i in range(len(sheets)))))
        z.writestr("_rels/.rels", _RELS)
        defined = ""
        if names:
            defined = "<definedNames>" + "".join(
                f'<definedName name="{escape(k)}">{escape(v)}</definedName>'
                for k, v in names.items()) + "</definedNames>"
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   f'<workbook {_NS}><sheets>' + "".join(
                       f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                       for i, n in enumerate(sheets)) + f"</sheets>{defined}{calc_pr}</workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
                   'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + "".join(
                       f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
                       f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                       for i in range(len(sheets))) + "</Relationships>")
        for i, cells in enumerate(sheets.values()):
            rows = {}
            for (r, c), v in cells.items():
                rows.setdefault(r, []).append((c, v))
            parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}><sheetData>']
            for r in sorted(rows):
                parts.append(f'<row r="{r}">')
                for c, v in sorted(rows[r], key=lambda x: x[0]):
                    ref = f"{num_to_col(c)}{r}"
                    if isinstance(v, tuple) and v[0] == "=":
                        parts.append(cell_xml(ref, formula=v[1]))
                    elif isinstance(v, tuple) and v[0] == "{=":
                        parts.append(cell_xml(ref, formula=v[1], array=v[2],
                                              dynamic=len(v) > 3 and v[3]))
                    elif isinstance(v, tuple) and v[0] == "member":
                        parts.append(f'<c r="{ref}"><v>0</v></c>')
                    else:
                        parts.append(cell_xml(ref, v))
                parts.append("</row>")
            parts.append("</sheetData></worksheet>")
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", "".join(parts))


def rezip(src, dst, edit, add=()):
    """Copy package ``src`` to ``dst`` with each member's bytes passed through
    ``edit(name, data)``, then the members ``add`` ((name, data) pairs) appended."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, edit(item.filename, zin.read(item.filename)))
        for name, data in add:
            zout.writestr(name, data)
    return dst
