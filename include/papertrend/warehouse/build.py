"""`papertrend build`: dbt build into a build file, then publish it for readers.

DuckDB allows one writer or many readers. dbt writes only the build file;
publishing copies its marts into a new serving file and Parquet, and switches
readers to both in one rename (:mod:`papertrend.warehouse.publish`). A failed
model or test publishes nothing: the previous serving file and Parquet stay.
"""

from __future__ import annotations

import logging
import shutil
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from papertrend import object_store
from papertrend.duckdb_connections import connect, sql_literal
from papertrend.settings import DBT_PROJECT_DIR, Settings, get_settings, temporary_environment
from papertrend.warehouse import publish
from papertrend.writers import exclusive_writer

log = logging.getLogger(__name__)

# The file format Metabase's bundled DuckDB (1.5) can read; also set in profiles.yml.
STORAGE_COMPATIBILITY_VERSION = "v1.5.0"
MARTS_SCHEMA = "main"
# dbt's target/ file -> its name in docs/dbt/. static_index.html (`docs generate --static`)
# inlines the manifest and catalog, so the site opens from disk: the plain index.html
# fetches manifest.json, which a browser refuses over file:// and stays at "(loading)".
DOCS_FILES = {"static_index.html": "index.html", "catalog.json": "catalog.json", "manifest.json": "manifest.json"}
_FAILED_STATUSES = {"error", "fail", "runtime error"}


@dataclass(frozen=True)
class NodeResult:
    name: str
    resource_type: str
    status: str
    seconds: float
    rows_affected: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class BuildReport:
    serving_db_path: Path
    marts_dir: Path
    docs_dir: Path | None
    full_refresh: bool
    seconds: float
    first_build: bool
    dbt_build_seconds: float
    nodes: tuple[NodeResult, ...]
    mart_row_counts: dict[str, int] = field(default_factory=dict)
    # s3://... when the data root is an object store (the paths above are the workspace's copies)
    data_root_uri: str | None = None

    @property
    def kind(self) -> str:
        if self.first_build:
            return "first build"
        return "full refresh" if self.full_refresh else "incremental"

    @property
    def models(self) -> tuple[NodeResult, ...]:
        return tuple(n for n in self.nodes if n.resource_type == "model")

    def summary(self) -> str:
        """What a CLI or an Airflow task log shows."""
        tests = [n for n in self.nodes if n.resource_type in ("test", "unit_test")]
        lines = [
            f"warehouse built in {self.seconds:.1f}s (dbt build {self.dbt_build_seconds:.1f}s)"
            f" ({self.kind}):"
            f" {len(self.models)} models, {len(tests)} tests passed",
            *(f"  {name:<20} {count:>8} rows" for name, count in sorted(self.mart_row_counts.items())),
            f"serving file: {self.serving_db_path}",
            f"marts as Parquet: {self.marts_dir}",
        ]
        if self.docs_dir:
            lines.append(f"dbt docs: {self.docs_dir / 'index.html'}")
        if self.data_root_uri:
            lines.append(
                f"published to {self.data_root_uri}: warehouse/serving/CURRENT names the version"
                " (warehouse/serving/versions/<version>/), with copies at warehouse/serving/warehouse.duckdb"
                " and warehouse/marts/"
            )
        return "\n".join(lines)


class WarehouseBuildError(RuntimeError):
    """dbt build failed; nothing was published."""

    def __init__(self, message: str, failed_nodes: tuple[NodeResult, ...] = ()):
        self.failed_nodes = failed_nodes
        lines = [message] + [
            f"  - {n.resource_type} {n.name}: {n.status}: {(n.message or '').strip()[:500]}"
            for n in failed_nodes
        ]
        super().__init__("\n".join(lines))


def build_warehouse(settings: Settings | None = None, full_refresh: bool = False) -> BuildReport:
    """Run `dbt build` on the lake, publish the serving file and marts, generate dbt docs.
    Raises DataRootLocked when another writer holds the data root."""
    settings = settings or get_settings()
    with exclusive_writer(settings):
        return _build_locked(settings, full_refresh)


def parse_project(settings: Settings) -> None:
    """Parse the dbt project ahead of a build on this data root: dbt keeps the result in its
    target folder (partial_parse.msgpack), and the build then only checks that nothing
    changed (about 1 s instead of 3.5 s). A backfill does it while its ingest runs. A
    failure is only logged: the build parses again and reports it."""
    with _dbt_environment(settings):
        result = _invoke_dbt(settings, ["parse"])
    if not result.success:
        log.warning("dbt parse ahead of the build failed: %s", result.exception)


