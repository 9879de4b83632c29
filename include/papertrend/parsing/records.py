"""Canonical records: what every parser produces, whatever the input format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone


@dataclass
class PaperRecord:
    title: str
    abstract: str
    arxiv_id: str | None = None
    authors: list[str] | None = None
    upvotes: int | None = None
    published_at: datetime | None = None
    github_repo: str | None = None
    project_page: str | None = None


@dataclass
class ParsedDump:
    source_format: str
    records: list[PaperRecord]
    # The date the dump states about itself (a JSON `date` field), if any.
    stated_date: date | None = None


def collapse_whitespace(text: str) -> str:
    """Hard line breaks, tabs and runs of spaces become one space.
    (str.split is several times faster than a regex on this hot path.)"""
    return " ".join(text.split())


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 (``2024-12-01T17:08:18.000Z`` or a bare date) as an aware UTC datetime.
    A timestamp without an offset is taken as UTC, which is what the sources mean.
    Raises ValueError for anything else, including a time that leaves the
    datetime range once moved to UTC (``0001-01-01T00:00:00+05:00``)."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{value!r} is out of range in UTC") from None
