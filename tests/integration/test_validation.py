"""The quality gate's GX suite on real and crafted partitions.

Every partition is validated in ONE ``validate_partitions`` call per module
(GX takes seconds to import and open): one batch, in which the gate must name
exactly the broken partitions and pass the others. Each crafted partition
breaks exactly one rule and must fail on that rule and no other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from papertrend.schema import DIGEST_ENTRIES_SCHEMA
from papertrend.settings import GX_PROJECT_DIR, SAMPLES_DIR, Settings

pytestmark = pytest.mark.slow

DAY = dt.date(2025, 7, 1)
NOW = dt.datetime(2025, 7, 1, 6, 30, tzinfo=dt.timezone.utc)
_NULLABLE_SCHEMA = pa.schema([field.with_nullable(True) for field in DIGEST_ENTRIES_SCHEMA])


def partition_columns(digest_date: dt.date, rows: int = 300) -> dict[str, list]:
    """A valid synthetic digest: ``rows`` papers as the landing contract's columns."""
    sha256 = hashlib.sha256(f"digest {digest_date}".encode()).hexdigest()
    return {
        "digest_date": [digest_date] * rows,
        "position": list(range(1, rows + 1)),
        "title": [f"Paper {i}: Sparse Attention for Long-Context Model Number {i}" for i in range(rows)],
        "abstract": [
            f"We study long-context modelling with sparse attention (variant {i}) and show"
            " consistent gains on retrieval and reasoning benchmarks at a fraction of the cost."
            for i in range(rows)
        ],
        "arxiv_id": [f"2506.{i:05d}" if i % 4 else None for i in range(rows)],
        "authors": [["A. Author", "B. Author"] if i % 5 else None for i in range(rows)],
        "upvotes": [i % 97 if i % 3 else None for i in range(rows)],
        "published_at": [NOW - dt.timedelta(days=1)] * rows,
        "github_repo": [f"https://github.com/example/paper-{i}" if i % 2 else None for i in range(rows)],
        "project_page": [f"https://example.github.io/p{i}/" if i % 7 == 0 else None for i in range(rows)],
        "source_format": ["text"] * rows,
        "source_uri": [f"file:///inbox/{digest_date}_trending.txt"] * rows,
        "source_sha256": [sha256] * rows,
        "parser_version": ["1.0.0"] * rows,
        "ingested_at": [NOW] * rows,
    }


def write_partition(
    parent: Path,
    digest_date: dt.date,
    rows: int = 300,
    change: Callable[[dict[str, list]], None] | None = None,
    schema: pa.Schema = DIGEST_ENTRIES_SCHEMA,
) -> Path:
    """Write ``parent/digest_date=YYYY-MM-DD/part-0.parquet``; ``change`` edits the columns first."""
    columns = partition_columns(digest_date, rows)
    if change is not None:
        change(columns)
    names = list(columns)
    if names != schema.names:  # a change added or reordered columns: infer the extra ones
        table = pa.table({name: pa.array(columns[name], schema.field(name).type)
                          if name in schema.names else columns[name] for name in names})
    else:
        table = pa.table(columns, schema=schema)
    target = parent / f"digest_date={digest_date.isoformat()}"
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target / "part-0.parquet", compression="zstd")
    return target


def _set(column: str, row: int, value) -> Callable[[dict], None]:
    def change(columns: dict) -> None:
        columns[column][row] = value

    return change


def _retype(column: str, arrow_type: pa.DataType, values=None) -> Callable[[dict], None]:
    """Replace one column by an Arrow array of another type (the rest keep the contract)."""

    def change(columns: dict) -> None:
        columns[column] = pa.array(values(columns[column]) if values else columns[column], arrow_type)

    return change


def _both(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(columns: dict) -> None:
        for one in changes:
            one(columns)

    return change


def _write_retyped(parent: Path, column: str, arrow_type: pa.DataType, convert=None) -> Path:
    columns = partition_columns(DAY)
    values = convert(columns[column]) if convert else columns[column]
    arrays = {
        name: pa.array(values, arrow_type) if name == column else pa.array(data, DIGEST_ENTRIES_SCHEMA.field(name).type)
        for name, data in columns.items()
    }
    target = parent / f"digest_date={DAY.isoformat()}"
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(arrays), target / "part-0.parquet")
    return target