def _build_locked(settings: Settings, full_refresh: bool) -> BuildReport:
    started = time.monotonic()
    if not any(settings.digest_entries_dir.glob("*/*.parquet")):
        raise WarehouseBuildError(f"the lake has no digest entries under {settings.digest_entries_dir}")
    first_build = not settings.build_db_path.exists()
    settings.build_db_path.parent.mkdir(parents=True, exist_ok=True)

    # dbt reads the lake where readers do: on an object-store root, the store (through
    # httpfs), which must first hold what this writer (a backfill's ingest) landed.
    object_store.push(settings)
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    dbt_started = time.monotonic()
    with _dbt_environment(settings):
        result = _invoke_dbt(settings, args)
    dbt_build_seconds = round(time.monotonic() - dbt_started, 2)
    nodes = _node_results(result)
    failed = tuple(n for n in nodes if n.status in _FAILED_STATUSES)
    if failed or not result.success:
        detail = f": {result.exception}" if result.exception else ""
        raise WarehouseBuildError(f"dbt build failed, nothing published{detail}", failed)

    row_counts = _publish(settings, _marts(result))
    docs_dir = _generate_docs(settings)
    return BuildReport(
        serving_db_path=settings.serving_db_path,
        marts_dir=settings.marts_dir,
        docs_dir=docs_dir,
        full_refresh=full_refresh,
        seconds=round(time.monotonic() - started, 2),
        first_build=first_build,
        dbt_build_seconds=dbt_build_seconds,
        nodes=nodes,
        mart_row_counts=row_counts,
        data_root_uri=settings.data_root_uri,
    )


def _dbt_dir(settings: Settings, name: str) -> Path:
    # target/ and logs/ live with the build, not in the repository, so parallel
    # data roots (tests, CI) never share dbt's partial-parse state.
    return settings.warehouse_dir / "dbt" / name


def _dbt_environment(settings: Settings) -> AbstractContextManager[None]:
    """profiles.yml and the sources read these; the caller's environment is restored after."""
    return temporary_environment({
        "PAPERTREND_DATA_DIR": settings.data_root,
        "PAPERTREND_BUILD_DB_PATH": str(settings.build_db_path),
        "PAPERTREND_LAKE_DIR": settings.location(settings.lake_dir),
        "DO_NOT_TRACK": "1",
    })


def _invoke_dbt(settings: Settings, args: list[str]):
    from dbt.cli.main import dbtRunner

    common = [
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(_dbt_dir(settings, "target")),
        "--log-path", str(_dbt_dir(settings, "logs")),
        "--quiet",
    ]
    return dbtRunner().invoke(args + common)


def _node_results(result) -> tuple[NodeResult, ...]:
    run_results = getattr(result, "result", None)
    if run_results is None or not hasattr(run_results, "results"):
        return ()
    nodes = []
    for r in run_results.results:
        response = r.adapter_response or {}
        nodes.append(
            NodeResult(
                name=r.node.name,
                resource_type=str(r.node.resource_type),
                status=str(r.status),
                seconds=round(r.execution_time or 0.0, 3),
                rows_affected=response.get("rows_affected"),
                message=r.message,
            )
        )
    return tuple(nodes)


def _marts(result) -> list[MartDocs]:
    """The mart models of this build with their dbt descriptions, which the serving file carries as comments."""
    return sorted(
        (
            MartDocs(
                name=r.node.name,
                description=r.node.description or "",
                column_descriptions={c.name: c.description for c in r.node.columns.values() if c.description},
            )
            for r in result.result.results
            if str(r.node.resource_type) == "model" and "marts" in r.node.fqn
        ),
        key=lambda mart: mart.name,
    )


@dataclass(frozen=True)
class MartDocs:
    name: str
    description: str
    column_descriptions: dict[str, str]


MARTS_README = """# papertrend marts, one folder each

Each mart of the published warehouse is a folder holding one Parquet file:
read a mart's folder (pandas.read_parquet("marts/papers"), polars, pyarrow,
DuckDB's read_parquet('marts/papers/*.parquet')), not this folder, which
holds seven different tables. The same build as serving/warehouse.duckdb.

{marts}
"""


