"""Files the tools create get the permissions any other program of the user would give them.

Results are written to a temporary file and renamed into place, so that a crash never
leaves half a workbook; but ``tempfile.mkstemp`` makes that file private (0600), and
the rename would carry that onto every result, which colleagues on a shared folder then
cannot open.  A file that replaces an existing one keeps that file's permissions.
"""
from __future__ import annotations

import os
import stat
import threading

_lock = threading.Lock()


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
