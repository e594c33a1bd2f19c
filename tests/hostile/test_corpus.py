"""Every case of the hostile-input corpus (tests/hostile/corpus.py), under a 1.5 GB
address-space cap: ends in time, within memory, input unchanged, the good workbook beside
it written, and a sentence naming the file and the reason."""
from __future__ import annotations

import sys

import pytest

from tests.hostile.corpus import cases, run_case, verdict

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the address-space cap and /proc are Linux's")


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c.slow else c
                                  for c in cases()], ids=lambda c: c.name)
def test_hostile_case(case, tmp_path):
    got = run_case(case, tmp_path / case.name)
    assert verdict(case, got) == []