def _publish(settings: Settings, marts: list[MartDocs]) -> dict[str, int]:
    """Copy the marts of the build file into a new serving file, export them as Parquet, switch both in one rename.

    The serving file holds the marts only, in its default schema, with their dbt
    descriptions as table and column comments: BI tools list exactly what they
    should read, and staging or intermediate tables never leak into a dashboard.
    Both are written into a version folder that readers do not see until
    :func:`publish.switch_to` (see :mod:`papertrend.warehouse.publish`).
    """
    import duckdb

    version = publish.new_version(settings)
    staged_db = version / settings.serving_db_path.name
    # The build's limit (profiles.yml) here too: with DuckDB's default (80% of RAM) copying
    # the 3-year marts peaked above the whole dbt build (1.3 against 1.2 GiB in a backfill).
    memory_limit = _dbt_duckdb_setting("memory_limit")
    try:
        # Through the build file's connection: dbt-duckdb may still hold it open in this
        # process, so the same config as profiles.yml's config_options.
        with connect(
            str(settings.build_db_path),
            config={"storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION},
        ) as con:
            # (a setting, not config: the instance dbt opened may still be the one connected to)
            con.execute(f"SET memory_limit = {sql_literal(memory_limit)}")
            # ATTACH takes no bound parameters in DuckDB 1.5: a quoted literal (a data root may hold quotes)
            con.execute(f"ATTACH {sql_literal(str(staged_db))} AS serving (STORAGE_VERSION '{STORAGE_COMPATIBILITY_VERSION}')")
            for mart in marts:
                con.execute(f'CREATE TABLE serving.{MARTS_SCHEMA}."{mart.name}" AS SELECT * FROM {MARTS_SCHEMA}."{mart.name}"')
                _comment_mart(con, mart)
            con.execute("DETACH serving")

        row_counts = {}
        with duckdb.connect(str(staged_db), read_only=True, config={"memory_limit": memory_limit}) as con:
            for mart in marts:
                target = settings.mart_parquet_path(mart.name, version / publish.MARTS_DIR)
                target.parent.mkdir()
                # The path as a parameter: a data root may hold quotes.
                con.execute(
                    f"COPY (SELECT * FROM {MARTS_SCHEMA}.\"{mart.name}\") TO ? "
                    "(FORMAT parquet, COMPRESSION zstd)",
                    [str(target)],
                )
                row_counts[mart.name] = con.execute(f'SELECT count(*) FROM {MARTS_SCHEMA}."{mart.name}"').fetchone()[0]
        # Also a guard: a Parquet reader pointed at marts/ itself fails on this file
        # instead of silently stacking seven different tables under one schema.
        (version / publish.MARTS_DIR / "README.md").write_text(MARTS_README.format(
            marts="\n".join(f"- {mart.name}/{mart.name}.parquet: {mart.description.strip()}" for mart in marts)
        ))

        publish.switch_to(settings, version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    log.info("published %s (%s)", version, row_counts)
    return row_counts


def _dbt_duckdb_setting(name: str) -> str:
    """A DuckDB setting of the dbt profile's build target (profiles.yml ``settings``)."""
    import yaml

    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    return str(profiles["papertrend"]["outputs"]["build"]["settings"][name])


def _comment_mart(con, mart: MartDocs) -> None:
    """dbt's descriptions as DuckDB comments on the attached serving file, which SQL clients and BI tools show."""
    table = f'serving.{MARTS_SCHEMA}."{mart.name}"'
    con.execute(f"COMMENT ON TABLE {table} IS {_sql_string(mart.description)}")
    columns = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    for column, description in mart.column_descriptions.items():
        if column not in columns:
            continue
        con.execute(f'COMMENT ON COLUMN {table}."{column}" IS {_sql_string(description)}')


def _sql_string(text: str) -> str:
    # COMMENT ON takes no bound parameters
    return sql_literal(text.strip())


def _generate_docs(settings: Settings) -> Path | None:
    """dbt docs into <data root>/docs/dbt; a docs failure is logged, the published warehouse stands."""
    with _dbt_environment(settings):
        result = _invoke_dbt(settings, ["docs", "generate", "--static"])
    if not result.success:
        log.warning("dbt docs generate failed: %s", result.exception)
        return None
    target = _dbt_dir(settings, "target")
    settings.dbt_docs_dir.mkdir(parents=True, exist_ok=True)
    for name, published in DOCS_FILES.items():
        shutil.copyfile(target / name, settings.dbt_docs_dir / published)
    return settings.dbt_docs_dir
