"""Opening papertrend's GX project with its output directories under the data root."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from papertrend.settings import GX_PROJECT_DIR, Settings, get_settings

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext


def validation_results_dir(settings: Settings) -> Path:
    """Where GX keeps one JSON validation result per partition run."""
    return settings.data_dir / "gx" / "validation_results"


def data_docs_index(settings: Settings) -> Path:
    """The Data Docs page to open in a browser."""
    return settings.gx_docs_dir / "index.html"


def open_context(settings: Settings | None = None) -> FileDataContext:
    """The committed file data context, writing results and Data Docs under the data root.

    Importing GX takes seconds; call this once per run and reuse the context.
    """
    settings = settings or get_settings()
    # Analytics is also off in great_expectations.yml; the variable covers the
    # events GX sends while it imports, before it has read that file.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    results_dir = validation_results_dir(settings)
    results_dir.mkdir(parents=True, exist_ok=True)
    settings.gx_docs_dir.mkdir(parents=True, exist_ok=True)
    return gx.get_context(
        mode="file",
        context_root_dir=GX_PROJECT_DIR,
        runtime_environment={
            "papertrend_gx_results_dir": str(results_dir),
            "papertrend_gx_docs_dir": str(settings.gx_docs_dir),
        },
    )
