"""Import the "Trending papers" bundle into Superset, replacing what an older import left.

    python include/bi/superset/bundle.py --serving-file /abs/warehouse.duckdb --output bundle.zip
    python include/bi/superset/import_bundle.py bundle.zip --username admin

Run with Superset's own Python (.venv-superset, or the image's), with the same
environment as the `superset` CLI (SUPERSET_CONFIG_PATH, SUPERSET_SECRET_KEY).

Why not `superset import-dashboards`: it creates a dashboard's charts, datasets
and database only when they are new and leaves existing ones as they are, so
after a query file or a chart changed in the repository, re-importing keeps
the old SQL and the old chart in Superset. Superset's assets import (the
command behind POST /api/v1/assets/import/) overwrites every object matched by
its uuid: after this script, Superset shows exactly what the repository holds,
and running it again changes nothing. The committed bundle stays a dashboard
export (so Superset's "Import dashboard" button takes it too); only the
in-memory copy is labelled as an assets bundle.
"""

from __future__ import annotations

import argparse
import sys
import zipfile

import yaml


def read_bundle(path: str) -> dict[str, str]:
    """The ZIP's files without its root folder, as Superset's importers take them."""
    from superset.commands.importers.v1.utils import get_contents_from_bundle

    with zipfile.ZipFile(path) as bundle:
        contents = get_contents_from_bundle(bundle)
    metadata = yaml.safe_load(contents["metadata.yaml"])
    metadata["type"] = "assets"
    contents["metadata.yaml"] = yaml.safe_dump(metadata, sort_keys=False)
    return contents


def import_assets(contents: dict[str, str], username: str) -> None:
    from flask import g
    from superset import security_manager
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    g.user = security_manager.find_user(username=username)
    if g.user is None:
        raise SystemExit(f"import_bundle: no Superset user {username!r} (create the admin first)")
    ImportAssetsCommand(contents).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", help="the ZIP bundle.py wrote")
    parser.add_argument("--username", "-u", default="admin", help="the Superset user who owns the import")
    args = parser.parse_args(argv)

    from superset.app import create_app

    app = create_app()
    with app.app_context():
        contents = read_bundle(args.bundle)
        import_assets(contents, args.username)
        objects = sorted(name.split("/")[0] for name in contents if "/" in name)
        counts = {kind: objects.count(kind) for kind in dict.fromkeys(objects)}
        print(f"imported {args.bundle}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
