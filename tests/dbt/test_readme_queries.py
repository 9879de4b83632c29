"""The README's five queries run as shown: same SQL, same output, on a warehouse
built from the three bundled samples."""

from __future__ import annotations

import re

import pytest

from papertrend.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

README = PROJECT_ROOT / "README.md"


def readme_queries() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Five useful queries")
    section = text[start : text.index("\n## ", start)]
    return re.findall(r"```sql\n(.*?)```\n\n```\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def serving(samples_warehouse):
    import duckdb

    with duckdb.connect(str(samples_warehouse.serving_db_path), read_only=True) as con:
        yield con


def test_readme_shows_five_queries():
    assert len(readme_queries()) == 5


@pytest.mark.parametrize("index", range(5))
def test_readme_query_gives_the_output_shown(serving, index):
    sql, shown = readme_queries()[index]
    # DuckDB renders a relation exactly as the README shows it.
    assert str(serving.sql(sql)).strip() == shown.strip()
