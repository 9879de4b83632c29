"""Find the dumps waiting in the inbox for one digest day."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

# Names that writers (browsers, rsync, our own HTTP fetch) give a file while it
# is still being written; picking one up would ingest half a dump.
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp")


def find_dumps_for_date(inbox_dir: Path, day: date) -> list[Path]:
    """Return the inbox files whose name carries ``day`` as YYYY-MM-DD, sorted by name.

    Only the top level of the inbox is searched. Hidden files and files that are
    still being written (see ``PARTIAL_SUFFIXES``) are ignored. A missing inbox
    means nothing has arrived yet, not an error.
    """
    if not inbox_dir.is_dir():
        return []
    # Digit guards keep 2025-07-01 from matching inside 12025-07-011.
    day_in_name = re.compile(rf"(?<!\d){re.escape(day.isoformat())}(?!\d)")
    return sorted(
        path
        for path in inbox_dir.iterdir()
        if path.is_file()
        and not _is_hidden_or_partial(path.name)
        and day_in_name.search(path.name)
    )


def _is_hidden_or_partial(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES)
