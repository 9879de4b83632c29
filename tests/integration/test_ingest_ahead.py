"""A backfill parses and stages its dumps in a worker process, ahead of their
turn (issue 10). Where a dump was staged must change nothing: the same
outcomes, lake, ledger and quarantine as one process gives, for dumps that
land, repeat, break their parser, crash it, fail the volume check or the
quality gate, come in memory, and when the worker dies mid-run. Real files,
the real gate, the real worker process."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from papertrend import ingest as ingest_module
from papertrend.ingest import Dump, ingest_dumps
from papertrend.landing.ledger import read_ledger
from papertrend.settings import Settings
from tests.conftest import FLAT_JSON_SAMPLE, HF_API_SAMPLE, TEXT_SAMPLE, copy_sample
from tests.integration.test_hostile_ingest import hostile_dumps

# The worker is a fresh Python: a parser bug is planted there at start-up, as
# the main process's one is with monkeypatch.
CRASHING_PARSER = """
import papertrend.ingest as ingest
real_parse = ingest.parse_dump
def parse(raw, source):
    if source.endswith("crashing.txt"):
        raise ZeroDivisionError("a parser bug")
    return real_parse(raw, source)
ingest.parse_dump = parse
"""


@pytest.fixture
def crashing_parser(tmp_path, monkeypatch) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASHING_PARSER)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])))
    real_parse = ingest_module.parse_dump

    def parse(raw, source):
        if source.endswith("crashing.txt"):
            raise ZeroDivisionError("a parser bug")
        return real_parse(raw, source)

    monkeypatch.setattr(ingest_module, "parse_dump", parse)


def _text_day(dump_dir: Path, day: int, change=None) -> Path:
    path = copy_sample(TEXT_SAMPLE, dump_dir, f"2025-07-{day:02d}_trending.txt")
    if change:
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(change(lines)), encoding="utf-8")
    return path


def _title_repeated(lines: list[str]) -> list[str]:  # the quality gate's title_unique
    lines[6] = lines[4]
    return lines


def _dumps(dump_dir: Path) -> list[Path | Dump]:
    days = [_text_day(dump_dir, day) for day in range(1, 8)]
    return [
        *days,
        _text_day(dump_dir, 8, lambda lines: lines[:42]),  # 20 papers: row_count_drop
        _text_day(dump_dir, 9, _title_repeated),
        *(path for path, _ in hostile_dumps(dump_dir).values()),
        copy_sample(TEXT_SAMPLE, dump_dir, "2025-07-13_crashing.txt"),
        days[0],  # the same bytes again in the batch
        HF_API_SAMPLE,
        Dump(name="2025-07-14_memory.txt", raw=TEXT_SAMPLE.read_bytes(), source_uri="memory://2025-07-14"),
        FLAT_JSON_SAMPLE,
    ]


def _ingest(dumps, root: Path, *, ahead: bool, progress=None):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ingest_module, "PIPELINE_MIN_DUMPS", 1 if ahead else 10_000)
        mp.setattr(ingest_module, "STAGE_AHEAD_DUMPS", 4)  # a window that moves
        return ingest_dumps(dumps, settings=Settings(data_dir=root), progress=progress)


def _what_a_user_sees(outcomes, root: Path) -> dict:
    """Outcomes, lake rows, ledger rows in order and quarantine, without the
    times and with paths relative to the data root."""

    def relative(value):
        return str(Path(value).relative_to(root)) if value and str(value).startswith(str(root)) else value

    lake_rows = []
    for path in sorted((root / "lake" / "digest_entries").glob("*/*.parquet")):
        rows = pq.read_table(path).drop_columns(["ingested_at"]).to_pylist()
        lake_rows += [(path.relative_to(root).as_posix(), row) for row in rows]
    ledger = [
        {**row, "recorded_at": None, "raw_path": relative(row["raw_path"])}
        for row in read_ledger(root / "lake" / "ingest_ledger").to_pylist()
    ]
    quarantine = {}
    for path in sorted((root / "quarantine").rglob("*")):
        if path.name == "reason.json":
            quarantine[str(path.relative_to(root))] = {**json.loads(path.read_text()), "quarantined_at": None}
        elif path.suffix == ".parquet":
            quarantine[str(path.relative_to(root))] = pq.read_table(path).drop_columns(["ingested_at"]).to_pylist()
        elif path.is_file() and path.name != "validation_result.json":
            quarantine[str(path.relative_to(root))] = path.read_bytes()
    return {
        "outcomes": [
            (o.source_uri, o.status, o.digest_date, o.row_count, o.source_format, o.reason,
             relative(o.quarantine_path))
            for o in outcomes
        ],
        "lake": lake_rows,
        "ledger": ledger,
        "quarantine": quarantine,
        "raw": sorted(p.name for p in (root / "raw").iterdir()),
        "staging": sorted(str(p.relative_to(root)) for p in (root / "staging").rglob("*")),
    }


def test_dumps_staged_ahead_in_a_worker_end_as_in_one_process(tmp_path, dump_dir, crashing_parser):
    dumps = _dumps(dump_dir)
    one, two = tmp_path / "one_process", tmp_path / "worker"

    alone = _what_a_user_sees(_ingest(dumps, one, ahead=False), one)
    ahead = _what_a_user_sees(_ingest(dumps, two, ahead=True), two)

    assert ahead == alone
    statuses = [outcome[1] for outcome in ahead["outcomes"]]
    assert statuses == ["landed"] * 7 + ["rejected"] * 6 + ["unchanged", "landed", "landed", "landed"]
    reasons = [outcome[5] or "" for outcome in ahead["outcomes"]]
    assert "[row_count_drop]" in reasons[7] and "title_unique" in reasons[8]
    assert "[parser_crash]" in reasons[12] and "ZeroDivisionError: a parser bug" in reasons[12]
    assert ahead["staging"] == ["staging/digest_entries"]

    # Again: now every dump the lake holds is unchanged, and what was staged ahead for it goes.
    assert _what_a_user_sees(_ingest(dumps, two, ahead=True), two) == _what_a_user_sees(
        _ingest(dumps, one, ahead=False), one
    )


def test_a_worker_that_dies_loses_no_dump(tmp_path, dump_dir):
    dumps = _dumps(dump_dir)[:9]
    one, two = tmp_path / "one_process", tmp_path / "worker"
    killed = []

    def kill_the_worker(index, total, source):
        if index == 3:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    alone = _what_a_user_sees(_ingest(dumps, one, ahead=False), one)
    ahead = _what_a_user_sees(_ingest(dumps, two, ahead=True, progress=kill_the_worker), two)

    assert killed
    assert ahead == alone
    assert ahead["staging"] == ["staging/digest_entries"]
