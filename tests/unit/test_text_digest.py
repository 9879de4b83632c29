"""The text digest parser on the real sample and on each quirk DESIGN.md lists."""

from __future__ import annotations

import pytest

from papertrend.parsing import DumpRejected, parse_dump
from tests.conftest import TEXT_SAMPLE


@pytest.fixture(scope="module")
def sample():
    return parse_dump(TEXT_SAMPLE.read_bytes(), str(TEXT_SAMPLE))


def test_sample_has_290_papers_in_page_order(sample):
    titles = [r.title for r in sample.records]
    assert len(titles) == 290
    assert titles[0].startswith("CATSplat: Context-Aware Transformer")
    assert titles[1].startswith("Instant3D:")
    assert titles[-1].startswith("Semantically-Aware Rewards for Open-Ended R1 Training")
    assert sample.source_format == "text"


def test_subscribe_and_header_lines_never_become_papers(sample):
    assert not any("Subscribe" in r.title for r in sample.records)
    assert not any("trending papers in your email" in r.title.lower() for r in sample.records)
    assert not any("trending papers in your email" in r.abstract.lower() for r in sample.records)


def test_non_ascii_title_survives_intact(sample):
    assert any(r.title.startswith("φ-Decoding: Adaptive Foresight Sampling") for r in sample.records)


def test_papers_sharing_a_short_name_stay_distinct(sample):
    hydras = [r.title for r in sample.records if r.title.startswith("Hydra:")]
    zeroflows = [r.title for r in sample.records if r.title.startswith("ZeroFlow:")]
    assert len(hydras) == 2 and len(set(hydras)) == 2
    assert len(zeroflows) == 2 and len(set(zeroflows)) == 2


def test_abstracts_are_kept_as_published(sample):
    """Cleaning belongs to the warehouse; the lake keeps LaTeX and raw URLs."""
    abstracts = " ".join(r.abstract for r in sample.records)
    assert "{\\deg}" in abstracts
    assert "Syntriever{https://github.com/kmswin1/Syntriever}" in abstracts
    assert "https://github.com/xo28/efficient- " in abstracts


def test_whitespace_is_collapsed_and_blank_lines_ignored():
    raw = "SubscribeA  Title\twith tabs\n  An   abstract  here.\r\n\n   \nSecond Title\nIts abstract.\n"
    parsed = parse_dump(raw.encode(), "x.txt")
    assert [(r.title, r.abstract) for r in parsed.records] == [
        ("A Title with tabs", "An abstract here."),
        ("Second Title", "Its abstract."),
    ]
    assert all(r.arxiv_id is None and r.authors is None for r in parsed.records)


@pytest.mark.parametrize(
    "raw, rule, location",
    [
        (b"", "empty_file", "file"),
        (b"\n \n", "empty_file", "file"),
        (
            b"Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n",
            "no_papers",
            "file",
        ),
        (b"Title one\nAbstract one is prose.\nTitle two\n", "title_without_abstract", "line 3"),
        (
            b"Title one\nTitle two\nAbstract two is prose.\nTitle three\nAbstract three.\n",
            "title_without_abstract",
            "line 1",
        ),
        (b"Title\nAbs\xff\xfetract\n", "not_utf8", "line 2"),
        (b"Title\nAbstract\n\x00\x01binary", "binary_content", "line 3"),
        (b"Title one\nAbstract one.\n--- ***\nAbstract two.\n", "empty_title", "line 3"),
    ],
    ids=["empty", "blank", "header-only", "odd-last", "odd-middle", "not-utf8", "binary", "empty-title"],
)
def test_bad_text_dumps_are_rejected_naming_line_and_rule(raw, rule, location):
    with pytest.raises(DumpRejected) as caught:
        parse_dump(raw, "inbox/2025-07-01_bad.txt")
    problem = caught.value.problems[0]
    assert (problem.rule, problem.location) == (rule, location)
    assert caught.value.message.startswith("inbox/2025-07-01_bad.txt: rejected")
    assert f"{location}:" in caught.value.message and rule in caught.value.message
