"""Where a published build lives, and the one rename that publishes it.

The serving file and the marts Parquet of a build are written into a version
folder of their own; one symbolic link, ``serving/current``, names the version
readers get, and replacing it (``os.replace`` of a new link) is the publish.
Both public paths go through it:

    warehouse/serving/versions/<version>/warehouse.duckdb
    warehouse/serving/versions/<version>/marts/<mart>/<mart>.parquet
    warehouse/serving/current           -> versions/<version>    switched to publish
    warehouse/serving/warehouse.duckdb  -> current/warehouse.duckdb   fixed
    warehouse/marts                     -> serving/current/marts      fixed

So the serving file and the marts always come from the same build, whenever a
publish is killed. Everything lives under ``serving/`` and the links are
relative, so a container that mounts that folder (docker-compose's BI tools)
follows them too. The version before the current one is kept, for a reader
that listed the marts just before a switch; older ones, and the half-written
version of a killed build, are deleted.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from papertrend.settings import Settings

VERSIONS_DIR = "versions"
CURRENT_LINK = "current"
MARTS_DIR = "marts"
# Served versions kept besides the current one.
KEEP_PREVIOUS = 1


def new_version(settings: Settings) -> Path:
    """An empty folder for a build to publish (with its ``marts/``); not served until :func:`switch_to`."""
    name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    folder = _versions_dir(settings) / name
    (folder / MARTS_DIR).mkdir(parents=True)
    return folder


def switch_to(settings: Settings, version: Path) -> None:
    """Serve ``version``: the serving file and the marts switch in one rename."""
    serving_dir = settings.serving_db_path.parent
    _replace_with_link(serving_dir / CURRENT_LINK, Path(VERSIONS_DIR) / version.name)
    _ensure_fixed_links(settings)
    remove_unpublished_versions(settings)


def current_version(settings: Settings) -> Path | None:
    link = settings.serving_db_path.parent / CURRENT_LINK
    if not link.is_symlink():
        return None
    version = _versions_dir(settings) / Path(os.readlink(link)).name
    return version if version.is_dir() else None


def remove_unpublished_versions(settings: Settings) -> list[Path]:
    """Delete the versions nobody is served: all but the current one and the
    one before it (a killed build's half-written version among them). Call
    holding the writer lock."""
    versions_dir = _versions_dir(settings)
    if not versions_dir.is_dir():
        return []
    current = current_version(settings)
    versions = sorted(p for p in versions_dir.iterdir() if p.is_dir())
    if current in versions:
        index = versions.index(current)
        kept = set(versions[max(0, index - KEEP_PREVIOUS): index + 1])
    else:
        kept = set()
    removed = [p for p in versions if p not in kept]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def _versions_dir(settings: Settings) -> Path:
    return settings.serving_db_path.parent / VERSIONS_DIR


def _ensure_fixed_links(settings: Settings) -> None:
    """The two public paths as links through ``current``: made on the first
    publish, and again if something replaced them. A data root from before
    versions has a plain serving file (replaced by the link in one rename) and
    a plain marts folder (moved aside, then linked: for that one publish,
    ``marts/`` is missing for an instant)."""
    serving = settings.serving_db_path
    serving_link = Path(CURRENT_LINK) / serving.name
    if not (serving.is_symlink() and Path(os.readlink(serving)) == serving_link):
        _replace_with_link(serving, serving_link)

    marts = settings.marts_dir
    marts_link = Path(os.path.relpath(serving.parent / CURRENT_LINK / MARTS_DIR, marts.parent))
    before_versions = marts.with_name(f".{marts.name}.before-versions")
    if not (marts.is_symlink() and Path(os.readlink(marts)) == marts_link):
        if marts.is_dir() and not marts.is_symlink():
            shutil.rmtree(before_versions, ignore_errors=True)
            os.replace(marts, before_versions)
        _replace_with_link(marts, marts_link)
    shutil.rmtree(before_versions, ignore_errors=True)


def _replace_with_link(path: Path, target: Path) -> None:
    """Make ``path`` a symbolic link to ``target`` in one rename (readers see the old one or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    os.symlink(target, temp)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
