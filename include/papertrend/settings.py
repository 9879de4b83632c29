"""The one place that reads the environment.

Every path the pipeline writes hangs off one data root so that a test, a CI run
or a production deployment only has to change ``PAPERTREND_DATA_DIR``.
Settings are read on each call (not cached at import) so tests can point the
pipeline at a temporary root by setting the environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
GX_PROJECT_DIR = PROJECT_ROOT / "include" / "gx"
SAMPLES_DIR = PROJECT_ROOT / "samples" / "digests"

# A digest is a few hundred KB; anything this large is not a digest and would
# only exhaust memory in the parser.
DEFAULT_MAX_DUMP_BYTES = 50 * 1024 * 1024
# The HTTP source: one day's fetch (every page, retries and redirects included)
# must finish within this many seconds, and its bodies may total at most this
# many bytes (a day of the API is well under 1 MiB; more is a broken or hostile server).
DEFAULT_HTTP_DEADLINE_SECONDS = 600.0
DEFAULT_HTTP_MAX_BODY_BYTES = 50 * 1024 * 1024
# Upvotes on Hugging Face keep moving for a week or two after a paper's day: each
# daily run fetches the API's last this many days again, to observe them.
DEFAULT_UPVOTE_LOOKBACK_DAYS = 7


OBJECT_STORE_SCHEMES = ("s3://",)


@dataclass(frozen=True)
class Settings:
    # Where the pipeline's files are: the data root itself or, when the data root is
    # an object store (``data_root_uri``), this machine's workspace that mirrors it
    # (papertrend.object_store: writers pull from and push to the store).
    data_dir: Path
    max_dump_bytes: int = DEFAULT_MAX_DUMP_BYTES
    http_timeout_seconds: float = 30.0
    http_max_retries: int = 5
    http_deadline_seconds: float = DEFAULT_HTTP_DEADLINE_SECONDS
    http_max_body_bytes: int = DEFAULT_HTTP_MAX_BODY_BYTES
    # The ingest run waits for a day's digest until this many hours after the
    # day began (UTC), then fails. A float, so a test can set a deadline seconds away.
    digest_deadline_hours: float = 36
    upvote_lookback_days: int = DEFAULT_UPVOTE_LOOKBACK_DAYS
    # s3://bucket/prefix when PAPERTREND_DATA_DIR names an object store, else None.
    data_root_uri: str | None = None
    # On an object store: how long a writer's lease on the data root lasts without
    # renewal (renewed every quarter of it): how long a killed writer blocks the next.
    writer_lease_seconds: float = 300

    @property
    def data_root(self) -> str:
        """The data root as the operator named it: a folder or an s3:// URI."""
        return self.data_root_uri or str(self.data_dir)

    def location(self, path: Path) -> str:
        """Where a file under ``data_dir`` lives for readers: the path itself, or its
        object-store URI (``s3://bucket/prefix/lake/...``) when the root is a store."""
        if self.data_root_uri is None or not path.is_relative_to(self.data_dir):
            return str(path)
        return f"{self.data_root_uri}/{path.relative_to(self.data_dir).as_posix()}"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def digest_entries_dir(self) -> Path:
        return self.lake_dir / "digest_entries"

    @property
    def upvote_observations_dir(self) -> Path:
        return self.lake_dir / "upvote_observations"

    @property
    def ledger_dir(self) -> Path:
        return self.lake_dir / "ingest_ledger"

    @property
    def staging_dir(self) -> Path:
        """Partitions wait here until the quality gate lets them into the lake."""
        return self.data_dir / "staging" / "digest_entries"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def build_db_path(self) -> Path:
        return self.warehouse_dir / "build" / "warehouse.duckdb"

    @property
    def serving_db_path(self) -> Path:
        return self.warehouse_dir / "serving" / "warehouse.duckdb"

    @property
    def marts_dir(self) -> Path:
        return self.warehouse_dir / "marts"

    def mart_parquet_path(self, mart: str, marts_dir: Path | None = None) -> Path:
        """A mart's Parquet file, in a folder of its own (marts/papers/papers.parquet):
        reading the folder ``marts/papers`` with any Parquet reader gives exactly that mart."""
        return (marts_dir or self.marts_dir) / mart / f"{mart}.parquet"

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "docs"

    @property
    def gx_docs_dir(self) -> Path:
        return self.docs_dir / "great_expectations"

    @property
    def dbt_docs_dir(self) -> Path:
        return self.docs_dir / "dbt"


def get_settings() -> Settings:
    data_root = str(os.environ.get("PAPERTREND_DATA_DIR", PROJECT_ROOT / "data"))
    data_root_uri = None
    if data_root.startswith(OBJECT_STORE_SCHEMES):
        data_root_uri = data_root.rstrip("/")
        data_dir = Path(os.environ.get("PAPERTREND_WORK_DIR") or default_workspace(data_root_uri))
    else:
        data_dir = Path(data_root)
    return Settings(
        data_dir=data_dir.resolve(),
        data_root_uri=data_root_uri,
        max_dump_bytes=int(os.environ.get("PAPERTREND_MAX_DUMP_BYTES", DEFAULT_MAX_DUMP_BYTES)),
        http_timeout_seconds=float(os.environ.get("PAPERTREND_HTTP_TIMEOUT_SECONDS", 30)),
        http_max_retries=int(os.environ.get("PAPERTREND_HTTP_MAX_RETRIES", 5)),
        http_deadline_seconds=float(
            os.environ.get("PAPERTREND_HTTP_DEADLINE_SECONDS", DEFAULT_HTTP_DEADLINE_SECONDS)
        ),
        http_max_body_bytes=int(
            os.environ.get("PAPERTREND_HTTP_MAX_BODY_BYTES", DEFAULT_HTTP_MAX_BODY_BYTES)
        ),
        digest_deadline_hours=float(os.environ.get("PAPERTREND_DIGEST_DEADLINE_HOURS", 36)),
        upvote_lookback_days=int(
            os.environ.get("PAPERTREND_UPVOTE_LOOKBACK_DAYS", DEFAULT_UPVOTE_LOOKBACK_DAYS)
        ),
        writer_lease_seconds=float(os.environ.get("PAPERTREND_WRITER_LEASE_SECONDS", 300)),
    )


def default_workspace(data_root_uri: str) -> Path:
    """This machine's workspace for an object-store data root (PAPERTREND_WORK_DIR
    overrides it): under the user's cache, one folder per bucket and prefix."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    scheme, _, rest = data_root_uri.partition("://")
    return cache / "papertrend" / scheme / rest


@contextmanager
def temporary_environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """Set (a value) or unset (None) these variables for the ``with`` block, for
    what reads the process environment (dbt's profile, the S3 clients), then put
    back the caller's values."""
    saved = {key: os.environ.get(key) for key in changes}
    _set_environment(changes)
    try:
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
