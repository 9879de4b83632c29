"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temp_path)`` on a hidden temporary file beside ``target``, then
    rename it into place. The rename is atomic on one filesystem, so readers see
    the old file or the new one, never a partial one; on any failure the
    temporary file is removed and ``target`` is left as it was. Temporary names
    start with a dot and end in ``.tmp`` so ``*.parquet`` globs never match them."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        write(temp_path)
        os.replace(temp_path, target)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return target


def write_bytes_atomically(target: Path, data: bytes) -> Path:
    return write_atomically(target, lambda temp: temp.write_bytes(data))


SAFE_FILE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def unsafe_file_name_reason(name: str) -> str | None:
    """Why a dump's file name cannot be used inside the data root, or None.

    Names come from outside (an inbox, an HTTP source), and we reuse them for
    the raw archive and quarantine; a name with a path separator or ``..`` could
    write outside the data root."""
    if not name or name in (".", ".."):
        return "empty file name"
    if "/" in name or "\\" in name or ".." in name:
        return f"file name {name!r} contains a path separator or '..'"
    if name.startswith("."):
        return f"file name {name!r} is hidden (starts with '.')"
    if not set(name) <= SAFE_FILE_NAME_CHARS:
        return f"file name {name!r} has characters outside [A-Za-z0-9._-]"
    return None