# rule that must fail -> how to break only that rule (a column change, or a writer)
BROKEN: dict[str, Callable[[Path], Path]] = {
    "columns": lambda parent: write_partition(
        parent, DAY, change=lambda c: c.update(extra_note=["x"] * 300)
    ),
    "type:position": lambda parent: _write_retyped(parent, "position", pa.int64()),
    "type:upvotes": lambda parent: _write_retyped(parent, "upvotes", pa.int64()),
    "type:published_at": lambda parent: _write_retyped(parent, "published_at", pa.timestamp("us")),
    "type:ingested_at": lambda parent: _write_retyped(parent, "ingested_at", pa.timestamp("us")),
    "type:authors": lambda parent: _write_retyped(
        parent, "authors", pa.string(), lambda v: [", ".join(a) if a else None for a in v]
    ),
    **{
        f"not_null:{column}": (
            lambda parent, column=column: write_partition(
                parent, DAY, change=_set(column, 17, None), schema=_NULLABLE_SCHEMA
            )
        )
        for column in [f.name for f in DIGEST_ENTRIES_SCHEMA if not f.nullable]
    },
    "row_count": lambda parent: write_partition(parent, DAY, rows=0),
    "position_unique": lambda parent: write_partition(parent, DAY, change=_set("position", 299, 299)),
    "position_1_to_n": lambda parent: write_partition(parent, DAY, change=_set("position", 299, 301)),
    "title_unique": lambda parent: write_partition(
        parent, DAY, change=lambda c: c["title"].__setitem__(5, c["title"][4])
    ),
    "digest_date_matches_partition": lambda parent: write_partition(
        parent, DAY, change=_set("digest_date", 3, DAY - dt.timedelta(days=1))
    ),
    "title_length": lambda parent: write_partition(parent, DAY, change=_set("title", 8, "Hydra:")),
    "abstract_length": lambda parent: write_partition(
        parent, DAY, change=_set("abstract", 8, "See the paper.")
    ),
    "title_not_page_header": lambda parent: write_partition(
        parent, DAY, change=lambda c: c["title"].__setitem__(0, "Subscribe" + c["title"][0])
    ),
    "abstract_not_title": lambda parent: write_partition(
        parent, DAY, change=lambda c: c["abstract"].__setitem__(9, c["title"][9])
    ),
    "arxiv_id_format": lambda parent: write_partition(
        parent, DAY, change=_set("arxiv_id", 1, "arXiv:2506.00001")
    ),
    "url:github_repo": lambda parent: write_partition(
        parent, DAY, change=_set("github_repo", 1, "github.com/example/no-scheme")
    ),
    "url:project_page": lambda parent: write_partition(
        parent, DAY, change=_set("project_page", 0, "https://example .github.io/broken by a wrap")
    ),
    "source_sha256_hex": lambda parent: write_partition(
        parent, DAY, change=lambda c: c.update(source_sha256=["ABC123"] * 300)
    ),
    "source_format_known": lambda parent: write_partition(
        parent, DAY, change=lambda c: c.update(source_format=["pdf"] * 300)
    ),
    "upvotes_non_negative": lambda parent: write_partition(parent, DAY, change=_set("upvotes", 1, -3)),
}

# Partitions that must pass: bounds and patterns at their edges.
VALID: dict[str, Callable[[Path], Path]] = {
    "synthetic": lambda parent: write_partition(parent, DAY),
    "single_paper": lambda parent: write_partition(parent, DAY, rows=1),
    "edge_values": lambda parent: write_partition(
        parent,
        DAY,
        change=_both(
            _set("arxiv_id", 1, "cs/0112017"),
            _set("arxiv_id", 2, "math.AG/0601001v2"),
            _set("arxiv_id", 3, "2412.00001v12"),
            _set("arxiv_id", 5, "1501.0001"),
            _set("title", 1, "Subscriber Churn Prediction with Graph Neural Networks"),
            _set("title", 2, "φ-Decoding: Adaptive Foresight Sampling"),
            _set("title", 3, "x" * 300),
            _set("abstract", 3, "y" * 5_000),
            _set("github_repo", 1, "http://gitlab.example.org/group/repo?tab=readme#top"),
        ),
    ),
}


