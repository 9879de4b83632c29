"""Hostile dumps end in a named rule, never in an exception from the standard library."""

from __future__ import annotations

import json

import pytest

from papertrend.landing.files import MAX_STORED_NAME_BYTES, shorten_name, stored_name
from papertrend.parsing import DumpRejected, parse_dump
from papertrend.parsing.limits import MAX_JSON_DEPTH, json_depth
from tests.conftest import HF_API_SAMPLE

NAME = "inbox/2025-07-03_export.json"


def rules_of(raw: bytes, name: str = NAME) -> list[str]:
    with pytest.raises(DumpRejected) as caught:
        parse_dump(raw, name)
    return caught.value.rules


def flat(**fields) -> bytes:
    paper = {"title": "A title long enough", "abstract": "An abstract.", **fields}
    return json.dumps({"date": "2025-07-03", "papers": [paper]}).encode()


@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
def test_deeply_nested_json_is_too_deep(depth):
    raw = flat(upvotes="__DEEP__").replace(b'"__DEEP__"', b"[" * depth + b"]" * depth)
    assert rules_of(raw) == ["too_deep"]


def test_deep_objects_are_too_deep_too():
    raw = b'{"papers": ' + b'{"a": ' * 3_000 + b"1" + b"}" * 3_000 + b"}"
    assert rules_of(raw) == ["too_deep"]


def test_the_samples_are_well_within_the_depth_bound():
    assert json_depth(json.loads(HF_API_SAMPLE.read_text())) < MAX_JSON_DEPTH // 4


@pytest.mark.parametrize(
    "literal", [b"9" * 30, b"-" + b"9" * 5_000, b"9" * 100_000, b"1e400", b"-1e400", b"NaN", b"Infinity"]
)
def test_numbers_out_of_range_are_bad_numbers(literal):
    raw = flat(upvotes="__N__").replace(b'"__N__"', literal)
    assert rules_of(raw) == ["bad_number"]


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "not a time", "2025-13-01"]
)
def test_published_at_out_of_range_is_bad_published_at(value):
    assert rules_of(flat(publishedAt=value)) == ["bad_published_at"]


class TestStoredNames:
    def test_a_short_name_is_kept_whole(self):
        assert stored_name("ab" * 32, "2025-07-01_trending.txt") == "abababababababab_2025-07-01_trending.txt"

    def test_a_long_name_is_shortened_deterministically_keeping_date_and_extension(self):
        name = "2025-07-01_" + "x" * 240 + ".txt"
        shortened = stored_name("ab" * 32, name)
        assert len(shortened.encode()) <= MAX_STORED_NAME_BYTES
        assert shortened.startswith("abababababababab_2025-07-01_xxx") and shortened.endswith(".txt")
        assert shortened == stored_name("ab" * 32, name)
        assert shortened != stored_name("ab" * 32, name.replace(".txt", "y.txt"))

    def test_multibyte_names_are_cut_at_a_character_boundary(self):
        shortened = shorten_name("2025-07-01_" + "φ" * 120 + ".txt", 100)
        assert len(shortened.encode()) <= 100
        shortened.encode("utf-8")  # no half character


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_dumps_are_named_as_such_not_binary(encoding):
    raw = "A perfectly fine title\nAn abstract that is prose.\n".encode(encoding)
    with pytest.raises(DumpRejected) as caught:
        parse_dump(raw, "2025-07-03_x.txt")
    assert caught.value.rules == ["not_utf8"]
    assert encoding[:6].upper() in caught.value.message


def test_a_unicode_line_separator_inside_a_title_does_not_split_it():
    """str.splitlines would cut the title at U+2028 and pair titles with the wrong abstracts."""
    raw = "A title\u2028continued\nIts abstract.\nSecond title\nSecond abstract.\n".encode()
    parsed = parse_dump(raw, "2025-07-03_x.txt")
    assert [(r.title, r.abstract) for r in parsed.records] == [
        ("A title continued", "Its abstract."),
        ("Second title", "Second abstract."),
    ]
