"""Opening the published warehouse from Python, as of its latest publish.

DuckDB keeps one database instance per file per process: while any connection
to a file is open, ``duckdb.connect(path)`` returns that instance, i.e. the
file as it was when it was first opened, even after a publish replaced it.
Publishing switches to a new file (``serving/versions/<v>``), which DuckDB
treats as a new database, but that depends on how a DuckDB version keys
its cache. :func:`open_serving` does not: a new in-memory DuckDB per call (an
in-memory database is never shared), with the serving file attached read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from papertrend.settings import Settings


def serving_location(settings: Settings) -> str:
    """The published serving file as a reader opens it: its path or, on an object-store
    data root, the URI of the version ``warehouse/serving/CURRENT`` names (a version is
    never rewritten, so a reader attached to it is not disturbed by the next publish)."""
    from papertrend import object_store

    store = object_store.Store.of(settings)
    if store is None:
        return str(settings.serving_db_path)
    version = store.read_bytes(object_store.POINTER_KEY)
    if version is None:
        raise FileNotFoundError(f"no warehouse published yet in {store.uri}")
    return store.object_uri(f"{object_store.VERSIONS_KEY}/{version.decode()}/{settings.serving_db_path.name}")


@contextmanager
def open_serving(serving_file: Path | str) -> Iterator:
    """A read-only DuckDB connection to the serving file as published now (a path, or an
    ``s3://`` URI: :func:`serving_location`); unqualified names (``from papers``) are the marts."""
    from papertrend.duckdb_connections import connect, sql_literal

    con = connect()
    try:
        con.execute(f"ATTACH {sql_literal(str(serving_file))} AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
        yield con
    finally:
        con.close()