def _land_sample(parent: Path, sample: Path) -> Path:
    """A sample dump through the project's own parser and landing code."""
    from papertrend.landing import lake
    from papertrend.parsing import parse_dump, resolve_digest_date

    raw = sample.read_bytes()
    source_uri = sample.as_uri()
    parsed = parse_dump(raw, source_uri)
    digest_date = resolve_digest_date(source_uri, None, parsed.stated_date, sample.name)
    table = lake.build_table(
        parsed,
        digest_date=digest_date,
        source_uri=source_uri,
        source_sha256=hashlib.sha256(raw).hexdigest(),
        ingested_at=NOW,
    )
    lake.write_partition(table, parent, digest_date)
    return lake.partition_dir(parent, digest_date)


SAMPLES = sorted(path.name for path in SAMPLES_DIR.iterdir() if path.is_file())


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(directory)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def gate_run(tmp_path_factory: pytest.TempPathFactory):
    """Validate every crafted, valid and sample partition in one call."""
    from papertrend.validation import validate_partitions

    root = tmp_path_factory.mktemp("validation")
    settings = Settings(data_dir=root / "data")
    staging = root / "staging"
    partitions: dict[str, Path] = {}
    for name, build in {**BROKEN, **VALID}.items():
        partitions[name] = build(staging / name.replace(":", "__"))
    for sample in SAMPLES:
        partitions[f"sample:{sample}"] = _land_sample(staging / sample, SAMPLES_DIR / sample)
    unreadable = staging / "unreadable" / "digest_date=2025-07-01"
    unreadable.mkdir(parents=True)
    (unreadable / "part-0.parquet").write_bytes(b"not parquet")
    partitions["readable"] = unreadable

    gx_before = _snapshot(GX_PROJECT_DIR)
    verdicts = validate_partitions(list(partitions.values()), settings)
    return {
        "settings": settings,
        "verdicts": dict(zip(partitions, verdicts, strict=True)),
        "gx_project_before": gx_before,
    }


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_bundled_samples_pass(gate_run, sample):
    verdict = gate_run["verdicts"][f"sample:{sample}"]
    assert verdict.success, verdict.failure_summary


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_partitions_pass(gate_run, name):
    verdict = gate_run["verdicts"][name]
    assert verdict.success, verdict.failure_summary
    assert verdict.failure_summary == ""
    assert verdict.failed_rules == ()


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_a_partition_breaking_one_rule_fails_on_exactly_that_rule(gate_run, rule):
    verdict = gate_run["verdicts"][rule]
    assert not verdict.success
    assert verdict.failed_rules == (rule,), verdict.failure_summary
    assert rule in verdict.failure_summary
    assert verdict.digest_date == DAY


def test_every_rule_of_the_suite_has_a_breaking_partition():
    from papertrend.validation.suite import digest_entries_rules

    assert {rule.name for rule in digest_entries_rules()} - set(BROKEN) == {
        # Types that a wrong writer cannot produce without breaking another rule
        # too (a string date also fails digest_date_matches_partition), or that
        # the pandas view cannot tell apart (string vs large_string).
        f"type:{f.name}" for f in DIGEST_ENTRIES_SCHEMA
        if f"type:{f.name}" not in BROKEN
    }


