"""Rewrite the outputs of the README's "Five useful queries" from a sample warehouse.

    .venv/bin/python scripts/refresh_readme_queries.py [--serving-file PATH]

tests/dbt/test_readme_queries.py checks that each query there prints exactly
the output shown. When the models change what the samples give (a taxonomy
edit moves a paper to another topic), run this, read the diff, and commit it.
Without --serving-file it lands the bundled samples and builds the warehouse in
a temporary data root, as `make run` does.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from papertrend.pipeline import build_sample_warehouse
from papertrend.settings import PROJECT_ROOT
from papertrend.warehouse.reading import open_serving

README = PROJECT_ROOT / "README.md"
SECTION = "### Five useful queries"
QUERY_AND_OUTPUT = re.compile(r"(```sql\n(.*?)```\n\n```\n)(.*?)(```)", re.S)


def refreshed_readme(text: str, serving_file: Path) -> str:
    start = text.index(SECTION)
    end = text.index("\n## ", start)
    with open_serving(serving_file) as con:
        section = QUERY_AND_OUTPUT.sub(
            lambda match: f"{match.group(1)}{str(con.sql(match.group(2))).strip()}\n{match.group(4)}",
            text[start:end],
        )
    return text[:start] + section + text[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serving-file", type=Path, help="a serving file built from the bundled samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="papertrend-readme-") as tmp:
        serving_file = args.serving_file or build_sample_warehouse(Path(tmp) / "data")
        before = README.read_text(encoding="utf-8")
        after = refreshed_readme(before, serving_file)
    README.write_text(after, encoding="utf-8")
    print("README.md: query outputs " + ("unchanged" if after == before else "rewritten; review `git diff README.md`"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
