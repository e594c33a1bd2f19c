"""Saving workbooks reproducibly and giving them cached values.

A template rebuilt from the same code must be the same file, so the saved package
gets fixed timestamps (document properties and zip entries).  Cached values come
from the recalculation engine; until it is installed the workbooks are saved
without them and :func:`compute_cached_values` says so by returning ``False``.
"""
from __future__ import annotations

import datetime as _dt
import re
import zipfile
from pathlib import Path

from ..fileio import atomic_write

#: The moment every template claims to have been created and modified.
FIXED_STAMP = _dt.datetime(2025, 1, 1, 0, 0, 0)
_ZIP_STAMP = (2025, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_CREATED = re.compile(rb"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)")


def _recalc_file():
    """The engine's ``recalc_file(src, dst)``, or None while it is not installed."""
    try:
        from .. import engine
    except ImportError:
        return None
    func = getattr(engine, "recalc_file", None)
    if func is None:
        try:
            from ..engine.recalc import recalc_file as func
        except ImportError:
            return None
    return func


def engine_available() -> bool:
    """True when the recalculation engine (``kpi_xl.engine.recalc_file``) is installed."""
    return _recalc_file() is not None


def compute_cached_values(path, results: list | None = None) -> bool:
    """Write the value of every formula cell into ``path`` itself; False if no engine yet.
    The engine's :class:`~kpi_xl.engine.result.FileResult` goes into ``results`` if given."""
    recalc_file = _recalc_file()
    if recalc_file is None:
        return False
    # In place: the engine writes a temporary file and replaces ``path`` only once it is
    # complete, keeping its permissions.
    res = recalc_file(str(path), str(path))
    if results is not None:
        results.append(res)
    return True


def normalise_package(path) -> None:
    """Give the saved package fixed timestamps so that rebuilding yields identical bytes."""
    path = Path(path)
    stamp = FIXED_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info.filename)) for info in src.infolist()]

    def produce(fh):
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as dst:
            for info, data in members:
                if info.filename == "docProps/core.xml":
                    data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
                    data = _CREATED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
                fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_STAMP)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o600 << 16
                dst.writestr(fixed, data)
    atomic_write(path, produce)


def save_workbook(wb, path, *, recalc: bool = True, results: list | None = None) -> bool:
    """Save ``wb`` to ``path`` with fixed timestamps; compute cached values when possible.

    Returns True when the file carries cached values; the calculation's FileResult goes into
    ``results`` if given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.properties.created = FIXED_STAMP
    wb.properties.lastModifiedBy = None
    wb.save(path)
    computed = compute_cached_values(path, results) if recalc else False
    normalise_package(path)
    return computed
