"""A Data Docs index page that needs no network.

GX 1.x renders its index (``index_page.j2``) as an empty ``<table>`` that
bootstrap-table fills from inline JSON, with jQuery, Bootstrap and
bootstrap-table loaded from CDNs; the great_expectations package ships none of
them. Offline, or where those hosts are blocked, the index lists nothing. The
validation and suite pages themselves are rendered to HTML on the server side
and stay readable without their stylesheets.

So after GX has built its site, ``write_offline_index`` keeps GX's page as
``gx_index.html`` and writes ``index.html``: plain HTML and inline CSS, one row
per validation result in the results store (run name ``digest_date=...``, run
time, passed/failed, the failed rules), each linking to GX's page for it.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

GX_INDEX_NAME = "gx_index.html"
_GENERATOR = "papertrend offline Data Docs index"


@dataclass(frozen=True)
class ValidationRun:
    suite: str
    run_name: str
    run_time: str
    success: bool
    evaluated: int
    successful: int
    failed_rules: tuple[str, ...]
    # Relative to the docs folder; None when GX rendered no page for it.
    page: str | None


def validation_runs(docs_dir: Path, results_dir: Path) -> list[ValidationRun]:
    """Every validation result in the store, newest run first.

    The store keeps ``<suite>/<run name>/<run time>/<batch>.json``; GX's page for
    a result is the same path under ``<docs>/validations/`` with ``.html``.
    """
    runs = []
    for path in Path(results_dir).glob("*/*/*/*.json"):
        relative = path.relative_to(results_dir)
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a result being written, or not one of GX's
        run_id = (result.get("meta") or {}).get("run_id") or {}
        statistics = result.get("statistics") or {}
        page = Path("validations") / relative.with_suffix(".html")
        runs.append(
            ValidationRun(
                suite=result.get("suite_name") or relative.parts[0],
                run_name=run_id.get("run_name") or relative.parts[1],
                run_time=run_id.get("run_time") or relative.parts[2],
                success=bool(result.get("success")),
                evaluated=int(statistics.get("evaluated_expectations") or 0),
                successful=int(statistics.get("successful_expectations") or 0),
                failed_rules=tuple(
                    ((item.get("expectation_config") or {}).get("meta") or {}).get("rule")
                    or (item.get("expectation_config") or {}).get("type", "?")
                    for item in result.get("results") or []
                    if not item.get("success")
                ),
                page=page.as_posix() if (docs_dir / page).is_file() else None,
            )
        )
    return sorted(runs, key=lambda run: (run.run_time, run.run_name), reverse=True)


def write_offline_index(docs_dir: Path, results_dir: Path) -> Path:
    """Replace GX's index.html with a page that lists every validation without scripts."""
    docs_dir = Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    index = docs_dir / "index.html"
    if index.is_file() and _GENERATOR not in index.read_text(encoding="utf-8", errors="replace"):
        os.replace(index, docs_dir / GX_INDEX_NAME)
    suites = sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.glob("expectations/**/*.html"))
    page = render_index(validation_runs(docs_dir, results_dir), suites, (docs_dir / GX_INDEX_NAME).is_file())
    staged = index.with_name(f".{index.name}.{os.getpid()}.tmp")
    staged.write_text(page, encoding="utf-8")
    os.replace(staged, index)
    return index


def _readable_time(run_time: str) -> str:
    """2026-11-28T05:13:35.818197+00:00 -> 2026-11-28 05:13:35 (GX run times are UTC)."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(run_time).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return run_time


def _link(path: str) -> str:
    return html.escape(quote(path, safe="/=:-_."), quote=True)


def render_index(runs: list[ValidationRun], suite_pages: list[str], has_gx_index: bool) -> str:
    esc = html.escape
    rows = []
    for run in runs:
        status = "passed" if run.success else "failed"
        name = esc(run.run_name)
        name_cell = f'<a href="{_link(run.page)}">{name}</a>' if run.page else name
        rows.append(
            "<tr>"
            f'<td class="run">{name_cell}</td>'
            f"<td>{esc(_readable_time(run.run_time))}</td>"
            f'<td class="{status}">{status}</td>'
            f"<td>{run.successful} of {run.evaluated}</td>"
            f"<td>{esc(', '.join(run.failed_rules))}</td>"
            f"<td>{esc(run.suite)}</td>"
            "</tr>"
        )
    failed = sum(not run.success for run in runs)
    suites = "".join(
        f'<li><a href="{_link(path)}">{esc(Path(path).stem)}</a></li>' for path in suite_pages
    )
    gx_index = (
        f'<p class="note">Great Expectations\' own index, with filters, is <a href="{GX_INDEX_NAME}">'
        f"{GX_INDEX_NAME}</a>; it loads its scripts from CDNs and lists nothing without a network.</p>"
        if has_gx_index
        else ""
    )
    table = (
        "<table><thead><tr><th>run</th><th>run time (UTC)</th><th>status</th>"
        "<th>expectations met</th><th>failed rules</th><th>suite</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else '<p class="empty">No validation has run yet.</p>'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="{_GENERATOR}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>papertrend: Great Expectations Data Docs</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1f2328; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }}
th {{ background: #f6f8fa; }}
td.passed {{ color: #1a7f37; font-weight: 600; }} td.failed {{ color: #cf222e; font-weight: 600; }}
.note, .empty {{ color: #57606a; }}
</style>
</head>
<body>
<h1>Great Expectations Data Docs</h1>
<p>The quality gate's validation runs, newest first: {len(runs)} run(s), {failed} failed.
A batch of digests is one run of <code>digest_entries_batch</code> (its rows) and one of
<code>digest_entries_batch_digests</code> (one row per digest), named for its first and last day;
a digest the batch found failing, or a day ingested alone, is one run of
<code>digest_entries</code> named for its day. A run's page shows every expectation and what was found.</p>
<h2>Validation runs</h2>
{table}
<h2>Expectation suites</h2>
<ul>{suites}</ul>
{gx_index}
</body>
</html>
"""
