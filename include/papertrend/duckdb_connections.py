"""DuckDB connections as papertrend opens them: extensions from the installed
wheels, never DuckDB's extension server, and S3 from the usual ``AWS_*`` variables.

DuckDB installs an extension such as httpfs from its own server on first use,
which locked-down machines cannot reach. The PyPI wheels
``duckdb-extension-<name>`` (pinned in requirements.txt beside ``duckdb``)
carry the file as ``duckdb_extension_<name>/extensions/v<duckdb version>/<name>.duckdb_extension``;
:func:`load_extension` loads it from there, and the connections opened here
refuse to install or autoload anything else. The dbt profile goes through the
same code (:mod:`papertrend.warehouse.dbt_plugin`).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

# Never fetch an extension at run time: a missing one is an error naming its wheel.
OFFLINE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
S3_SECRET_NAME = "papertrend_s3"


class ExtensionWheelMissing(RuntimeError):
    """The wheel that carries a DuckDB extension is not installed (or is for another DuckDB)."""


def connect(database: str = ":memory:", *, read_only: bool = False, config: Mapping | None = None):
    """A DuckDB connection that loads extensions only from the wheels, with httpfs and
    the S3 secret ready (reading ``s3://`` paths works when the ``AWS_*`` variables say where)."""
    import duckdb

    con = duckdb.connect(database, read_only=read_only, config={**OFFLINE_CONFIG, **(config or {})})
    try:
        prepare_connection(con)
    except BaseException:
        con.close()
        raise
    return con


def prepare_connection(con, environ: Mapping[str, str] = os.environ) -> None:
    """Load httpfs from its wheel and create the S3 secret from the environment (if it names S3)."""
    load_extension(con, "httpfs")
    secret = s3_secret_sql(environ)
    if secret:
        con.execute(secret)


def extension_file(name: str) -> Path:
    """The extension file the wheel ``duckdb-extension-<name>`` installed for this DuckDB."""
    import duckdb

    module = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionWheelMissing(
            f"DuckDB extension {name!r}: the wheel duckdb-extension-{name}=={duckdb.__version__} is not installed"
        )
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    path = package_dir / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (package_dir / "extensions").glob("v*"))
        raise ExtensionWheelMissing(
            f"DuckDB extension {name!r}: {path} is missing (the wheel has {found or 'no versions'};"
            f" pin duckdb-extension-{name}=={duckdb.__version__})"
        )
    return path


def load_extension(con, name: str) -> None:
    con.execute(f"LOAD {sql_literal(str(extension_file(name)))}")


def s3_secret_sql(environ: Mapping[str, str] = os.environ) -> str | None:
    """``CREATE SECRET`` for S3 from ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
    ``AWS_SESSION_TOKEN``, ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``) and
    ``AWS_ENDPOINT_URL`` (``AWS_ENDPOINT_URL_S3`` first; MinIO, R2, a local server:
    path-style URLs, TLS as its scheme says). None when no key is set."""
    key_id = environ.get("AWS_ACCESS_KEY_ID")
    secret = environ.get("AWS_SECRET_ACCESS_KEY")
    if not key_id or not secret:
        return None
    options = {"TYPE": "s3", "KEY_ID": key_id, "SECRET": secret,
               "REGION": environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"}
    if environ.get("AWS_SESSION_TOKEN"):
        options["SESSION_TOKEN"] = environ["AWS_SESSION_TOKEN"]
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        options.update(ENDPOINT=parts.netloc, USE_SSL=parts.scheme == "https", URL_STYLE="path")
    rendered = ", ".join(
        f"{key} {str(value).lower() if isinstance(value, bool) else sql_literal(value)}"
        for key, value in options.items()
    )
    return f"CREATE OR REPLACE SECRET {S3_SECRET_NAME} ({rendered})"


def sql_literal(text: str) -> str:
    """A SQL string literal, for the statements that take no bound parameters (ATTACH, LOAD, CREATE SECRET)."""
    return "'" + text.replace("'", "''") + "'"
