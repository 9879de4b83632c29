"""Zip the "Trending papers" dashboard (include/bi/superset) for `superset import-dashboards`.

    python include/bi/superset/bundle.py --serving-file /abs/warehouse.duckdb --output bundle.zip
    python include/bi/superset/import_bundle.py bundle.zip --username admin

The YAML files next to this script are Superset's own export format, kept
unzipped and readable. At zip time:

- ``__SERVING_FILE__`` in databases/papertrend.yaml becomes the serving file's
  path as Superset sees it (compose: /data/serving/warehouse.duckdb);
- every dataset's ``sql`` becomes the body of the query file of the same name in
  include/bi/queries (datasets/papertrend/01_papers_per_day.yaml <-
  queries/01_papers_per_day.sql), parsed by the same ``parse_query_file`` the
  Metabase provisioning uses: the SQL lives once;
- a query file's ``-- row_limit: N`` becomes its chart's row limit, and
  ``-- series_limit: N`` its series limit (the dataset returns every row, so a
  dashboard filter narrows all of them).

Needs only the standard library and PyYAML (Superset's venv and image have it).
Importing twice does not duplicate anything: every object has a fixed uuid, and
import_bundle.py overwrites what an older bundle left.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

import yaml

BUNDLE_DIR = Path(__file__).resolve().parent
QUERIES_DIR = BUNDLE_DIR.parent / "queries"
ROOT_FOLDER = "papertrend_trending_papers"
SERVING_FILE_PLACEHOLDER = "__SERVING_FILE__"
DASHBOARD_UUID = "d09cd783-1370-586d-aab0-4ff28c3adda4"
DASHBOARD_SLUG = "trending-papers"


def _query_parser():
    """include/bi/metabase/provision.py's parser (one parser for both BI tools)."""
    module = sys.modules.get("papertrend_bi_provision")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "papertrend_bi_provision", BUNDLE_DIR.parent / "metabase" / "provision.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


def load_queries(queries_dir: Path = QUERIES_DIR) -> dict[str, Any]:
    """The query files by slug (file stem), as provision.load_queries parses them."""
    return {query.slug: query for query in _query_parser().load_queries(Path(queries_dir))}


def bundle_files(
    serving_file: str, bundle_dir: Path = BUNDLE_DIR, queries_dir: Path = QUERIES_DIR
) -> dict[str, str]:
    """The bundle's files (path inside the export -> YAML text), placeholders filled."""
    queries = load_queries(queries_dir)
    files: dict[str, str] = {}
    for path in sorted(bundle_dir.rglob("*.yaml")):
        relative = path.relative_to(bundle_dir).as_posix()
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        if relative.startswith("databases/"):
            config["sqlalchemy_uri"] = config["sqlalchemy_uri"].replace(
                SERVING_FILE_PLACEHOLDER, serving_file
            )
        elif relative.startswith("datasets/"):
            if path.stem not in queries:
                raise ValueError(f"{relative}: no include/bi/queries/{path.stem}.sql")
            config["sql"] = queries[path.stem].sql
        elif relative.startswith("charts/") and path.stem in queries:
            _apply_limits(config["params"], queries[path.stem])
        files[relative] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    datasets = {Path(name).stem for name in files if name.startswith("datasets/")}
    missing = sorted(set(queries) - datasets)
    if missing:
        raise ValueError(f"query files without a Superset dataset: {missing}")
    return files


def _apply_limits(params: dict[str, Any], query: Any) -> None:
    """The query file's row and series limits as the chart's (Superset calls the series limit `limit`)."""
    if query.row_limit:
        params["row_limit"] = query.row_limit
    if query.series_limit:
        params["limit"] = query.series_limit


def build_bundle(serving_file: str, output: Path | None = None, **folders: Path) -> bytes:
    """The ZIP Superset imports (written to output when given)."""
    return zip_bundle(bundle_files(serving_file, **folders), output)


def zip_bundle(files: dict[str, str], output: Path | None = None) -> bytes:
    """Bundle files (path inside the export -> YAML text) as the ZIP Superset imports."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in files.items():
            bundle.writestr(f"{ROOT_FOLDER}/{name}", text)
    data = buffer.getvalue()
    if output is not None:
        Path(output).write_bytes(data)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--serving-file",
        required=True,
        help="the serving file's absolute path as Superset sees it",
    )
    parser.add_argument("--output", required=True, type=Path, help="the ZIP to write")
    args = parser.parse_args(argv)
    if not args.serving_file.startswith("/"):
        parser.error("--serving-file must be an absolute path")
    build_bundle(args.serving_file, args.output)
    print(f"wrote {args.output} (serving file {args.serving_file})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
