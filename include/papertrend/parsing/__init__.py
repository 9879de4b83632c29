"""Turn one raw dump (bytes) into canonical records, whatever its format.

The format is detected from the content: a dump that parses as JSON is one of
the JSON shapes, anything else is page text. The file extension only breaks
the tie for a ``.json`` file that does not parse (an error, not page text).
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import date

from papertrend.parsing.errors import DumpRejected, Problem, reject
from papertrend.parsing.limits import BoundExceeded, digest_day_problem, load_json
from papertrend.parsing.json_digest import is_hf_api_shape, parse_flat_json, parse_hf_api
from papertrend.parsing.records import PaperRecord, ParsedDump
from papertrend.parsing.text_digest import parse_text_digest

__all__ = [
    "DumpRejected",
    "PaperRecord",
    "ParsedDump",
    "Problem",
    "decode_dump",
    "parse_dump",
    "resolve_digest_date",
]

DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


def parse_dump(raw: bytes, source: str) -> ParsedDump:
    text = decode_dump(raw, source)
    declared_json = source.lower().endswith(".json")
    if declared_json or text.lstrip()[:1] in ("[", "{"):
        try:
            payload = load_json(text)
        except BoundExceeded as bound:
            raise reject(source, "file", bound.rule, str(bound)) from None
        except json.JSONDecodeError as error:
            if declared_json:
                raise reject(
                    source,
                    f"line {error.lineno}",
                    "invalid_json",
                    f"not valid JSON: {error.msg} (column {error.colno})",
                ) from None
        else:
            if is_hf_api_shape(payload):
                return parse_hf_api(payload, source)
            return parse_flat_json(payload, source)
    return parse_text_digest(text, source)


def decode_dump(raw: bytes, source: str) -> str:
    if not raw.strip():
        raise reject(source, "file", "empty_file", "the dump is empty")
    if encoding := _wide_unicode(raw):
        raise reject(
            source, "file", "not_utf8", f"the dump looks {encoding}-encoded; dumps must be UTF-8"
        )
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise reject(source, f"line {line}", "binary_content", "NUL byte: this is not a text or JSON dump")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise reject(
            source,
            f"line {line}",
            "not_utf8",
            f"byte {raw[error.start]:#04x} at offset {error.start} is not UTF-8",
        ) from None


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _wide_unicode(raw: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are text in one of those (a byte
    order mark, or ASCII text with a NUL beside nearly every character), so the
    rejection says so rather than calling the dump binary."""
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:4096]
    if len(head) >= 16 and max(head[0::2].count(0), head[1::2].count(0)) > 0.9 * (len(head) // 2):
        return "UTF-16"
    return None


def resolve_digest_date(
    source: str, caller_date: date | None, stated_date: date | None, file_name: str
) -> date:
    """The digest's day, from (in order) the caller, the dump's own `date`, a
    YYYY-MM-DD in the file name. Two sources that disagree are an error: landing
    a digest under the wrong day would silently corrupt every trend."""
    candidates = {"the caller (--date / DAG run)": caller_date, "the dump's `date` field": stated_date}
    problems = []
    named = {}
    for text in DATE_IN_NAME.findall(file_name):
        try:
            named.setdefault(date.fromisoformat(text), text)
        except ValueError:
            problems.append(Problem("file", "bad_date", f"the file name holds {text!r}, not a date"))
    if len(named) > 1:
        days = " and ".join(named.values())
        problems.append(Problem("file", "date_conflict", f"the file name holds two dates: {days}"))
    elif named:
        candidates["the file name"] = next(iter(named))
    known = {origin: day for origin, day in candidates.items() if day is not None}
    for origin, day in known.items():
        if why := digest_day_problem(day):
            problems.append(Problem("file", "bad_date", f"{origin} says {why}"))
    if problems:
        raise DumpRejected(source, problems)
    if not known:
        raise reject(
            source,
            "file",
            "date_unknown",
            "cannot tell the digest date: pass --date, or put YYYY-MM-DD in the file name",
        )
    if len(set(known.values())) > 1:
        stated = ", ".join(f"{origin} says {day}" for origin, day in known.items())
        raise DumpRejected(source, [Problem("file", "date_conflict", f"dates disagree: {stated}")])
    return next(iter(known.values()))
