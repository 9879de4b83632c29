"""Fixtures shared by every test folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from papertrend.settings import SAMPLES_DIR, Settings, get_settings

TEXT_SAMPLE = SAMPLES_DIR / "2025-07-01_trending.txt"
HF_API_SAMPLE = SAMPLES_DIR / "2025-07-02_hf_daily_papers.json"
FLAT_JSON_SAMPLE = SAMPLES_DIR / "2025-07-03_mirror_export.json"


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh, empty data root that every papertrend function will use."""
    root = tmp_path / "data"
    monkeypatch.setenv("PAPERTREND_DATA_DIR", str(root))
    return get_settings()


@pytest.fixture
def dump_dir(tmp_path: Path) -> Path:
    """A scratch folder for crafted dumps (outside the data root, like an inbox)."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    return folder


def copy_sample(sample: Path, folder: Path, name: str | None = None) -> Path:
    target = folder / (name or sample.name)
    shutil.copyfile(sample, target)
    return target
