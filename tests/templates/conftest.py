"""Shared fixtures: templates built once per session, with and without cached values."""
from __future__ import annotations

import pytest

from kpi_xl.templates import build_template


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """build(name, lang, recalc=True) -> path of a freshly built template (cached per session)."""
    folder = tmp_path_factory.mktemp("built")
    cache = {}

    def build(name, lang="zh", recalc=True):
        key = (name, lang, recalc)
        if key not in cache:
            path = folder / f"{name}_{lang}_{'calc' if recalc else 'raw'}.xlsx"
            build_template(name, lang, path, recalc=recalc)
            cache[key] = path
        return cache[key]

    return build
