"""The bounds every parser applies to what a dump may contain, each with its reason.

A dump comes from outside. Whatever it holds, parsing it must end in records
or in a :class:`DumpRejected` naming the rule, never in an exception from the
standard library (``RecursionError``, ``ValueError``, ``OverflowError``).
These bounds are how: each one turns a family of hostile inputs into a rule.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

# JSON nesting. The HF API's deepest value is an author object inside the
# paper inside an item inside the list (depth 5); flat exports are shallower.
# Past a thousand levels the standard library's decoder overflows the stack
# (RecursionError), and any recursive look at a deep value (repr in an error
# message) does too, so a dump deeper than this is not a digest.
MAX_JSON_DEPTH = 32

# JSON numbers. The only numbers in a digest are counts (upvotes, stars) and
# ids; 18 digits holds any of them. Python refuses to convert integers of more
# than 4,300 digits at all (ValueError) and a float literal such as 1e400 is
# infinity, so such literals are refused before they become values.
MAX_INT_DIGITS = 18

# Dates. arXiv started in August 1991: no digest, and no paper it lists, is
# older. A digest day after tomorrow (UTC) has not happened yet (one day of
# slack covers sources in time zones ahead of UTC); a paper's publication
# time gets two days.
EARLIEST_DAY = date(1991, 1, 1)
DIGEST_DAY_SLACK = timedelta(days=1)
PUBLISHED_AT_SLACK = timedelta(days=2)

# Characters that never belong in a title, an abstract, an author or a link:
# the C0 controls except tab, line feed and carriage return (whitespace, which
# the parsers collapse), DEL, and the C1 controls. ESC starts terminal escape
# sequences, so one in a title would rewrite an operator's terminal or log
# view; the others are copy-paste or encoding damage. Lone UTF-16 surrogates
# (a JSON "\ud800") are not characters at all and cannot be written to Parquet.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class BoundExceeded(ValueError):
    """A value past one of the bounds above; ``rule`` names it."""

    def __init__(self, rule: str, detail: str):
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


def load_json(text: str) -> Any:
    """``json.loads`` with the bounds: raises BoundExceeded (too deep, number too
    large, NaN/Infinity) or json.JSONDecodeError, nothing else."""
    try:
        payload = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_no_constant,
        )
    except RecursionError:
        raise BoundExceeded(
            "too_deep", f"JSON nested past the decoder's recursion limit (bound: {MAX_JSON_DEPTH})"
        ) from None
    depth = json_depth(payload)
    if depth > MAX_JSON_DEPTH:
        raise BoundExceeded("too_deep", f"JSON nested {depth} levels deep (bound: {MAX_JSON_DEPTH})")
    return payload


def json_depth(payload: Any) -> int:
    """Nesting depth of a decoded JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(payload, 1)] if isinstance(payload, (list, dict)) else []
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return deepest


def _bounded_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise BoundExceeded(
            "bad_number", f"an integer of {digits} digits (bound: {MAX_INT_DIGITS})"
        )
    return int(literal)


def _bounded_float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise BoundExceeded("bad_number", f"the number {literal[:40]} is out of range")
    return value


def _no_constant(literal: str) -> Any:
    raise BoundExceeded("bad_number", f"{literal} is not a JSON number")


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def digest_day_problem(day: date, today: date | None = None) -> str | None:
    """Why ``day`` cannot be a digest day, or None."""
    latest = (today or today_utc()) + DIGEST_DAY_SLACK
    if day < EARLIEST_DAY:
        return f"{day} is before {EARLIEST_DAY}: arXiv did not exist yet"
    if day > latest:
        return f"{day} is after {latest}: that day has not happened yet"
    return None


def published_at_problem(moment: datetime) -> str | None:
    """Why ``moment`` (aware) cannot be a paper's publication time, or None."""
    latest = datetime.now(timezone.utc) + PUBLISHED_AT_SLACK
    if moment.date() < EARLIEST_DAY:
        return f"is before {EARLIEST_DAY}"
    if moment > latest:
        return "is in the future"
    return None


def text_problem(value: str) -> tuple[str, str] | None:
    """(rule, detail) when a text value holds a character no field may hold."""
    if match := CONTROL_CHARACTER.search(value):
        return "control_character", f"control character {match.group()!r} at character {match.start() + 1}"
    if match := LONE_SURROGATE.search(value):
        return "invalid_unicode", f"lone surrogate {match.group()!r} at character {match.start() + 1}"
    return None
