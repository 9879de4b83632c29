"""Where dumps go that cannot be landed, with a machine-readable reason beside them.

Layout: ``quarantine/<sha256[:16]>_<file name>/`` holding the raw dump (bytes
unchanged), ``reason.json`` and, for dumps the quality gate refused, the staged
Parquet and the full validation result.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from papertrend.landing.files import (
    shorten_name,
    stored_name,
    unsafe_file_name_reason,
    write_bytes_atomically,
)

# The files quarantine writes beside the dump; a dump by one of these names is
# kept as dump_<name> so that it is not overwritten.
RESERVED_NAMES = frozenset({"reason.json", "digest_entries.parquet", "validation_result.json"})


def quarantine_folder(quarantine_dir: Path, sha256: str, name: str) -> Path:
    return quarantine_dir / stored_name(sha256, name)


def quarantine_dump(
    quarantine_dir: Path,
    *,
    sha256: str,
    name: str,
    raw: bytes | None = None,
    raw_file: Path | None = None,
    reason: dict,
    extra_files: dict[str, Path] | None = None,
) -> Path:
    """Keep the dump and why it was refused. ``raw_file`` is for dumps too large
    to hold in memory; it is copied, not moved (the caller's file stays)."""
    folder = quarantine_folder(quarantine_dir, sha256, name)
    folder.mkdir(parents=True, exist_ok=True)
    dump_name = shorten_name(name) if unsafe_file_name_reason(name) is None else "dump.bin"
    if dump_name in RESERVED_NAMES:
        dump_name = f"dump_{dump_name}"
    if raw is not None:
        write_bytes_atomically(folder / dump_name, raw)
    elif raw_file is not None:
        shutil.copyfile(raw_file, folder / dump_name)
    for file_name, source in (extra_files or {}).items():
        shutil.copyfile(source, folder / file_name)
    document = {
        "source_sha256": sha256,
        "file_name": name,
        "quarantined_at": datetime.now(timezone.utc).isoformat(),
        **reason,
    }
    write_bytes_atomically(
        folder / "reason.json", json.dumps(document, indent=2, default=str).encode()
    )
    return folder
