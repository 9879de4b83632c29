"""A backfill streams through the quality gate in bounded batches (issue 10).

``ingest_dumps`` gates its staged dumps every ``GATE_BATCH_ROWS`` rows or
``GATE_BATCH_DUMPS`` dumps in one GX session, and renders the Data Docs index
once at the end. Statuses and verdicts must not depend on where a batch ends.
Real files, the real gate; the bounds are made small here.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from papertrend import ingest
from papertrend.ingest import ingest_dumps
from papertrend.validation import gate as gate_module
from tests.conftest import TEXT_SAMPLE, copy_sample


@pytest.fixture
def gate_calls(monkeypatch) -> list[int]:
    """The number of partitions of each batch the gate validated."""
    calls: list[int] = []
    validate = gate_module.Gate.validate

    def counting(self, partition_dirs):
        calls.append(len(partition_dirs))
        return validate(self, partition_dirs)

    monkeypatch.setattr(gate_module.Gate, "validate", counting)
    return calls


def _day(dump_dir, day: int, lines_change=None):
    path = copy_sample(TEXT_SAMPLE, dump_dir, f"2025-07-{day:02d}_trending.txt")
    if lines_change:
        lines = path.read_text(encoding="utf-8").split("\n")
        lines_change(lines)
        path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_backfill_is_gated_in_bounded_batches_with_a_verdict_per_dump(
    data_root, dump_dir, gate_calls, monkeypatch
):
    monkeypatch.setattr(ingest, "GATE_BATCH_DUMPS", 4)
    indexes: list[int] = []
    from papertrend.validation import docs_index

    write_offline_index = docs_index.write_offline_index
    monkeypatch.setattr(
        docs_index, "write_offline_index",
        lambda *args: indexes.append(1) or write_offline_index(*args),
    )

    def repeat_a_title(lines):  # the third title becomes the second: title_unique
        lines[6] = lines[4]

    dumps = [_day(dump_dir, day) for day in range(1, 10)]
    dumps[4] = _day(dump_dir, 5, repeat_a_title)
    outcomes = ingest_dumps(dumps)

    assert [o.status for o in outcomes] == ["landed"] * 4 + ["rejected"] + ["landed"] * 4
    assert "title_unique" in outcomes[4].reason
    assert (outcomes[4].quarantine_path / "validation_result.json").is_file()
    assert gate_calls == [4, 4, 1]
    assert indexes == [1]  # the Data Docs index, once for the whole backfill
    landed = sorted(p.name for p in data_root.digest_entries_dir.iterdir())
    assert landed == [f"digest_date=2025-07-{d:02d}" for d in (1, 2, 3, 4, 6, 7, 8, 9)]
    assert not list(data_root.staging_dir.glob("*/*"))
    index = (data_root.gx_docs_dir / "index.html").read_text(encoding="utf-8")
    # Batches of 4: one batch run each; the rejected day and the last one alone.
    assert "digest_date=2025-07-01..2025-07-04" in index
    assert "digest_date=2025-07-05..2025-07-08" in index
    assert "digest_date=2025-07-05<" in index and "digest_date=2025-07-09<" in index


@pytest.mark.parametrize(
    ("order", "expected", "holds_rows"),
    [
        ("aba", ["landed", "replaced", "replaced"], 290),
        ("aa", ["landed", "unchanged"], 290),
        ("ab", ["landed", "replaced"], 289),
    ],
)
def test_statuses_do_not_depend_on_where_a_batch_ends(
    data_root, dump_dir, gate_calls, monkeypatch, order, expected, holds_rows
):
    monkeypatch.setattr(ingest, "GATE_BATCH_DUMPS", 1)  # every dump its own batch
    b = copy_sample(TEXT_SAMPLE, dump_dir, "2025-07-01_trending_v2.txt")
    lines = TEXT_SAMPLE.read_text(encoding="utf-8").splitlines()
    b.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    dumps = {"a": TEXT_SAMPLE, "b": b}

    assert [o.status for o in ingest_dumps([dumps[c] for c in order])] == expected
    table = pq.read_table(data_root.digest_entries_dir / "digest_date=2025-07-01" / "text.parquet")
    assert table.num_rows == holds_rows
    assert all(n == 1 for n in gate_calls)
