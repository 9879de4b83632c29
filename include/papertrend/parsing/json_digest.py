"""Parsers for the two JSON shapes: the Hugging Face daily-papers API and flat
exports published by mirror sites.

Both are forgiving about *which* field carries a value (aliases, nesting) and
strict about *what* the value is: a record whose title is missing or whose
upvotes are not a number is a problem, and every problem in the dump is
reported together.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from papertrend.parsing.errors import DumpRejected, Problem
from papertrend.parsing.limits import published_at_problem, text_problem
from papertrend.parsing.records import (
    PaperRecord,
    ParsedDump,
    collapse_whitespace,
    parse_timestamp,
)

# Field aliases seen in mirror exports, in order of preference.
FLAT_ALIASES = {
    "arxiv_id": ("arxivId", "arxiv_id", "arxiv", "id"),
    "title": ("title",),
    "abstract": ("abstract", "summary"),
    "authors": ("authors",),
    "upvotes": ("upvotes", "likes", "votes"),
    "published_at": ("publishedAt", "published_at", "published", "date_published"),
    "github_repo": ("githubRepo", "github_repo", "github", "code"),
    "project_page": ("projectPage", "project_page", "homepage"),
    "url": ("url", "link"),
}

# An arXiv id inside a paper URL (arxiv.org/abs/..., huggingface.co/papers/...).
ARXIV_IN_URL = re.compile(r"(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/)(\d{4}\.\d{4,5})")
ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.I)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_hf_api_shape(payload: Any) -> bool:
    """The API returns a list of items, each nesting the paper under `paper`.

    The shape decides, not the items' health: a list in which any item carries
    a `paper` key is an API dump, and :func:`parse_hf_api` then names every
    item that is broken. (Deciding by whether *every* item is well formed
    would read a dump with one broken item as a flat export and silently lose
    the ids, authors, upvotes and links of all the intact ones.)"""
    return isinstance(payload, list) and any(
        isinstance(item, dict) and "paper" in item for item in payload
    )


def parse_hf_api(payload: Any, source: str) -> ParsedDump:
    if not isinstance(payload, list):
        raise DumpRejected(
            source, [Problem("file", "unexpected_shape", "expected a JSON list of daily-papers items")]
        )
    reader = _RecordReader(source)
    for number, item in enumerate(payload, start=1):
        if not isinstance(item, dict):
            reader.problem(number, "unexpected_shape", f"item is a {_json_type(item)}, not an object")
            continue
        if item.get("paper") is None:
            reader.problem(number, "missing_paper", "item has no `paper` object")
            continue
        if not isinstance(item["paper"], dict):
            reader.problem(
                number, "unexpected_shape", f"`paper` is a {_json_type(item['paper'])}, not an object"
            )
            continue
        paper = item["paper"]

        reader.read(
            number,
            title=_paper_or_item(paper, item, "title"),
            abstract=_paper_or_item(paper, item, "summary", "abstract"),
            arxiv_id=paper.get("id"),
            authors=paper.get("authors"),
            upvotes=_paper_or_item(paper, item, "upvotes"),
            published_at=_paper_or_item(paper, item, "publishedAt"),
            github_repo=paper.get("githubRepo"),
            project_page=paper.get("projectPage"),
        )
    return reader.finish("hf_api", stated_date=None)


def parse_flat_json(payload: Any, source: str) -> ParsedDump:
    if isinstance(payload, dict) and isinstance(payload.get("papers"), list):
        papers, stated_date = payload["papers"], _stated_date(payload, source)
    elif isinstance(payload, list):
        papers, stated_date = payload, None
    else:
        raise DumpRejected(
            source,
            [
                Problem(
                    "file",
                    "unexpected_shape",
                    'expected {"date": ..., "papers": [...]} or a list of papers',
                )
            ],
        )
    reader = _RecordReader(source)
    for number, paper in enumerate(papers, start=1):
        if not isinstance(paper, dict):
            reader.problem(number, "unexpected_shape", f"paper is a {type(paper).__name__}, not an object")
            continue
        fields = {name: _first_present(paper, aliases) for name, aliases in FLAT_ALIASES.items()}
        url = fields.pop("url")
        if fields["arxiv_id"] is None and isinstance(url, str) and (match := ARXIV_IN_URL.search(url)):
            fields["arxiv_id"] = match.group(1)
        reader.read(number, **fields)
    return reader.finish("flat_json", stated_date=stated_date)


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _stated_date(payload: dict, source: str) -> date | None:
    """The export's `date` field: exactly a YYYY-MM-DD string, or absent."""
    value = payload.get("date")
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise DumpRejected(
            source, [Problem("file", "bad_date", f"`date` field {value!r} is not YYYY-MM-DD")]
        ) from None


