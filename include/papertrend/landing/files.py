"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temp_path)`` on a hidden temporary file beside ``target``, then
    rename it into place. The rename is atomic on one filesystem, so readers see
    the old file or the new one, never a partial one; on any failure the
    temporary file is removed and ``target`` is left as it was. Temporary names
    start with a dot and end in ``.tmp`` so ``*.parquet`` globs never match them.
    The file gets the mode any new file gets (``0o666`` less the umask), not
    ``mkstemp``'s private 0600: the lake and the raw archive are as readable as
    the serving file and the marts, which DuckDB creates."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        write(temp_path)
        os.chmod(temp_path, new_file_mode())
        os.replace(temp_path, target)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return target


def new_file_mode() -> int:
    """``0o666`` less the process's umask: the mode ``open()`` gives a new file."""
    try:
        # Linux reports the umask without changing it (os.umask can only set it,
        # and setting it, even back, races with other threads creating files).
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes_atomically(target: Path, data: bytes) -> Path:
    return write_atomically(target, lambda temp: temp.write_bytes(data))


def unsafe_file_name_reason(name: str) -> str | None:
    """Why a dump's file name cannot be used inside the data root, or None.

    Names come from outside (an inbox, an HTTP source), and we reuse them for
    the raw archive and quarantine, and print them in logs. A name is safe
    when it is exactly one path component that stays where it is put and
    prints as what it is: no path separator (``/``, ``\\``), not ``.`` or
    ``..``, not hidden (a leading ``.``: the inbox ignores those, and so would
    ``ls``), no control or invisible formatting characters (an ESC sequence
    rewrites a terminal; a right-to-left override makes ``txt.exe`` read as
    ``exe.txt``), and valid UTF-8. Spaces, parentheses, accents and the like
    cannot escape the data root: ``report (1) 2025-07-01.txt`` is fine. Length
    is no reason: a long name is stored shortened (:func:`stored_name`)."""
    if not name:
        return "empty file name"
    if "/" in name or "\\" in name:
        return f"file name {name!r} contains a path separator"
    if name.startswith("."):
        return f"file name {name!r} is hidden or a path up (starts with '.')"
    for character in name:
        category = unicodedata.category(character)
        if category in UNSAFE_CHARACTER_CATEGORIES:
            what = UNSAFE_CHARACTER_CATEGORIES[category]
            return f"file name {name!r} contains {what} {character!r}"
    return None


# Unicode categories a file name may not hold: Cc control characters (C0, DEL,
# C1), Cf invisible formatting (bidirectional overrides, zero-width joiners),
# Cs lone surrogates (how Python reads file-name bytes that are not UTF-8).
UNSAFE_CHARACTER_CATEGORIES = {
    "Cc": "the control character",
    "Cf": "the invisible formatting character",
    "Cs": "an undecodable byte",
}


# A file name is at most 255 bytes (NAME_MAX on the filesystems we run on).
# Names we store are "<sha256[:16]>_<dump name>", and while they are written
# ".<that>.<8 random>.tmp" (write_atomically): 31 bytes around the dump's
# name. Past this bound a stored name is shortened, so a dump name of any
# legal length (up to 255 bytes) can be archived and quarantined.
MAX_STORED_NAME_BYTES = 200
MAX_KEPT_SUFFIX_BYTES = 16


def stored_name(sha256: str, name: str) -> str:
    """The name a dump is kept under in ``raw/`` and ``quarantine/``:
    ``<sha256[:16]>_<name>``, with an unsafe name replaced by ``dump`` and a
    long one shortened (see :func:`shorten_name`)."""
    label = name if unsafe_file_name_reason(name) is None else "dump"
    prefix = f"{sha256[:16]}_"
    return prefix + shorten_name(label, MAX_STORED_NAME_BYTES - len(prefix))


def shorten_name(name: str, max_bytes: int = MAX_STORED_NAME_BYTES) -> str:
    """``name`` if it fits in ``max_bytes`` of UTF-8, else its beginning (where
    the date usually is), ``~``, 12 hex digits of the SHA-256 of the whole
    name and its extension: deterministic, and two long names that differ
    anywhere stay two names."""
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) <= max_bytes:
        return name
    stem, dot, extension = name.rpartition(".")
    suffix = f".{extension}" if dot and stem and len(extension.encode()) < MAX_KEPT_SUFFIX_BYTES else ""
    tag = "~" + hashlib.sha256(encoded).hexdigest()[:12]
    budget = max_bytes - len(tag) - len(suffix.encode())
    head = (stem if suffix else name).encode("utf-8", "surrogateescape")[:budget]
    return head.decode("utf-8", "ignore") + tag + suffix
