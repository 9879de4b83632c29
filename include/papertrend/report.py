"""A short, human report of what the pipeline holds: what `make run` prints."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from papertrend.settings import Settings, get_settings

MARTS = (
    "papers", "topics", "paper_topics", "paper_links", "digest_appearances", "topic_daily_trends",
    "paper_upvotes_daily",
)

EXAMPLE_QUERY = """\
select t.topic_name, count(*) as papers, round(avg(p.has_code::int) * 100) as pct_with_code
from papers p join topics t on t.topic_id = p.primary_topic_id
group by t.topic_name order by papers desc, t.topic_name limit 5"""


def pipeline_report(settings: Settings | None = None) -> str:
    from papertrend.landing.ledger import read_ledger
    from papertrend.warehouse.reading import open_serving

    settings = settings or get_settings()
    lines = ["", "== papertrend: what the pipeline holds =="]

    ledger = read_ledger(settings.location(settings.ledger_dir)).to_pylist()
    lines.append(f"dumps seen: {len(ledger)} ledger rows")
    for entry in ledger:
        day = entry["digest_date"] or "????-??-??"
        rows = entry["row_count"] if entry["row_count"] is not None else "-"
        lines.append(f"  {entry['status']:<9} {day}  {rows:>4}  {entry['source_uri']}")

    if settings.data_root_uri:
        return "\n".join(lines + _object_store_report(settings))
    serving = settings.serving_db_path
    if not serving.exists():
        lines.append(f"no warehouse published yet at {serving}")
        return "\n".join(lines)
    with open_serving(serving) as con:
        lines.append("marts (rows):")
        for mart in MARTS:
            count = con.execute(f"select count(*) from {mart}").fetchone()[0]
            lines.append(f"  {mart:<20} {count:>6}")
        lines.append("example query, top topics and their share of papers with code:")
        lines.append("  " + EXAMPLE_QUERY.replace("\n", "\n  "))
        for topic, papers, pct in con.execute(EXAMPLE_QUERY).fetchall():
            lines.append(f"    {topic:<45} {papers:>4} papers  {pct:>3.0f}% with code")

    lines += [
        f"serving file (open read-only): {serving}",
        f"marts as Parquet:              {settings.marts_dir}",
        f"Great Expectations Data Docs:  {settings.gx_docs_dir / 'index.html'}",
        f"dbt docs:                      {settings.dbt_docs_dir / 'index.html'}",
        f"query it:  .venv/bin/python -c {shlex.quote(_example_code(serving))}",
    ]
    return "\n".join(lines)


def _object_store_report(settings: Settings) -> list[str]:
    """Where the published warehouse is in the store, read from there as a reader would
    (another machine, a Celery worker, may have published it)."""
    from papertrend.warehouse.reading import open_serving, serving_location

    try:
        location = serving_location(settings)
    except FileNotFoundError as nothing_yet:
        return [str(nothing_yet)]
    with open_serving(location) as con:
        counts = {mart: con.execute(f"select count(*) from {mart}").fetchone()[0] for mart in MARTS}
    return [
        "marts (rows), read from the store:",
        *(f"  {mart:<20} {count:>6}" for mart, count in counts.items()),
        f"published version (warehouse/serving/CURRENT): {location}",
        f"serving file (a copy of it):   {settings.location(settings.serving_db_path)}",
        f"marts as Parquet:              {settings.location(settings.marts_dir)}",
        f"Great Expectations Data Docs:  {settings.location(settings.gx_docs_dir / 'index.html')}",
        f"dbt docs:                      {settings.location(settings.dbt_docs_dir / 'index.html')}",
        "query it: ATTACH the version read-only from DuckDB with httpfs and an S3 secret, or in Python:",
        "  from papertrend.warehouse.reading import open_serving, serving_location; "
        "from papertrend.settings import get_settings",
        "  with open_serving(serving_location(get_settings())) as con: print(con.sql('from papers limit 5'))",
    ]


def _example_code(serving: Path) -> str:
    """A Python one-liner opening the serving file; copied to a shell as printed,
    whatever quotes the data root holds (the path is a JSON, so Python, string)."""
    path = json.dumps(str(serving))
    return f'import duckdb; print(duckdb.connect({path}, read_only=True).sql("from papers limit 5"))'