def _paper_or_item(paper: dict, item: dict, *names: str) -> Any:
    """The nested paper is the canonical record; the item repeats some of its fields."""
    value = _first_present(paper, names)
    return value if value is not None else _first_present(item, names)


def _first_present(mapping: dict, names: tuple[str, ...] | str) -> Any:
    for name in (names,) if isinstance(names, str) else names:
        value = mapping.get(name)
        if value is not None:
            return value
    return None


class _RecordReader:
    """Turns loosely typed fields into PaperRecords, collecting every problem."""

    def __init__(self, source: str):
        self.source = source
        self.records: list[PaperRecord] = []
        self.problems: list[Problem] = []

    def problem(self, number: int, rule: str, detail: str) -> None:
        self.problems.append(Problem(f"record {number}", rule, detail))

    def read(self, number: int, **fields: Any) -> None:
        before = len(self.problems)
        title = self._text(number, "title", fields["title"])
        abstract = self._text(number, "abstract", fields["abstract"])
        record = PaperRecord(
            title=title or "",
            abstract=abstract or "",
            arxiv_id=self._arxiv_id(number, fields["arxiv_id"]),
            authors=self._authors(number, fields["authors"]),
            upvotes=self._count(number, fields["upvotes"]),
            published_at=self._timestamp(number, fields["published_at"]),
            github_repo=self._optional_text(number, "github_repo", fields["github_repo"]),
            project_page=self._optional_text(number, "project_page", fields["project_page"]),
        )
        if len(self.problems) == before:
            self.records.append(record)

    def finish(self, source_format: str, stated_date: date | None) -> ParsedDump:
        if not self.problems and not self.records:
            self.problems.append(Problem("file", "no_papers", "the dump holds no papers"))
        if self.problems:
            raise DumpRejected(self.source, self.problems)
        return ParsedDump(source_format=source_format, records=self.records, stated_date=stated_date)

    def _text(self, number: int, name: str, value: Any) -> str | None:
        if value is None:
            self.problem(number, f"missing_{name}", f"no {name}")
            return None
        if not isinstance(value, str):
            self.problem(number, f"bad_{name}", f"{name} is a {type(value).__name__}, not text")
            return None
        if not self._characters_ok(number, name, value):
            return None
        text = collapse_whitespace(value)
        if not any(ch.isalnum() for ch in text):
            self.problem(number, f"empty_{name}", f"{name} is empty: {value!r}")
            return None
        return text

    def _optional_text(self, number: int, name: str, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(number, f"bad_{name}", f"{name} is a {type(value).__name__}, not text")
            return None
        if not self._characters_ok(number, name, value):
            return None
        return collapse_whitespace(value) or None

    def _characters_ok(self, number: int, name: str, value: str) -> bool:
        found = text_problem(value)
        if found:
            rule, detail = found
            self.problem(number, rule, f"{name}: {detail}")
        return found is None

    def _arxiv_id(self, number: int, value: Any) -> str | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # A JSON number loses trailing zeros (2412.10100 -> 2412.101): refuse to guess.
            self.problem(number, "bad_arxiv_id", f"arXiv id {value!r} is a number, not text")
            return None
        text = self._optional_text(number, "arxiv_id", value)
        return ARXIV_PREFIX.sub("", text) if text else None

    def _authors(self, number: int, value: Any) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = re.split(r",|\band\b", value)
        if not isinstance(value, list):
            self.problem(number, "bad_authors", "authors is neither a list nor text")
            return None
        names = []
        for author in value:
            name = author.get("name") if isinstance(author, dict) else author
            if not isinstance(name, str):
                self.problem(number, "bad_authors", f"author {author!r} has no name")
                continue
            if not self._characters_ok(number, "author", name):
                continue
            # Mirrors leave stray separators around names ("Smith, ", ", J. Doe").
            name = collapse_whitespace(name).strip(" ,;")
            if name:
                names.append(name)
        return names or None

    def _count(self, number: int, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.problem(number, "bad_upvotes", f"upvotes {value!r} is not a whole number")
            return None
        try:
            count = int(value)
        except ValueError:
            self.problem(number, "bad_upvotes", f"upvotes {value!r} is not a whole number")
            return None
        if not 0 <= count < 2**31:
            self.problem(number, "bad_upvotes", f"upvotes {count} is out of range")
            return None
        return count

    def _timestamp(self, number: int, value: Any):
        if value is None:
            return None
        try:
            moment = parse_timestamp(str(value))
        except ValueError:
            self.problem(number, "bad_published_at", f"publishedAt {value!r} is not an ISO 8601 time")
            return None
        if problem := published_at_problem(moment):
            self.problem(number, "bad_published_at", f"publishedAt {value!r} {problem}")
            return None
        return moment