def test_the_failure_summary_names_the_rule_and_offending_values(gate_run):
    summary = gate_run["verdicts"]["arxiv_id_format"].failure_summary
    assert summary.splitlines()[0] == "digest_date=2025-07-01: 1 expectation failed"
    assert "arxiv_id_format (expect_column_values_to_match_regex on arxiv_id)" in summary
    assert "1 of 300 rows unexpected" in summary
    assert "'arXiv:2506.00001'" in summary

    repeated = gate_run["verdicts"]["abstract_not_title"].failure_summary
    assert "1 of 300 rows unexpected, e.g. 'Paper 9: Sparse Attention" in repeated

    row_count = gate_run["verdicts"]["row_count"].failure_summary
    assert "row_count (expect_table_row_count_to_be_between): observed 0, expected 1..1000" in row_count


def test_the_result_is_json_and_keeps_the_failing_values(gate_run):
    result = gate_run["verdicts"]["url:project_page"].result
    decoded = json.loads(json.dumps(result))
    (failed,) = [item for item in decoded["results"] if not item["success"]]
    assert failed["expectation_config"]["meta"]["rule"] == "url:project_page"
    assert failed["result"]["partial_unexpected_list"] == [
        "https://example .github.io/broken by a wrap"
    ]


def test_an_unreadable_partition_fails_without_stopping_the_others(gate_run):
    verdict = gate_run["verdicts"]["readable"]
    assert not verdict.success
    assert verdict.failed_rules == ("readable",)
    assert "unreadable" in verdict.failure_summary
    json.dumps(verdict.result)


def _rechecked(gate_run) -> list:
    """The verdicts the partition suite gave: the partitions the batch named (read ones)."""
    return [
        v for v in gate_run["verdicts"].values()
        if "validated_in_batch" not in v.result and v.failed_rules != ("readable",)
    ]


def test_the_batch_names_exactly_the_failing_partitions(gate_run):
    """Every valid partition passed in the batch; every broken one was validated again alone."""
    for name, verdict in gate_run["verdicts"].items():
        if name in BROKEN or name == "readable":
            assert "validated_in_batch" not in verdict.result, name
        else:
            assert verdict.result.get("validated_in_batch", "").startswith("digest_date="), name


def test_data_docs_list_every_run_under_the_data_root(gate_run):
    settings: Settings = gate_run["settings"]
    index = settings.gx_docs_dir / "index.html"
    assert index.is_file()
    html = index.read_text(encoding="utf-8")
    assert "digest_date=2025-07-01" in html
    assert "digest_date=2025-07-01..2025-07-03" in html  # the batch, samples included
    results = sorted(
        path.relative_to(settings.data_dir / "gx" / "validation_results")
        for path in (settings.data_dir / "gx" / "validation_results").rglob("*.json")
    )
    by_suite = {suite: [r for r in results if r.parts[0] == suite] for suite in {r.parts[0] for r in results}}
    # One result per failing partition (validated alone), one per schema among
    # the batch's rows, one for the batch's digests.
    assert len(by_suite["digest_entries"]) == len(_rechecked(gate_run))
    assert len(by_suite["digest_entries_batch_digests"]) == 1
    assert 1 < len(by_suite["digest_entries_batch"]) < len(BROKEN)
    pages = list((settings.gx_docs_dir / "validations").rglob("*.html"))
    assert len(pages) == len(results)


def test_the_committed_suite_is_the_one_the_code_builds():
    from papertrend.validation.suite import SUITE_NAME, build_batch_suites, build_suite

    def comparable(suite) -> list[dict]:
        return [
            {k: v for k, v in expectation.configuration.to_json_dict().items() if k != "id"}
            for expectation in suite.expectations
        ]

    from great_expectations import ExpectationSuite

    stored = json.loads((GX_PROJECT_DIR / "expectations" / f"{SUITE_NAME}.json").read_text())
    committed = ExpectationSuite(**{k: v for k, v in stored.items() if k != "id"})
    assert comparable(committed) == comparable(build_suite()), (
        "include/gx is stale: run `.venv/bin/python -m papertrend.validation.suite`"
    )
    for suite in build_batch_suites():
        stored = json.loads((GX_PROJECT_DIR / "expectations" / f"{suite.name}.json").read_text())
        committed = ExpectationSuite(**{k: v for k, v in stored.items() if k != "id"})
        assert comparable(committed) == comparable(suite), (
            "include/gx is stale: run `.venv/bin/python -m papertrend.validation.suite`"
        )


