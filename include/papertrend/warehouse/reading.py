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


@contextmanager
def open_serving(serving_file: Path) -> Iterator:
    """A read-only DuckDB connection to the serving file as published now;
    unqualified names (``from papers``) are the marts."""
    from papertrend.duckdb_connections import connect, sql_literal

    con = connect()
    try:
        con.execute(f"ATTACH {sql_literal(str(serving_file))} AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
        yield con
    finally:
        con.close()
