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

from papertrend.landing.files import unsafe_file_name_reason, write_bytes_atomically


def quarantine_folder(quarantine_dir: Path, sha256: str, name: str) -> Path:
    label = name if unsafe_file_name_reason(name) is None else "dump"
    return quarantine_dir / f"{sha256[:16]}_{label}"


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
    dump_name = name if unsafe_file_name_reason(name) is None else "dump.bin"
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