def test_many_partitions_validate_as_one_batch_with_a_verdict_each(tmp_path: Path):
    from papertrend.validation import validate_partitions

    settings = Settings(data_dir=tmp_path / "data")
    days = [DAY + dt.timedelta(days=i) for i in range(6)]
    partitions = [write_partition(tmp_path / "staging", day, rows=40) for day in days]
    broken = write_partition(
        tmp_path / "staging-bad", days[2], rows=40, change=_set("upvotes", 1, -1)
    )
    verdicts = validate_partitions([*partitions, broken], settings)
    assert [v.digest_date for v in verdicts] == [*days, days[2]]
    assert [v.success for v in verdicts] == [True] * 6 + [False]
    assert verdicts[-1].failed_rules == ("upvotes_non_negative",)
    assert "1 of 40 rows unexpected, e.g. -1" in verdicts[-1].failure_summary
    results = settings.data_dir / "gx" / "validation_results"
    # The batch (rows, digests) once, and the failing partition alone.
    assert sorted(path.relative_to(results).parts[0] for path in results.rglob("*.json")) == [
        "digest_entries", "digest_entries_batch", "digest_entries_batch_digests"
    ]


def test_a_clean_batch_is_validated_once(tmp_path: Path):
    from papertrend.validation import validate_partitions

    settings = Settings(data_dir=tmp_path / "data")
    partitions = [
        write_partition(tmp_path / "staging", DAY + dt.timedelta(days=i), rows=30) for i in range(4)
    ]
    # Two dumps for one day in one batch: each is its own digest (same titles, same positions).
    partitions.append(write_partition(tmp_path / "again", DAY, rows=30))
    verdicts = validate_partitions(partitions, settings)
    assert all(v.success for v in verdicts)
    assert {v.result["validated_in_batch"] for v in verdicts} == {"digest_date=2025-07-01..2025-07-04"}
    results = settings.data_dir / "gx" / "validation_results"
    assert sorted(path.relative_to(results).parts[0] for path in results.rglob("*.json")) == [
        "digest_entries_batch", "digest_entries_batch_digests"
    ]


def test_nothing_in_this_module_wrote_into_the_committed_gx_project(gate_run):
    """Last in the module: validation, Data Docs and suite building leave include/gx alone."""
    after = _snapshot(GX_PROJECT_DIR)
    before = gate_run["gx_project_before"]
    assert {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)} == set()


def test_the_data_docs_index_lists_every_run_without_scripts(gate_run):
    """index.html is papertrend's offline page: GX's own needs CDN scripts to list anything."""
    from papertrend.validation.docs_index import GX_INDEX_NAME, validation_runs
    from papertrend.validation.context import validation_results_dir

    settings: Settings = gate_run["settings"]
    html = (settings.gx_docs_dir / "index.html").read_text(encoding="utf-8")
    runs = validation_runs(settings.gx_docs_dir, validation_results_dir(settings))
    rechecked = _rechecked(gate_run)
    partition_runs = [run for run in runs if run.suite == "digest_entries"]

    assert "<script" not in html
    assert (settings.gx_docs_dir / GX_INDEX_NAME).is_file()
    assert len(partition_runs) == len(rechecked)
    assert sum(not run.success for run in partition_runs) == sum(not v.success for v in rechecked)
    assert {run.suite for run in runs} == {
        "digest_entries", "digest_entries_batch", "digest_entries_batch_digests"
    }
    for run in runs:
        assert run.page and (settings.gx_docs_dir / run.page).is_file()
        assert f'href="{run.page}"' in html
    # A failed run names its failed rule on the index.
    (broken,) = [run for run in runs if run.failed_rules == ("url:project_page",)]
    assert not broken.success
    row = html.split(f'href="{broken.page}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="failed"' in row and "url:project_page" in row
