"""Issue 13, item 11: control characters, strict dates, and which file names are refused."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from papertrend.landing.files import unsafe_file_name_reason
from papertrend.parsing import DumpRejected, parse_dump, resolve_digest_date
from papertrend.parsing.limits import today_utc

GOOD_TEXT = "A perfectly fine title\nAn abstract that is prose.\n"


def problems(raw: bytes, name: str = "inbox/2025-07-03_x.txt") -> list[tuple[str, str]]:
    with pytest.raises(DumpRejected) as caught:
        parse_dump(raw, name)
    return [(p.location, p.rule) for p in caught.value.problems]


def export(date_value="2025-07-03", **paper) -> bytes:
    papers = [{"title": "A fine title", "abstract": "An abstract.", **paper}]
    return json.dumps({"date": date_value, "papers": papers}).encode()


class TestControlCharacters:
    @pytest.mark.parametrize("char", ["\x1b", "\x07", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9b"])
    def test_in_a_text_digest_they_are_rejected_naming_the_line(self, char):
        raw = f"Title one\nAbstract one.\nTitle{char} two\nAbstract two.\n".encode()
        assert problems(raw) == [("line 3", "control_character")]

    def test_every_line_is_named(self):
        raw = "Ti\x1btle\nAbstract.\nTitle\nAbs\x07tract.\n".encode()
        assert problems(raw) == [("line 1", "control_character"), ("line 4", "control_character")]

    def test_tabs_and_crlf_line_ends_are_whitespace_not_control_characters(self):
        parsed = parse_dump(b"A\ttitle\r\nAn abstract.\r\n", "x.txt")
        assert [(r.title, r.abstract) for r in parsed.records] == [("A title", "An abstract.")]

    @pytest.mark.parametrize("field", ["title", "abstract", "githubRepo"])
    def test_in_json_fields_they_are_rejected_naming_the_record(self, field):
        assert problems(export(**{field: "Some \x1b[31mred\x1b[0m text here"})) == [
            ("record 1", "control_character")
        ]

    def test_in_an_author_name(self):
        assert problems(export(authors=["A. Author", "B.\x07Author"])) == [("record 1", "control_character")]

    def test_a_lone_surrogate_is_invalid_unicode(self):
        raw = export().replace(b"A fine title", b"A fine \\ud800 title")
        assert problems(raw) == [("record 1", "invalid_unicode")]

    def test_line_breaks_inside_json_text_are_still_collapsed(self):
        parsed = parse_dump(export(abstract="An abstract\r\nwrapped\tacross lines."), "2025-07-03.json")
        assert parsed.records[0].abstract == "An abstract wrapped across lines."


class TestDates:
    @pytest.mark.parametrize(
        "value", ["2025-07-03garbage", "2025-07-03T12:00:00", "20250703", 20250703, "2025-W27-4", ["2025-07-03"]]
    )
    def test_the_date_field_must_be_exactly_yyyy_mm_dd(self, value):
        assert problems(export(date_value=value), "2025-07-03.json") == [("file", "bad_date")]

    def test_two_different_dates_in_a_file_name_conflict(self):
        with pytest.raises(DumpRejected) as caught:
            resolve_digest_date("s", None, None, "2025-07-03_to_2025-07-04.txt")
        assert caught.value.rules == ["date_conflict"]
        assert "2025-07-03 and 2025-07-04" in caught.value.message

    def test_the_same_date_twice_in_a_file_name_is_one_date(self):
        assert resolve_digest_date("s", None, None, "2025-07-03/2025-07-03.txt") == date(2025, 7, 3)

    def test_an_impossible_date_in_a_file_name_is_a_bad_date(self):
        with pytest.raises(DumpRejected) as caught:
            resolve_digest_date("s", date(2025, 2, 27), None, "2025-02-30_digest.txt")
        assert caught.value.rules == ["bad_date"]

    @pytest.mark.parametrize("day", [date(1, 1, 1), date(1990, 12, 31), date(9999, 12, 31)])
    @pytest.mark.parametrize("origin", ["caller", "field", "name"])
    def test_days_outside_arxiv_history_are_bad_dates(self, day, origin):
        args = {
            "caller": (day, None, "digest.txt"),
            "field": (None, day, "digest.txt"),
            "name": (None, None, f"{day.isoformat()}_digest.txt"),
        }[origin]
        with pytest.raises(DumpRejected) as caught:
            resolve_digest_date("s", *args)
        assert caught.value.rules == ["bad_date"]

    def test_tomorrow_is_a_digest_day_the_day_after_is_not(self):
        tomorrow = today_utc() + timedelta(days=1)
        assert resolve_digest_date("s", tomorrow, None, "x.txt") == tomorrow
        with pytest.raises(DumpRejected):
            resolve_digest_date("s", tomorrow + timedelta(days=1), None, "x.txt")
        assert resolve_digest_date("s", date(1991, 8, 14), None, "x.txt") == date(1991, 8, 14)

    @pytest.mark.parametrize("value", ["1900-01-01T00:00:00Z", "0001-01-01", "9999-12-31T00:00:00Z"])
    def test_a_publication_time_outside_arxiv_history_is_bad_published_at(self, value):
        assert problems(export(publishedAt=value), "2025-07-03.json") == [("record 1", "bad_published_at")]


class TestFileNames:
    @pytest.mark.parametrize(
        "name",
        ["report (1) 2025-07-01.txt", "2025-07-01 trending.txt", "résumé φ 2025-07-01.json",
         "2025-07-01..txt", "a" * 250 + ".txt", "[mirror] 2025-07-01, final!.json"],
    )
    def test_names_that_cannot_escape_the_data_root_are_safe(self, name):
        assert unsafe_file_name_reason(name) is None

    @pytest.mark.parametrize(
        "name",
        ["", ".", "..", ".hidden-2025-07-01.txt", "../2025-07-01.txt", "a/b.txt", "..\\2025-07-01.txt",
         "2025-07-01\x1b[2J.txt", "2025-07-01\n.txt", "2025-07-01\u202etxt.exe", "2025-07-01\udcff.txt"],
    )
    def test_names_that_escape_hide_or_mislead_are_unsafe(self, name):
        assert unsafe_file_name_reason(name)
