"""LibreOffice headless, an independent reader, opens every shipped template and prints it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

import pytest

from kpi_xl.templates import LANGS, TEMPLATE_DIR, TEMPLATES
from tpl_helpers import needs_engine, soffice

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")]


def test_libreoffice_converts_every_template_to_pdf(tmp_path):
    files = [TEMPLATE_DIR / lang / f"{name}.xlsx" for lang in LANGS for name in TEMPLATES]
    # Same base names in zh/ and en/: copy them under distinct names for one conversion run.
    sources = []
    for f in files:
        target = tmp_path / f"{f.parent.name}_{f.name}"
        target.write_bytes(f.read_bytes())
        sources.append(target)
    profile = f"file:///tmp/lo_{os.getpid()}"
    proc = subprocess.run(
        [soffice(), "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), *map(str, sources)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Error" not in proc.stderr, proc.stderr
    for src in sources:
        pdf = tmp_path / "pdf" / (src.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice did not convert {src.name}: {proc.stdout} {proc.stderr}"
        body = pdf.read_bytes()
        assert body.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", body)) >= 3


def test_templates_are_valid_packages():
    for lang in LANGS:
        for name in TEMPLATES:
            with zipfile.ZipFile(TEMPLATE_DIR / lang / f"{name}.xlsx") as z:
                assert z.testzip() is None


@needs_engine
def test_a_month_saved_again_by_libreoffice_summarises_clean_and_quietly(tmp_path):
    """A written month opened and saved by LibreOffice, as a user on Linux or WPS would:
    its formulas are written LibreOffice's way, with extensions openpyxl does not keep.
    The month checks clean (no value taken as typed over a formula, no agent as missing,
    no row under a table as a band), and openpyxl's warnings about dropping extensions,
    said of saving, are not printed: the summary only reads the file."""
    from test_templates_month_run import ABC, corrected_scheme, csv, fill
    assert fill(tmp_path, corrected_scheme(tmp_path), csv(tmp_path / "d.csv", ABC)) == 0
    month = tmp_path / "out" / "scheme_S1_2025-10.xlsx"
    profile = f"file:///tmp/lo_{os.getpid()}"
    proc = subprocess.run(
        [soffice(), "--headless", f"-env:UserInstallation={profile}", "--convert-to",
         "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "resaved"), str(month)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # The real command in its own process: pytest would keep warnings from the stream.
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from kpi_xl.cli import main; sys.exit(main())",
         "summary", str(tmp_path / "resaved"), "-o", str(tmp_path / "s.xlsx"), "--quiet"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and "will be removed" not in run.stderr, run.stderr
