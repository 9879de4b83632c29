"""Metabase provisioning (include/bi/metabase/provision.py), without a Metabase.

Metabase cannot run on these machines (no Docker engine; its jar is in no
package registry reachable here), and a fake Metabase would only test our
guess of its API. So this tests what is ours: the payloads the script sends,
built from every real query file, and that the SQL of every question runs on
a warehouse built from the bundled samples, with the columns its chart names.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from papertrend.settings import PROJECT_ROOT, Settings

PROVISION = PROJECT_ROOT / "include" / "bi" / "metabase" / "provision.py"
QUERIES_DIR = PROJECT_ROOT / "include" / "bi" / "queries"


def _load_provision():
    spec = importlib.util.spec_from_file_location("metabase_provision", PROVISION)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


provision = _load_provision()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the pure functions on crafted files ---------------------------------------------


def test_a_query_file_is_its_header_and_its_sql(tmp_path):
    path = write(
        tmp_path,
        "10_papers_per_day.sql",
        "-- title: Papers per digest day\n"
        "-- description: How many papers each digest listed.\n"
        "-- chart: line\n"
        "-- x: digest_date\n"
        "-- y: papers\n"
        "\n"
        "select digest_date, count(*) as papers\n"
        "from digest_appearances -- one row per paper per day\n"
        "group by 1\n",
    )

    query = provision.parse_query_file(path)

    assert query.slug == "10_papers_per_day"
    assert query.title == "Papers per digest day"
    assert query.description == "How many papers each digest listed."
    assert query.chart == "line"
    assert query.sql == (
        "select digest_date, count(*) as papers\n"
        "from digest_appearances -- one row per paper per day\n"
        "group by 1"
    )
    display, settings = provision.card_display(query)
    assert display == "line"
    assert settings["graph.dimensions"] == ["digest_date"]
    assert settings["graph.metrics"] == ["papers"]


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("-- chart: line\nselect 1", "title"),
        ("-- title: No chart\nselect 1", "chart"),
        ("-- title: Only a header\n-- chart: table\n", "no SQL"),
    ],
)
def test_a_query_file_without_title_chart_or_sql_is_refused(tmp_path, text, complaint):
    with pytest.raises(ValueError, match=complaint):
        provision.parse_query_file(write(tmp_path, "bad.sql", text))


def test_titles_must_be_unique_because_cards_are_found_by_name(tmp_path):
    for name in ("a.sql", "b.sql"):
        write(tmp_path, name, "-- title: Same\n-- chart: table\nselect 1")
    with pytest.raises(ValueError, match="unique"):
        provision.load_queries(tmp_path)


def test_an_unknown_chart_kind_is_refused(tmp_path):
    query = provision.parse_query_file(write(tmp_path, "x.sql", "-- title: X\n-- chart: sankey\nselect 1"))
    with pytest.raises(ValueError, match="sankey"):
        provision.card_display(query)


def test_charts_share_rows_and_tables_span_the_grid(tmp_path):
    charts = ["line", "bar", "stacked area", "table", "bar"]
    for number, chart in enumerate(charts):
        write(tmp_path, f"{number}.sql", f"-- title: Q{number}\n-- chart: {chart}\nselect 1")
    layout = provision.dashboard_layout(provision.load_queries(tmp_path))

    assert [(p["row"], p["col"], p["size_x"]) for p in layout] == [
        (0, 0, 12), (0, 12, 12), (8, 0, 12), (16, 0, 24), (25, 0, 12)
    ]
    assert_no_overlap(layout)


def assert_no_overlap(layout):
    cells = set()
    for place in layout:
        assert 0 <= place["col"] and place["col"] + place["size_x"] <= provision.GRID_WIDTH
        for row in range(place["row"], place["row"] + place["size_y"]):
            for col in range(place["col"], place["col"] + place["size_x"]):
                assert (row, col) not in cells, f"{place['title']} overlaps another card"
                cells.add((row, col))


def test_rerunning_keeps_existing_dashcards_and_drops_stale_ones():
    layout = [
        {"title": "A", "row": 0, "col": 0, "size_x": 12, "size_y": 8},
        {"title": "B", "row": 0, "col": 12, "size_x": 12, "size_y": 8},
    ]
    existing = [{"id": 70, "card_id": 5}, {"id": 71, "card_id": 99}]  # 99: a question no file has now

    dashcards = provision.dashcards_payload(layout, {"A": 5, "B": 6}, existing)

    assert [(d["id"], d["card_id"]) for d in dashcards] == [(70, 5), (-2, 6)]


# --- the real query files ------------------------------------------------------------


@pytest.fixture(scope="module")
def queries():
    if not QUERIES_DIR.is_dir():
        pytest.fail(f"{QUERIES_DIR} is missing: the dashboards' SQL lives there")
    return provision.load_queries(QUERIES_DIR)


def test_the_metabase_payloads_come_from_every_query_file(queries):
    files = sorted(QUERIES_DIR.glob("*.sql"))
    database = provision.database_payload("/data/serving/warehouse.duckdb")
    cards = [provision.card_payload(query, database_id=7) for query in queries]
    layout = provision.dashboard_layout(queries)

    assert database["engine"] == "duckdb"
    assert database["details"] == {"database_file": "/data/serving/warehouse.duckdb", "read_only": True}
    assert len(cards) == len(files) > 0
    for path, card in zip(files, cards):
        query = provision.parse_query_file(path)
        assert card["name"] == query.title
        assert card["dataset_query"]["type"] == "native"
        assert card["dataset_query"]["database"] == 7
        assert card["dataset_query"]["native"]["query"] == query.limited_sql
        assert query.sql in path.read_text(encoding="utf-8")
        assert card["display"] in set(provision.DISPLAYS.values())
    assert [place["title"] for place in layout] == [card["name"] for card in cards]
    assert_no_overlap(layout)


def test_every_question_runs_on_the_sample_warehouse_with_the_columns_its_chart_uses(
    queries, samples_warehouse: Settings
):
    """What Metabase will run: the card's SQL on the serving file, read-only."""
    import duckdb

    with duckdb.connect(str(samples_warehouse.serving_db_path), read_only=True) as con:
        for query in queries:
            relation = con.sql(provision.card_payload(query, database_id=1)["dataset_query"]["native"]["query"])
            columns = relation.columns
            rows = relation.fetchall()
            assert rows, f"{query.slug}: no rows on the sample warehouse"
            _, settings = provision.card_display(query)
            for column in settings.get("graph.dimensions", []) + settings.get("graph.metrics", []):
                assert column in columns, f"{query.slug}: its chart names {column!r}, the SQL returns {columns}"


