"""Files the tools create get the permissions any other program of the user would give them.

Results are written to a temporary file and renamed into place, so that a crash never
leaves half a workbook; but ``tempfile.mkstemp`` makes that file private (0600), and
the rename would carry that onto every result, which colleagues on a shared folder then
cannot open.  A file that replaces an existing one keeps that file's permissions.
"""
from __future__ import annotations

import os
import stat
import tempfile
import threading
from contextlib import contextmanager

_lock = threading.Lock()
# The folders whose renames are made durable together at the end of a batch (see
# folder_syncs_deferred); None outside one.
_deferred: set | None = None


@contextmanager
def folder_syncs_deferred():
    """Within it, :func:`atomic_write` syncs each file but leaves its folder's sync to the end,
    once per folder: a batch of a thousand files into one folder syncs it once, not a
    thousand times.  Each file is complete on disk before its rename either way; a crash
    before the end can lose a rename (the old file, or none, is then there), never a file's
    content."""
    global _deferred
    outer = _deferred
    if outer is None:
        _deferred = set()
    try:
        yield
    finally:
        if outer is None:
            folders, _deferred = _deferred, None
            for folder in sorted(folders or ()):
                _sync_folder(folder)


def new_file_mode() -> int:
    """0666 less the process's umask: the mode ``open(path, "w")`` would give a new file."""
    with _lock:  # os.umask can only be read by setting it
        mask = os.umask(0o077)
        os.umask(mask)
    return 0o666 & ~mask


def give_final_mode(tmp, dst) -> None:
    """Set ``tmp``'s permissions to those ``dst`` has (or a new file would get) before a rename."""
    try:
        mode = stat.S_IMODE(os.stat(dst).st_mode)
    except OSError:
        mode = new_file_mode()
    try:
        os.chmod(tmp, mode)
    except OSError:
        pass


def atomic_write(dst, produce) -> None:
    """Write ``dst`` through ``produce(fh)`` so that it is either the old file or the new one.

    ``produce`` writes the content into ``fh``, a binary file open for writing and reading,
    in ``dst``'s folder (``.<name>.<random>.tmp``; ``engine/batch.py`` removes such a file
    left by a worker it stopped).  The file is flushed to disk, given the mode of the file
    it replaces (or the umask's) and renamed over ``dst``; if anything fails or is
    interrupted before the rename, ``dst`` is untouched and the temporary file removed.
    """
    folder = os.path.dirname(os.path.abspath(dst))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(dst) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as fh:
            produce(fh)
            fh.flush()
            os.fsync(fh.fileno())
        give_final_mode(tmp, dst)
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if _deferred is not None:
        _deferred.add(folder)
    else:
        _sync_folder(folder)


def _sync_folder(folder) -> None:
    """Make a rename in ``folder`` durable, where the system allows it (not on Windows)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
