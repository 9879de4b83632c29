"""The warehouse as an analyst checks it: dbt build on a real lake landed from the sample."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from papertrend.settings import Settings, get_settings
from papertrend.warehouse import WarehouseBuildError, build_warehouse
from papertrend.warehouse.synthetic import SAMPLE_TEXT_DIGEST, write_synthetic_lake

pytestmark = pytest.mark.slow

MARTS = (
    "digest_appearances", "paper_links", "paper_topics", "paper_upvotes_daily", "papers",
    "topic_daily_trends", "topics",
)


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    """The sample digest landed by the real ingest and built once for the module."""
    from papertrend.ingest import ingest_or_raise

    root = tmp_path_factory.mktemp("sample_root")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTREND_DATA_DIR", str(root))
        settings = get_settings()
        ingest_or_raise([SAMPLE_TEXT_DIGEST], settings=settings)
        report = build_warehouse(settings)
        yield settings, report


@pytest.fixture(scope="module")
def serving(sample_build):
    import duckdb

    settings, _ = sample_build
    with duckdb.connect(str(settings.serving_db_path), read_only=True) as con:
        yield con


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_sample_gives_290_papers_each_seen_once(serving, sample_build):
    _, report = sample_build
    assert report.mart_row_counts["papers"] == 290
    assert report.mart_row_counts["digest_appearances"] == 290
    assert _rows(serving, "select count(distinct paper_id), min(days_trending), max(days_trending) from papers") == [(290, 1, 1)]
    assert _rows(serving, "select title from papers where title like 'φ-Decoding%'") != []
    assert _rows(serving, "select count(*) from papers where title like 'Subscribe%'") == [(0,)]


def test_links_are_the_64_urls_of_the_sample_cleaned(serving):
    assert _rows(serving, "select count(*), count(distinct paper_id), count(distinct url) from paper_links") == [(64, 64, 64)]
    dirty = _rows(serving, r"select url from paper_links where regexp_matches(url, '[.,;:)}\]]$|[{}\s\\]')")
    assert dirty == []
    urls = {u for (u,) in _rows(serving, "select url from paper_links")}
    assert "https://github.com/kmswin1/Syntriever" in urls
    assert "https://github.com/RUCAIBox/FMLP-Rec" in urls
    assert "https://github.com/Fantabulous-J/Self-Training-DPR" in urls
    assert "https://anonymous.4open.science/r/BIB-ICLR2023-Submission/README.md" in urls
    assert _rows(serving, "select url, repaired_url from paper_links where is_broken") == [
        ("https://github.com/xo28/efficient-", "https://github.com/xo28/efficient-NLP-multistage-training")
    ]
    assert _rows(serving, "select count(*) from papers where has_code") == _rows(
        serving, "select count(distinct paper_id) from paper_links where link_kind = 'code'"
    )


def test_abstracts_have_no_latex_remnants(serving):
    leftovers = _rows(serving, r"select abstract from papers where regexp_matches(abstract, '\{\\deg\}|\\%|\\url|\{\\em|\\textbf')")
    assert leftovers == []
    assert _rows(serving, "select count(*) from papers where abstract like '%360° cameras%'") == [(1,)]


def test_every_paper_has_exactly_one_primary_topic(serving):
    assert _rows(serving, """
        select count(*) from (select paper_id from paper_topics group by paper_id having count_if(is_primary) <> 1)
    """) == [(0,)]
    (share,) = serving.execute("""
        select avg(case when topics.is_catch_all then 0 else 1 end)
        from papers join topics on topics.topic_id = papers.primary_topic_id
    """).fetchone()
    assert share >= 0.9
    explained = _rows(serving, "select count(*) from paper_topics where score > 0 and len(matched_terms) = 0")
    assert explained == [(0,)]


def test_serving_file_opens_read_only_in_metabase_format_and_every_mart_answers(serving, sample_build):
    settings, report = sample_build
    (tags,) = serving.execute(
        # DuckDB names the file the serving link resolves to (the published version)
        "select tags from duckdb_databases() where path = ?", [str(settings.serving_db_path.resolve())]
    ).fetchone()
    assert tags["storage_version"].startswith("v1.5.0")
    for mart in MARTS:
        count = serving.execute(f"select count(*) from main.{mart}").fetchone()[0]
        # a text digest counts no upvotes: paper_upvotes_daily is empty, and still answers
        assert count == report.mart_row_counts[mart] > (-1 if mart == "paper_upvotes_daily" else 0)
        parquet = settings.mart_parquet_path(mart)
        assert serving.execute(f"select count(*) from read_parquet('{parquet}')").fetchone()[0] == count
    assert (settings.dbt_docs_dir / "index.html").exists()
    assert (settings.dbt_docs_dir / "catalog.json").exists()
    assert {m.name for m in report.models} >= set(MARTS)


def test_the_report_of_a_brand_new_warehouse_says_first_build(sample_build):
    _, report = sample_build
    assert "(first build)" in report.summary().splitlines()[0]


def test_bi_tools_see_only_the_marts_with_their_descriptions(serving, sample_build):
    settings, _ = sample_build
    catalog = serving.execute("select current_database()").fetchone()[0]
    tables = _rows(serving, f"""
        select schema_name, table_name, comment from duckdb_tables()
        where database_name = '{catalog}' order by table_name
    """)
    assert [(schema, table) for schema, table, _ in tables] == [("main", mart) for mart in sorted(MARTS)]
    assert all(comment for _, _, comment in tables), tables
    schemas = _rows(serving, f"select schema_name from duckdb_schemas() where database_name = '{catalog}'")
    assert schemas == [("main",)]
    (comment,) = serving.execute(f"""
        select comment from duckdb_columns()
        where database_name = '{catalog}' and table_name = 'papers' and column_name = 'days_trending'
    """).fetchone()
    assert comment, "papers.days_trending carries its dbt description"


def test_topic_trends_carry_the_topic_name_for_legends(serving):
    mismatched = _rows(serving, """
        select count(*) from topic_daily_trends as trends
        left join topics using (topic_id)
        where trends.topic_name is distinct from topics.topic_name
    """)
    assert mismatched == [(0,)]


def test_every_landed_row_reaches_the_marts(serving, sample_build):
    settings, _ = sample_build
    lake = f"read_parquet('{settings.digest_entries_dir}/*/*.parquet', hive_partitioning = true)"
    assert _rows(serving, f"select count(*) from {lake}") == _rows(
        serving, "select sum(source_entry_count) from digest_appearances"
    )
    assert _rows(serving, f"select count(*) from {lake} as l anti join papers using (title)") == [(0,)]


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failing_dbt_test_publishes_nothing(sample_build, tmp_path):
    import pyarrow.parquet as pq

    settings, _ = sample_build
    root = tmp_path / "root"
    shutil.copytree(settings.data_dir, root)
    broken = replace(settings, data_dir=root)
    before = _fingerprint(broken.serving_db_path)
    marts_before = _fingerprint(broken.mart_parquet_path("papers"))

    # a landed row breaking a contract test (source_format accepted values)
    day = next(broken.digest_entries_dir.glob("digest_date=*"))
    table = pq.read_table(next(day.glob("*.parquet")))
    bad = table.slice(0, 1).set_column(
        table.schema.get_field_index("source_format"), "source_format", [["telegram"]]
    )
    bad_day = broken.digest_entries_dir / "digest_date=2025-07-02"
    bad_day.mkdir()
    pq.write_table(bad, bad_day / "bad.parquet")

    with pytest.raises(WarehouseBuildError) as failure:
        build_warehouse(broken)
    assert "accepted_values" in str(failure.value)
    assert failure.value.failed_nodes
    assert _fingerprint(broken.serving_db_path) == before
    assert _fingerprint(broken.mart_parquet_path("papers")) == marts_before


def _table(settings: Settings, name: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(settings.serving_db_path), read_only=True) as con:
        return sorted(con.execute(f"select * from main.{name}").fetchall(), key=repr)


def test_full_refresh_equals_a_sequence_of_incremental_runs(tmp_path):
    start = date(2025, 1, 1)
    once = Settings(data_dir=tmp_path / "once")
    daily = Settings(data_dir=tmp_path / "daily")

    def replace_day_five(settings: Settings) -> None:
        # a re-landed day with different content must be rebuilt, not appended
        shutil.rmtree(settings.digest_entries_dir / f"digest_date={start + timedelta(days=4)}")
        write_synthetic_lake(settings.digest_entries_dir, start + timedelta(days=4), 1, papers_per_day=12, days_per_paper=2)

    def remove_day_two(settings: Settings) -> None:
        # a partition removed from the lake must disappear from the marts too
        shutil.rmtree(settings.digest_entries_dir / f"digest_date={start + timedelta(days=1)}")

    write_synthetic_lake(daily.digest_entries_dir, start, 4, papers_per_day=30, days_per_paper=3)
    build_warehouse(daily)
    write_synthetic_lake(daily.digest_entries_dir, start, 7, papers_per_day=30, days_per_paper=3)
    build_warehouse(daily)
    replace_day_five(daily)
    write_synthetic_lake(daily.digest_entries_dir, start + timedelta(days=7), 1, papers_per_day=30, days_per_paper=3)
    build_warehouse(daily)
    remove_day_two(daily)
    incremental = build_warehouse(daily)

    write_synthetic_lake(once.digest_entries_dir, start, 7, papers_per_day=30, days_per_paper=3)
    replace_day_five(once)
    write_synthetic_lake(once.digest_entries_dir, start + timedelta(days=7), 1, papers_per_day=30, days_per_paper=3)
    remove_day_two(once)
    full = build_warehouse(once, full_refresh=True)

    assert incremental.mart_row_counts == full.mart_row_counts
    for mart in ("digest_appearances", "topic_daily_trends", "papers"):
        assert _table(daily, mart) == _table(once, mart), mart
    for mart in ("paper_topics", "paper_links", "topics"):
        assert _table(daily, mart) == _table(once, mart), mart
    for mart in ("digest_appearances", "topic_daily_trends"):
        removed_day_rows = [row for row in _table(daily, mart) if date(2025, 1, 2) in row]
        assert removed_day_rows == [], f"{mart} still holds the removed day"


def test_a_paper_whose_only_day_is_removed_leaves_every_mart(tmp_path):
    start = date(2025, 3, 1)
    daily = Settings(data_dir=tmp_path / "daily")
    once = Settings(data_dir=tmp_path / "once")
    for settings in (daily, once):
        # one paper per day, each on a single day
        write_synthetic_lake(settings.digest_entries_dir, start, 3, papers_per_day=1, days_per_paper=1)
    build_warehouse(daily)
    removed_day = start + timedelta(days=1)
    (removed_paper,) = [row[0] for row in _table(daily, "papers") if removed_day in row]

    for settings in (daily, once):
        shutil.rmtree(settings.digest_entries_dir / f"digest_date={removed_day}")
    build_warehouse(daily)
    build_warehouse(once, full_refresh=True)

    for mart in MARTS:
        assert _table(daily, mart) == _table(once, mart), mart
    assert len(_table(daily, "papers")) == 2
    for mart in ("papers", "paper_topics", "paper_links", "digest_appearances"):
        assert [row for row in _table(daily, mart) if removed_paper in row] == [], mart