def test_a_row_limit_limits_the_chart_not_the_sql_a_filter_narrows(queries, samples_warehouse: Settings):
    """`-- row_limit: N`: the dataset keeps every row (a topic filter narrows all of them),
    the Superset chart and the Metabase card show the first N."""
    import duckdb

    spec = importlib.util.spec_from_file_location("superset_bundle", PROJECT_ROOT / "include" / "bi" / "superset" / "bundle.py")
    bundle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bundle)
    limited = [query for query in queries if query.row_limit]
    assert limited, "no query file uses -- row_limit"
    files = bundle.bundle_files("/data/serving/warehouse.duckdb")
    with duckdb.connect(str(samples_warehouse.serving_db_path), read_only=True) as con:
        for query in limited:
            every_row = con.sql(query.sql).fetchall()
            assert len(every_row) > query.row_limit, f"{query.slug}: the samples do not reach the limit"
            assert con.sql(query.limited_sql).fetchall() == every_row[: query.row_limit]
            chart = yaml.safe_load(files[f"charts/{query.slug}.yaml"])
            assert chart["params"]["row_limit"] == query.row_limit


def test_a_series_limit_keeps_the_series_with_the_highest_values(tmp_path, samples_warehouse: Settings):
    """`-- series_limit: N`: the Metabase card draws the N papers with the most upvotes,
    the Superset chart gets the same limit; the SQL itself keeps every paper."""
    import duckdb

    path = write(
        tmp_path,
        "07_upvotes.sql",
        "-- title: Upvotes\n-- chart: line\n-- x: observed_date\n-- y: upvotes\n-- series: paper_id\n"
        "-- series_limit: 2\n"
        "select observed_date, paper_id, upvotes from paper_upvotes_daily order by paper_id",
    )
    query = provision.parse_query_file(path)
    with duckdb.connect(str(samples_warehouse.serving_db_path), read_only=True) as con:
        peaks = con.sql(
            "select paper_id, max(upvotes) as peak from paper_upvotes_daily group by paper_id order by peak desc"
        ).fetchall()
        limited = con.sql(query.limited_sql).fetchall()
    assert len(peaks) > 2 and peaks[1][1] > peaks[2][1], "the samples cannot tell the top 2 papers apart"
    assert {paper_id for _, paper_id, _ in limited} == {paper_id for paper_id, _ in peaks[:2]}

    spec = importlib.util.spec_from_file_location("superset_bundle", PROJECT_ROOT / "include" / "bi" / "superset" / "bundle.py")
    bundle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bundle)
    params = {"row_limit": 10000}
    bundle._apply_limits(params, query)
    assert params == {"row_limit": 10000, "limit": 2}


