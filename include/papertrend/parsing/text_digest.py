"""Parser for the page text of a trending-papers digest.

The page text is: two header lines, then alternating title line / abstract line,
with the word ``Subscribe`` glued onto the first title. There are no ids,
authors or dates. Titles and abstracts are kept as published (LaTeX remnants,
URLs and all); cleaning happens in the warehouse where it is tested and can be
changed without re-landing.
"""

from __future__ import annotations

import re

from papertrend.parsing.errors import DumpRejected, Problem
from papertrend.parsing.limits import text_problem
from papertrend.parsing.records import PaperRecord, ParsedDump, collapse_whitespace

# Page furniture, never a paper. Matched case-insensitively on a whole line.
HEADER_LINE = re.compile(r"^get trending papers in your email inbox( once a day)?!?$", re.I)
# The subscribe button's label, glued onto the first title by the page-to-text copy.
SUBSCRIBE_PREFIX = re.compile(r"^Subscribe(?=\S)|^Subscribe\s+")

# A title is one line of at most a few dozen words; an abstract is prose.
# Used only to point an operator at the likely broken line, never to decide
# what is a title (position decides that).
MAX_TITLE_WORDS = 40

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_text_digest(text: str, source: str) -> ParsedDump:
    raw_lines = _lines(text)
    problems = _character_problems(text, raw_lines)
    if problems:
        raise DumpRejected(source, problems)
    lines = _content_lines(raw_lines)
    if not lines:
        raise DumpRejected(
            source,
            [Problem("file", "no_papers", "no paper lines: the dump is empty or header-only")],
        )
    first_line_number, first_title = lines[0]
    lines[0] = (first_line_number, SUBSCRIBE_PREFIX.sub("", first_title, count=1))

    problems = _structure_problems(lines)
    if problems:
        raise DumpRejected(source, problems)

    records = [
        PaperRecord(title=lines[i][1], abstract=lines[i + 1][1]) for i in range(0, len(lines), 2)
    ]
    return ParsedDump(source_format="text", records=records)


def _lines(text: str) -> list[str]:
    """The page's lines: split at LF, CRLF or CR only. ``str.splitlines`` also
    splits at U+2028, U+2029 and several control characters, which would cut a
    title in two and pair every following title with the wrong abstract."""
    if "\r" not in text:
        return text.split("\n")  # the same lines, several times faster than the regex
    return LINE_BREAK.split(text)


def _character_problems(text: str, lines: list[str]) -> list[Problem]:
    """One problem per line holding a control character (see parsing.limits).
    Checked on the raw lines: ``str.splitlines`` would take some of these
    characters (form feed, NEL...) for line breaks and hide them."""
    if text_problem(text) is None:
        return []  # no line has one (line breaks are not control characters here): one search, not one per line
    problems = []
    for number, line in enumerate(lines, start=1):
        found = text_problem(line)
        if found:
            problems.append(Problem(f"line {number}", *found))
    return problems


def _content_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(1-based line number, whitespace-collapsed text) of every line that is content."""
    content = []
    for number, line in enumerate(lines, start=1):
        collapsed = collapse_whitespace(line)
        if collapsed and not HEADER_LINE.match(collapsed):
            content.append((number, collapsed))
    return content


def _structure_problems(lines: list[tuple[int, str]]) -> list[Problem]:
    problems = []
    for number, line in lines:
        if "\x00" in line:
            problems.append(Problem(f"line {number}", "binary_content", "NUL byte in text"))
    if problems:
        return problems
    if len(lines) % 2 == 1:
        problems.append(_missing_abstract_problem(lines))
    for i in range(0, len(lines) - 1, 2):
        title_no, title = lines[i]
        if not any(ch.isalnum() for ch in title):
            problems.append(
                Problem(f"line {title_no}", "empty_title", f"title has no letters: {title!r}")
            )
    return problems


def _missing_abstract_problem(lines: list[tuple[int, str]]) -> Problem:
    """Point at the first title whose 'abstract' looks like another title: that is
    where the pairing went wrong. Falls back to the last line."""
    for i in range(0, len(lines) - 1, 2):
        (title_no, title), (_, following) = lines[i], lines[i + 1]
        if _looks_like_title(following) and not _looks_like_title(lines[min(i + 2, len(lines) - 1)][1]):
            return Problem(
                f"line {title_no}",
                "title_without_abstract",
                f"title {title[:60]!r} is followed by another title, not an abstract "
                f"({len(lines)} content line(s), an odd number)",
            )
    last_no, last = lines[-1]
    return Problem(
        f"line {last_no}",
        "title_without_abstract",
        f"last title {last[:60]!r} has no abstract ({len(lines)} content line(s), an odd number)",
    )


def _looks_like_title(line: str) -> bool:
    return len(line.split()) <= MAX_TITLE_WORDS and not line.endswith(".")
