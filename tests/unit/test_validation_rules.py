"""The quality gate's patterns and bounds, checked without Great Expectations.

GX's pandas regex expectations search (``str.contains``); ``re.search`` here
matches that behaviour, so these cases hold for the suite too.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from papertrend.schema import DIGEST_ENTRIES_SCHEMA
from papertrend.validation import rules


@pytest.mark.parametrize(
    "arxiv_id",
    ["2412.00001", "2412.00001v2", "0704.0001", "1501.0001v12", "cs/0112017", "math.AG/0601001v2",
     "hep-th/9901001v3", "cond-mat/0207270"],
)
def test_arxiv_ids_old_and_new_style_match(arxiv_id):
    assert re.search(rules.ARXIV_ID_PATTERN, arxiv_id)


@pytest.mark.parametrize(
    "arxiv_id",
    ["arXiv:2412.00001", "2412.1", "2412.000011", "2412.00001v", "https://arxiv.org/abs/2412.00001",
     "cs/011201", "CS/0112017", " 2412.00001", "2412.00001 "],
)
def test_not_arxiv_ids_do_not_match(arxiv_id):
    assert not re.search(rules.ARXIV_ID_PATTERN, arxiv_id)


@pytest.mark.parametrize(
    "url",
    ["https://github.com/example/CATSplat", "http://example.github.io/p/", "https://x.org",
     "https://huggingface.co/papers/2507.00003?x=1#top"],
)
def test_http_urls_match(url):
    assert re.search(rules.URL_PATTERN, url)


@pytest.mark.parametrize(
    "url",
    ["github.com/example/repo", "ftp://example.org/x", "https://github.com/exa mple",
     "https://localhost", "Syntriever{https://github.com/x/y}", "https://", ""],
)
def test_not_urls_do_not_match(url):
    assert not re.search(rules.URL_PATTERN, url)


@pytest.mark.parametrize(
    "title",
    ["SubscribeCATSplat: Context-Aware Transformer", "Subscribe", "Subscribe: x",
     "Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox!"],
)
def test_page_furniture_in_a_title_is_caught(title):
    assert any(re.search(pattern, title) for pattern in rules.HEADER_TITLE_PATTERNS)


@pytest.mark.parametrize(
    "title",
    ["Subscriber Churn Prediction with Graph Neural Networks", "φ-Decoding: Adaptive Foresight",
     "Hydra: Sequentially-Dependent Draft Heads", "Trending Topics in Email Spam Filtering"],
)
def test_real_titles_are_not_page_furniture(title):
    assert not any(re.search(pattern, title) for pattern in rules.HEADER_TITLE_PATTERNS)


def test_sha256_pattern():
    assert re.search(rules.SHA256_PATTERN, "a" * 64)
    assert not re.search(rules.SHA256_PATTERN, "A" * 64)
    assert not re.search(rules.SHA256_PATTERN, "a" * 63)


def test_bounds_are_ordered_and_admit_the_bundled_samples():
    assert 0 < rules.MIN_ROWS_PER_DIGEST <= 2 and rules.MAX_ROWS_PER_DIGEST >= 290
    assert rules.MIN_TITLE_CHARS <= 22 < 183 <= rules.MAX_TITLE_CHARS  # shortest/longest sample titles
    assert rules.MIN_ABSTRACT_CHARS <= 83 < 1_905 <= rules.MAX_ABSTRACT_CHARS  # sample abstracts
    assert rules.MIN_ABSTRACT_CHARS > 0 and rules.MIN_TITLE_CHARS > 0


def test_the_suite_has_one_rule_per_check_and_covers_the_contract():
    from papertrend.validation.suite import digest_entries_rules

    names = [rule.name for rule in digest_entries_rules()]
    assert len(names) == len(set(names))
    for field in DIGEST_ENTRIES_SCHEMA:
        assert f"type:{field.name}" in names
        assert (f"not_null:{field.name}" in names) == (not field.nullable)
    for required in ("digest_date", "position", "title", "abstract", "source_sha256"):
        assert f"not_null:{required}" in names


def test_importing_the_validation_package_does_not_import_great_expectations():
    # A fresh interpreter: another test in this session may already have imported GX.
    check = (
        "import sys, papertrend.validation, papertrend.validation.gate, papertrend.validation.suite;"
        "sys.exit('great_expectations' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", check], check=False).returncode == 0


def test_every_rule_has_a_batch_form_without_parameters():
    """The batch suites (suite.batch_rules) keep every rule, by name, and need no per-partition value."""
    from papertrend.validation.suite import batch_rules, digest_entries_rules

    rows, digests = batch_rules()
    assert {rule.name for rule in rows + digests} == {rule.name for rule in digest_entries_rules()}
    assert "$PARAMETER" not in repr([rule.kwargs for rule in rows + digests])
    # Rules about a digest as a whole are checked per digest of the batch.
    per_digest = {rule.name for rule in digests} | {
        rule.name for rule in rows if "gate_partition" in rule.kwargs.get("column_list", ())
    }
    assert {"row_count", "position_unique", "position_1_to_n", "title_unique",
            "digest_date_matches_partition", "columns"} <= per_digest
