"""The `papertrend` command: the pipeline's steps outside Airflow.

    papertrend ingest PATH... [--date YYYY-MM-DD] [--accept-row-count-drop]
                                                    land dumps (exit 1 if any is rejected)
    papertrend build [--full-refresh]               build and publish the warehouse
    papertrend backfill DIR                         ingest every dump in DIR, then build once

One writer at a time per data root: a command that finds another writer
running exits 75 (EX_TEMPFAIL) with one line naming it, having done nothing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

from papertrend.settings import get_settings
from papertrend.writers import EXIT_LOCKED, DataRootLocked, exclusive_writer, writer_child_process

EXIT_REJECTED = 1
EXIT_FAILED = 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except DataRootLocked as busy:
        print(f"papertrend: {busy}", file=sys.stderr)
        return EXIT_LOCKED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="papertrend",
        description="Land trending-papers digests and build the papertrend warehouse. "
        "Data root: $PAPERTREND_DATA_DIR (default: data/ in the project).",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest",
        help="land one or many dumps (text, HF API JSON, flat JSON)",
        description="Parse, validate and land dumps. Each dump is accepted whole or rejected "
        "whole; rejected dumps go to quarantine. Exits 1 when any dump is rejected.",
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="dump files")
    ingest.add_argument("--date", type=_iso_date, help="the digest date (YYYY-MM-DD) of every PATH")
    ingest.add_argument(
        "--accept-row-count-drop",
        action="store_true",
        help="land text digests far smaller than recent days (quarantined as row_count_drop "
        "otherwise): for a day known to be small",
    )
    ingest.set_defaults(handler=_ingest)

    build = commands.add_parser("build", help="build the warehouse from the lake and publish it")
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental marts")
    build.set_defaults(handler=_build)

    backfill = commands.add_parser(
        "backfill",
        help="ingest every dump in a folder in one batch, then build the warehouse once",
    )
    backfill.add_argument("folder", type=Path, help="folder of dumps with YYYY-MM-DD in their names")
    backfill.set_defaults(handler=_backfill)

    migrate = commands.add_parser(
        "migrate-lake",
        help="bring a lake an older papertrend wrote to the current layout",
        description="Older versions repeated the partition column digest_date inside every lake "
        "file, which pandas, pyarrow datasets, polars and Spark refuse to read, and kept one "
        "part-0.parquet per day instead of one file per source format. This rewrites and renames "
        "those files, one atomic replace each, and keeps the upvotes of the dumps already landed "
        "as observations of their own day; running it again changes nothing.",
    )
    migrate.set_defaults(handler=_migrate_lake)
    return parser


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a YYYY-MM-DD date") from None


def _ingest(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.is_file()]
    if missing:
        print("no such file: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    return _run_ingest(args.paths, args.date, accept_row_count_drop=args.accept_row_count_drop)


def _run_ingest(paths: list[Path], digest_date: date | None, accept_row_count_drop: bool = False) -> int:
    from papertrend.ingest import ingest_dumps

    def progress(index: int, total: int, source: str) -> None:
        if total > 1:
            print(f"[{index}/{total}] reading {source}", file=sys.stderr, flush=True)

    outcomes = ingest_dumps(
        paths, digest_date, progress=progress, accept_row_count_drop=accept_row_count_drop
    )
    for outcome in outcomes:
        print(outcome.summary_line())
    rejected = sum(o.rejected for o in outcomes)
    settings = get_settings()
    print(f"{len(outcomes) - rejected} of {len(outcomes)} dump(s) accepted; lake: {settings.location(settings.digest_entries_dir)}")
    if rejected:
        print(f"{rejected} rejected; see {settings.location(settings.quarantine_dir)}", file=sys.stderr)
    return EXIT_REJECTED if rejected else 0


def _build(args: argparse.Namespace) -> int:
    from papertrend.warehouse import WarehouseBuildError, build_warehouse

    try:
        report = build_warehouse(full_refresh=args.full_refresh)
    except WarehouseBuildError as failure:
        print(f"{failure}\nthe previous warehouse stays published", file=sys.stderr)
        return EXIT_FAILED
    print(report.summary())
    return 0


def _migrate_lake(args: argparse.Namespace) -> int:
    from papertrend.landing.lake import migrate_partition_files
    from papertrend.landing.upvotes import observe_landed_dumps

    settings = get_settings()
    with exclusive_writer(settings):  # it rewrites lake files: a writer like ingest
        migrated = migrate_partition_files(settings.digest_entries_dir)
        observed = observe_landed_dumps(settings.digest_entries_dir, settings.upvote_observations_dir)
    print(
        f"{len(migrated)} lake file(s) migrated (digest_date only in the folder name, one file per "
        f"source format); lake: {settings.location(settings.digest_entries_dir)}"
    )
    print(f"{len(observed)} upvote observation(s) written for dumps landed before observations were kept")
    return 0


def _backfill(args: argparse.Namespace) -> int:
    from papertrend.warehouse.build import parse_project

    paths = sorted(p for p in args.folder.iterdir() if p.is_file() and not p.name.startswith("."))
    # One lock for both steps: no other writer between the ingest and its build.
    settings = get_settings()
    with exclusive_writer(settings):
        started, started_cpu = time.perf_counter(), _cpu_seconds()
        # The ingest in a child process that exits before the build: the build's DuckDB
        # then runs beside dbt alone, not also beside the ingest's Great Expectations,
        # pandas and parsed dumps (about 300 MB, which made the backfill's peak).
        # Meanwhile this process parses the dbt project, which the build then reuses.
        ingest_status = writer_child_process(
            settings, [sys.executable, "-m", "papertrend.cli", "ingest", "--", *map(str, paths)],
            while_running=lambda: parse_project(settings),
        )
        ingested, ingested_cpu = time.perf_counter(), _cpu_seconds()
        build_status = _build(argparse.Namespace(full_refresh=False))
        built, built_cpu = time.perf_counter(), _cpu_seconds()
    # CPU beside wall time: on a shared machine the wall time says more about the neighbours
    print(
        f"backfill: {len(paths)} dump(s), ingest {ingested - started:.1f} s"
        f" (CPU {ingested_cpu - started_cpu:.1f} s), build {built - ingested:.1f} s"
        f" (CPU {built_cpu - ingested_cpu:.1f} s), total {built - started:.1f} s"
        f" (CPU {built_cpu - started_cpu:.1f} s)"
    )
    return ingest_status or build_status


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    sys.exit(main())
