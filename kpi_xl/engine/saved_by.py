"""Which application last saved a workbook, from docProps/app.xml's <Application>.

Excel for the Macintosh computes CHAR and CODE in the Macintosh character set (Excel's
documentation of CHAR: "Macintosh: Macintosh character set"); the values a Mac-saved file
holds were computed so, and a recalculation keeps to them."""
from __future__ import annotations

import re
import zipfile

_APPLICATION = re.compile(rb"<(?:\w+:)?Application>\s*([^<]{0,200})</(?:\w+:)?Application>")


def saved_by_mac_excel(path) -> bool:
    """True when ``path``'s app.xml names Microsoft Macintosh Excel. Any trouble reading it
    (no such part, not a zip) is no evidence: False."""
    try:
        with zipfile.ZipFile(path) as z:
            try:
                info = z.getinfo("docProps/app.xml")
            except KeyError:
                return False
            if info.file_size > 1 << 20:
                return False
            with z.open(info) as f:
                head = f.read(1 << 16)
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, NotImplementedError):
        return False
    m = _APPLICATION.search(head)
    return bool(m) and b"Macintosh" in m.group(1)