def test_an_aggregated_chart_sums_its_rows_per_x_and_series_in_metabase(tmp_path, samples_warehouse: Settings):
    """`-- aggregate: sum`: the query file keeps a row per digest day (the Superset dashboard's
    date filter narrows them); the Metabase card, which has no filter, gets one row per bar segment."""
    import duckdb

    query = provision.parse_query_file(
        write(
            tmp_path,
            "kinds.sql",
            "-- title: Kinds\n-- chart: stacked bar\n-- x: topic_name\n-- y: papers\n-- series: paper_kind\n"
            "-- aggregate: sum\n"
            "select appearances.digest_date, topics.topic_name, papers.paper_kind, count(*) as papers\n"
            "from digest_appearances as appearances inner join papers using (paper_id)\n"
            "inner join topics on topics.topic_id = papers.primary_topic_id group by all",
        )
    )
    with duckdb.connect(str(samples_warehouse.serving_db_path), read_only=True) as con:
        by_day = con.sql(query.sql).fetchall()
        card = con.sql(query.limited_sql).fetchall()
    summed: dict[tuple[str, str], int] = {}
    for _, topic, kind, papers in by_day:
        summed[(topic, kind)] = summed.get((topic, kind), 0) + papers
    assert len(by_day) > len(summed), "the samples have no topic and kind on two digest days"
    assert {(topic, kind): papers for topic, kind, papers in card} == summed
    assert len(card) == len(summed)


def test_an_unknown_aggregate_is_refused(tmp_path):
    query = provision.parse_query_file(
        write(tmp_path, "x.sql", "-- title: X\n-- chart: bar\n-- x: a\n-- y: b\n-- aggregate: median\nselect 1 as a, 2 as b")
    )
    with pytest.raises(ValueError, match="median"):
        query.limited_sql


def test_the_paper_kinds_card_counts_the_recent_papers_of_the_top_topics_by_kind(queries, samples_warehouse: Settings):
    """'What kinds of papers trend, by topic' in Metabase: a stacked bar per topic (the ten with the
    most papers first seen in the last 30 digest days), a segment per kind, counted from the marts."""
    import duckdb

    query = next(query for query in queries if query.slug == "08_paper_kinds_by_topic")
    card = provision.card_payload(query, database_id=1)
    assert card["display"] == "bar"
    assert card["visualization_settings"] == {
        "graph.dimensions": ["topic_name", "paper_kind"],
        "graph.metrics": ["papers"],
        "stackable.stack_type": "stacked",
    }
    with duckdb.connect(str(samples_warehouse.serving_db_path), read_only=True) as con:
        drawn = con.sql(card["dataset_query"]["native"]["query"]).fetchall()
        papers = con.sql(
            """
            with last_days as (select distinct digest_date from digest_appearances order by digest_date desc limit 30)
            select topics.topic_name, papers.paper_kind
            from papers inner join topics on topics.topic_id = papers.primary_topic_id
            where papers.first_seen_date in (select digest_date from last_days)
            """
        ).fetchall()
    per_topic: dict[str, int] = {}
    per_segment: dict[tuple[str, str], int] = {}
    for topic, kind in papers:
        per_topic[topic] = per_topic.get(topic, 0) + 1
        per_segment[(topic, kind)] = per_segment.get((topic, kind), 0) + 1
    top = sorted(per_topic, key=lambda topic: (-per_topic[topic], topic))[:10]
    assert {(topic, kind): count for topic, kind, count in drawn} == {
        key: count for key, count in per_segment.items() if key[0] in top
    }
    assert len(drawn) == len({(topic, kind) for topic, kind, _ in drawn}), "one row per bar segment"
    assert list(dict.fromkeys(topic for topic, _, _ in drawn)) == top, "the biggest bar first"
