"""The command line when whoever reads its output stops early (`kpi-xl template --list |
head -1`): a quiet exit with code 1, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_closed_output_pipe_is_no_traceback():
    r, w = os.pipe()
    os.close(r)   # the reader is gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-m", "kpi_xl.cli", "template", "--list"],
                              stdout=w, stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    finally:
        os.close(w)
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert done.returncode == 1
