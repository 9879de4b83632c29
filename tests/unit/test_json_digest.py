"""The two JSON parsers: the HF daily-papers API and flat mirror exports."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from papertrend.parsing import DumpRejected, parse_dump, resolve_digest_date
from tests.conftest import FLAT_JSON_SAMPLE, HF_API_SAMPLE


def parse_json(payload, name="2025-07-03_export.json"):
    return parse_dump(json.dumps(payload).encode(), name)


def test_hf_api_sample_fills_ids_authors_and_upvotes():
    parsed = parse_dump(HF_API_SAMPLE.read_bytes(), HF_API_SAMPLE.name)
    assert parsed.source_format == "hf_api"
    first, second = parsed.records
    assert first.arxiv_id == "2412.00001"
    assert first.authors == ["A. Author", "B. Author"]
    assert first.upvotes == 10
    assert first.published_at == datetime(2024, 12, 1, 17, 8, 18, tzinfo=timezone.utc)
    assert first.github_repo == "https://github.com/example/CATSplat"
    assert first.project_page == "https://example.github.io/catsplat/"
    # The API's hard line break inside the summary is collapsed.
    assert "attention for their" in first.abstract and "\n" not in first.abstract
    assert second.github_repo is None and second.upvotes == 3


def test_flat_json_sample_handles_aliases_line_breaks_and_stray_commas():
    parsed = parse_dump(FLAT_JSON_SAMPLE.read_bytes(), FLAT_JSON_SAMPLE.name)
    assert parsed.source_format == "flat_json"
    assert parsed.stated_date == date(2025, 7, 3)
    by_id = {r.arxiv_id: r for r in parsed.records}
    assert set(by_id) == {"2507.00001", "2507.00002", "2507.00003", "2507.00004", "2507.00005"}
    assert by_id["2507.00001"].authors == ["A. Author", "B. Author"]  # "A. Author," in the dump
    assert by_id["2507.00002"].authors == ["C. Author", "D. Author"]  # ", C. Author"
    assert by_id["2507.00002"].upvotes == 31  # given as the string "31"
    assert by_id["2507.00003"].upvotes is None  # optional fields may be missing
    assert all("\n" not in r.abstract for r in parsed.records)


def test_flat_json_takes_arxiv_id_from_paper_url_when_no_id_field():
    parsed = parse_json({"papers": [{"title": "T", "summary": "S", "url": "https://arxiv.org/abs/2501.01234v2"}]})
    assert parsed.records[0].arxiv_id == "2501.01234"


def test_a_bare_list_of_flat_papers_is_flat_json():
    parsed = parse_json([{"title": "T", "abstract": "A", "authors": "X. Y, Z. W and Q. R"}])
    assert parsed.source_format == "flat_json"
    assert parsed.records[0].authors == ["X. Y", "Z. W", "Q. R"]


def test_every_bad_record_is_listed_not_only_the_first():
    payload = {
        "date": "2025-07-03",
        "papers": [
            {"title": "Good", "abstract": "Fine."},
            {"title": "  ", "abstract": "Empty title."},
            {"abstract": "No title at all."},
            {"title": "Votes", "abstract": "Bad votes.", "upvotes": "many"},
            "not an object",
        ],
    }
    with pytest.raises(DumpRejected) as caught:
        parse_json(payload)
    found = [(p.location, p.rule) for p in caught.value.problems]
    assert found == [
        ("record 2", "empty_title"),
        ("record 3", "missing_title"),
        ("record 4", "bad_upvotes"),
        ("record 5", "unexpected_shape"),
    ]


@pytest.mark.parametrize(
    "payload, rule",
    [
        ({"date": "2025-07-03", "items": []}, "unexpected_shape"),
        ("just a string", "unexpected_shape"),
        ({"date": "2025-07-03", "papers": []}, "no_papers"),
        ({"date": "July third", "papers": [{"title": "T", "abstract": "A"}]}, "bad_date"),
        ([{"paper": {"id": "2412.00001", "title": "T"}}], "missing_abstract"),
    ],
)
def test_json_of_the_wrong_shape_is_rejected(payload, rule):
    with pytest.raises(DumpRejected) as caught:
        parse_json(payload)
    assert rule in caught.value.rules


def test_broken_json_names_the_line():
    with pytest.raises(DumpRejected) as caught:
        parse_dump(b'{"papers": [\n{"title": "T",\n "abstract": }\n]}', "2025-07-03.json")
    assert caught.value.problems[0].rule == "invalid_json"
    assert caught.value.problems[0].location == "line 3"


def test_format_is_detected_from_content_not_extension():
    payload = json.dumps({"papers": [{"title": "T", "abstract": "A"}]}).encode()
    assert parse_dump(payload, "digest.txt").source_format == "flat_json"
    assert parse_dump(b"A title\nAn abstract.\n", "digest.json.txt").source_format == "text"


class TestDigestDate:
    def test_caller_dump_and_file_name_agreeing_is_fine(self):
        day = date(2025, 7, 3)
        assert resolve_digest_date("s", day, day, "2025-07-03_x.json") == day

    def test_file_name_alone_is_enough(self):
        assert resolve_digest_date("s", None, None, "digest-2025-07-03.txt") == date(2025, 7, 3)

    def test_no_date_anywhere_is_rejected(self):
        with pytest.raises(DumpRejected) as caught:
            resolve_digest_date("inbox/digest.txt", None, None, "digest.txt")
        assert caught.value.rules == ["date_unknown"]

    def test_disagreeing_sources_are_rejected_naming_both(self):
        with pytest.raises(DumpRejected) as caught:
            resolve_digest_date("s", date(2025, 7, 4), None, "2025-07-03_x.txt")
        assert caught.value.rules == ["date_conflict"]
        assert "2025-07-04" in caught.value.message and "2025-07-03" in caught.value.message


class TestHfApiItems:
    """Issue 13, item 3: one broken item rejects an API dump naming it; it never
    turns the dump into a flat export (which would drop every paper's id,
    authors, upvotes and links)."""

    @pytest.fixture
    def items(self):
        return json.loads(HF_API_SAMPLE.read_text())

    @pytest.mark.parametrize(
        "broken, rule",
        [
            ({"paper": None}, "missing_paper"),
            ({"paper": "2412.00003"}, "unexpected_shape"),
            ({"title": "No paper key"}, "missing_paper"),
            (None, "unexpected_shape"),
            ([], "unexpected_shape"),
        ],
    )
    def test_one_broken_item_rejects_the_dump_naming_the_record(self, items, broken, rule):
        items.insert(1, broken)
        with pytest.raises(DumpRejected) as caught:
            parse_json(items, "2025-07-02_hf.json")
        assert [(p.location, p.rule) for p in caught.value.problems] == [("record 2", rule)]

    def test_every_broken_item_is_named(self, items):
        items[0]["paper"] = None
        items[1]["paper"]["upvotes"] = "lots"
        with pytest.raises(DumpRejected) as caught:
            parse_json(items, "2025-07-02_hf.json")
        assert [(p.location, p.rule) for p in caught.value.problems] == [
            ("record 1", "missing_paper"),
            ("record 2", "bad_upvotes"),
        ]

    def test_an_item_without_paper_fields_is_not_read_from_the_item(self, items):
        """Items repeat title and summary: a null paper must not land them without the paper's id."""
        items[0]["paper"] = None
        assert items[0]["title"] and items[0]["summary"]
        with pytest.raises(DumpRejected):
            parse_json(items, "2025-07-02_hf.json")
