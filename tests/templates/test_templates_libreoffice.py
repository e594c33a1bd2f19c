"""LibreOffice headless, an independent reader, opens every shipped template and prints it."""
from __future__ import annotations

import os
import re
import subprocess
import zipfile

import pytest

from kpi_xl.templates import LANGS, TEMPLATE_DIR, TEMPLATES
from tpl_helpers import soffice

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
