"""The README's five queries run as shown: same SQL, same output, on a warehouse
built from the three bundled samples."""

from __future__ import annotations

import re

import pytest

from papertrend.settings import PROJECT_ROOT, SAMPLES_DIR, get_settings

pytestmark = pytest.mark.slow

README = PROJECT_ROOT / "README.md"


def readme_queries() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Five useful queries") : text.index("## The command line")]
    return re.findall(r"```sql\n(.*?)```\n\n```\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def samples_warehouse(tmp_path_factory):
    import duckdb

    from papertrend.ingest import ingest_or_raise
    from papertrend.warehouse import build_warehouse

    root = tmp_path_factory.mktemp("readme_root")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERTREND_DATA_DIR", str(root))
        settings = get_settings()
        ingest_or_raise(sorted(SAMPLES_DIR.iterdir()), settings=settings)
        build_warehouse(settings)
        with duckdb.connect(str(settings.serving_db_path), read_only=True) as con:
            yield con


def test_readme_shows_five_queries():
    assert len(readme_queries()) == 5


@pytest.mark.parametrize("index", range(5))
def test_readme_query_gives_the_output_shown(samples_warehouse, index):
    sql, shown = readme_queries()[index]
    # DuckDB renders a relation exactly as the README shows it.
    assert str(samples_warehouse.sql(sql)).strip() == shown.strip()
