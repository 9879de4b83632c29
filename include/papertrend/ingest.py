"""Ingest dumps: archive, parse, stage, validate (the quality gate), promote.

A dump is accepted whole or rejected whole. Rejected dumps go to quarantine
with their reason; accepted ones replace their day's file of their source
format in the lake (a day keeps one dump per source format).
Every dump gets a ledger row. Many dumps are validated in one Great
Expectations run, so a backfill pays the GX start-up once, and are parsed and
staged in a worker process ahead of their turn while this one gates and
promotes the ones before (:class:`_StagedAhead`; a script that ingests that
many dumps needs the ``if __name__ == "__main__":`` guard that multiprocessing's
spawn asks for, as the ``papertrend`` command has).

The CLI and the Airflow DAGs both call :func:`ingest_dumps`.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

from papertrend.landing import lake, ledger, upvotes
from papertrend.landing.files import stored_name, unsafe_file_name_reason, write_bytes_atomically
from papertrend.landing.quarantine import quarantine_dump
from papertrend.parsing import DumpRejected, ParsedDump, Problem, parse_dump, resolve_digest_date
from papertrend.settings import Settings, get_settings
from papertrend.writers import exclusive_writer


@dataclass(frozen=True)
class Dump:
    """One raw dump as it arrived: its file name, bytes and where it came from."""

    name: str
    raw: bytes
    source_uri: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class IngestOutcome:
    source_uri: str
    status: str  # one of schema.LEDGER_STATUSES
    digest_date: date | None = None
    row_count: int | None = None
    source_format: str | None = None
    reason: str | None = None
    quarantine_path: Path | None = None

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"

    def summary_line(self) -> str:
        day = self.digest_date.isoformat() if self.digest_date else "????-??-??"
        rows = f"{self.row_count} rows" if self.row_count is not None else "-"
        line = f"{self.status:<9} {day}  {rows:>9}  {self.source_uri}"
        if self.rejected:
            # The first reason line repeats the source; the rest name place, rule and values.
            details = (self.reason or "").splitlines()[1:] or [self.reason or ""]
            shown = details[:10] + ([f"... {len(details) - 10} more"] if len(details) > 10 else [])
            line += "".join(f"\n          {detail.strip()}" for detail in shown)
            line += f"\n          quarantined in {self.quarantine_path}"
        return line


class IngestRejected(Exception):
    """Raised when dumps were rejected; the message lists every rejection."""

    def __init__(self, reasons: list[str], total: int):
        self.reasons = reasons
        super().__init__(f"{len(reasons)} of {total} dump(s) rejected:\n" + "\n".join(reasons))

    @classmethod
    def from_outcomes(cls, outcomes: list[IngestOutcome]) -> IngestRejected:
        return cls([o.reason or o.source_uri for o in outcomes if o.rejected], len(outcomes))


@dataclass
class _Staged:
    """A dump waiting for the quality gate. Holds no bytes: a backfill of years
    must not keep every dump in memory; quarantine copies the raw archive."""

    name: str
    source_uri: str
    sha256: str
    digest_date: date
    source_format: str
    row_count: int
    partition: Path
    raw_path: Path
    # The checksum the lake held for the day when the batch began (None: a new day).
    lake_sha256: str | None
    # The day its upvote counts count as seen (see ingest_dumps), and when it was ingested.
    observed_date: date
    ingested_at: datetime


@dataclass(frozen=True)
class _Parsed:
    """A dump that parsed, its bytes archived: what deciding its status needs, without
    its records."""

    name: str
    source_uri: str
    sha256: str
    digest_date: date
    source_format: str
    row_count: int
    raw_path: Path
    # Staged by the worker ahead of the dump's turn (_stage_ahead); None: not staged yet.
    partition: Path | None = None


@dataclass
class _Batch:
    """What a batch has seen so far, so that statuses follow input order: the
    (day, source format) pairs that already have a dump in this batch, and the
    partition staged for each (day, checksum), which a repeat of the same bytes reuses."""

    days: set[tuple[date, str]] = field(default_factory=set)
    staged: dict[tuple[date, str], Path] = field(default_factory=dict)
    accept_row_count_drop: bool = False
    observed_on: date | None = None
    # Row counts of text digests staged so far in this batch, by day (for the volume check).
    text_rows: dict[date, int] = field(default_factory=dict)
    lake_text_rows: dict[Path, int | None] = field(default_factory=dict)
    # The lake's partitions when the batch began, newest first (for the volume check): listed
    # once, not once per dump (a backfill of 1,095 days listed the lake 1,095 times). The
    # partitions this batch promotes later hold the text digests of text_rows.
    lake_partitions: list[tuple[date, Path]] | None = None


Validator = Callable[[list[Path]], list]
ProgressCallback = Callable[[int, int, str], None]


def read_dump(path: Path, settings: Settings) -> Dump | IngestOutcome:
    """Read a dump file, refusing (and quarantining) one over the size bound
    without loading it into memory."""
    source_uri = display_path(path)
    size = path.stat().st_size
    if size > settings.max_dump_bytes:
        sha256 = _file_sha256(path)
        problem = Problem(
            "file",
            "too_large",
            f"{size} bytes is over the {settings.max_dump_bytes} byte bound (PAPERTREND_MAX_DUMP_BYTES)",
        )
        return _reject(
            settings, DumpRejected(source_uri, [problem]), sha256=sha256, name=path.name,
            source_uri=source_uri, raw_file=path,
        )
    return Dump(name=path.name, raw=path.read_bytes(), source_uri=source_uri)


def ingest_dumps(
    sources: Iterable[Path | Dump],
    digest_date: date | Mapping[Path, date] | None = None,
    *,
    settings: Settings | None = None,
    validator: Validator | None = None,
    progress: ProgressCallback | None = None,
    accept_row_count_drop: bool = False,
    observed_on: date | None = None,
) -> list[IngestOutcome]:
    """Land every dump that passes the parser and the quality gate; return one
    outcome per dump in input order. Never raises for bad input: a bad dump is
    a rejected outcome (see :func:`ingest_or_raise`); raises DataRootLocked
    when another writer holds the data root. ``digest_date`` is the caller's
    day for every dump, or a day per source path (a daily run that also
    fetched the last days again). ``accept_row_count_drop`` lands text digests
    the volume check would quarantine (see :func:`_row_count_drop`): for a day
    known to be small. ``observed_on`` is the day the dumps' upvote counts were
    seen (default: today, UTC; never before a dump's own day): a landed dump's
    counts are kept as that day's observation (:mod:`papertrend.landing.upvotes`)."""
    settings = settings or get_settings()
    with exclusive_writer(settings):
        return _ingest_locked(
            list(sources), digest_date, settings, validator, progress, accept_row_count_drop, observed_on
        )


def _ingest_locked(
    sources: list[Path | Dump],
    digest_date: date | Mapping[Path, date] | None,
    settings: Settings,
    validator: Validator | None,
    progress: ProgressCallback | None,
    accept_row_count_drop: bool,
    observed_on: date | None,
) -> list[IngestOutcome]:
    ingested_at = datetime.now(timezone.utc)
    outcomes: list[IngestOutcome | _Staged] = []
    batch = _Batch(accept_row_count_drop=accept_row_count_drop, observed_on=observed_on or ingested_at.date())
    # A backfill streams through the gate in bounded batches (GATE_BATCH_ROWS):
    # one GX session, but never the whole history in memory at once.
    gate = None
    if validator is None:
        from papertrend.validation import Gate

        gate = Gate(settings)
        validator = gate.validate
    pending: list[int] = []  # indexes in outcomes of the staged dumps not yet gated
    pending_rows = 0

    def run_gate() -> None:
        nonlocal pending_rows
        gate_outcomes = _run_quality_gate([outcomes[i] for i in pending], settings, validator)
        for i in pending:
            outcomes[i] = gate_outcomes[id(outcomes[i])]
        pending.clear()
        pending_rows = 0
        batch.staged.clear()  # those staged partitions are gone

    ahead = None
    try:
        if len(sources) >= PIPELINE_MIN_DUMPS:
            # A worker process parses and stages the dumps ahead of their turn,
            # while this one decides, gates and promotes.
            ahead = _StagedAhead(sources, digest_date, settings, ingested_at)
        for index, source in enumerate(sources, start=1):
            if progress:
                progress(index, len(sources), str(source.source_uri if isinstance(source, Dump) else source))
            early = ahead.take() if ahead is not None else None
            dump: Dump | IngestOutcome | _Staged | None = None
            try:
                if isinstance(early, _Parsed):
                    dump = _decide(
                        early, settings, batch, ingested_at,
                        lambda: early.partition or _stage_from_archive(settings, early, ingested_at),
                    )
                elif early is not None:  # its parser rejected it in the worker
                    dump, problems = early
                    dump = _reject(settings, DumpRejected(dump.source_uri, problems), sha256=dump.sha256,
                                   name=dump.name, source_uri=dump.source_uri, raw=dump.raw)
                else:
                    dump = read_dump(source, settings) if isinstance(source, Path) else source
                    if isinstance(dump, Dump):
                        dump = _stage(dump, _caller_date(digest_date, source), settings, ingested_at, batch)
            except Exception as error:  # noqa: BLE001  one dump must not stop the batch
                dump = _crashed(settings, source, dump if isinstance(dump, Dump) else None, error)
            if isinstance(early, _Parsed) and early.partition and not (
                isinstance(dump, _Staged) and dump.partition == early.partition
            ):
                lake.remove_staged(early.partition)  # staged ahead for nothing: unchanged, a repeat, rejected
            outcomes.append(dump)
            if isinstance(dump, _Staged):
                if ahead is not None and gate is not None:
                    gate.open()  # GX's import while the worker stages the batch, not once it is staged
                pending.append(len(outcomes) - 1)
                pending_rows += dump.row_count
                if pending_rows >= GATE_BATCH_ROWS or len(pending) >= GATE_BATCH_DUMPS:
                    run_gate()
        if pending:
            run_gate()
    finally:
        if ahead is not None:
            ahead.close()
        if gate is not None:
            gate.close()  # the Data Docs index, once
    return outcomes


# Staged dumps validated together, at most: ~170 days of 290-paper digests, a
# few hundred MB of pandas frames while Great Expectations checks them.
GATE_BATCH_ROWS = 50_000
GATE_BATCH_DUMPS = 400


def _caller_date(digest_date: date | Mapping[Path, date] | None, source: Path | Dump) -> date | None:
    return digest_date.get(source) if isinstance(digest_date, Mapping) else digest_date


# An ingest of this many dumps or more stages them in a worker process ahead of
# its turn. Starting the worker (a Python that imports pyarrow) costs about 0.4 s
# of CPU and staging a dump about 12 ms, so a smaller ingest, such as a day's
# (one to ten dumps), stays in one process.
PIPELINE_MIN_DUMPS = 32
# How far ahead the worker may stage: about one gate batch of 290-paper days, so
# it keeps working while this process validates a batch. Staged partitions wait on
# disk (~150 kB a day); the worker sends back paths and counts, not tables.
STAGE_AHEAD_DUMPS = 200


class _StagedAhead:
    """A worker process that stages dumps ahead of their turn (:func:`_stage_ahead`),
    at most STAGE_AHEAD_DUMPS ahead. :meth:`take` gives, for each source in input
    order, what the worker made of it, or None: the caller stages that dump itself,
    the same way as without a worker, and so gets the same outcome. None is a dump
    given in memory, a file over the size bound, and any error in the worker,
    including its death (the pool is then broken and the caller stages the rest).
    :meth:`close` removes what it staged and nobody took."""

    def __init__(
        self,
        sources: list[Path | Dump],
        digest_date: date | Mapping[Path, date] | None,
        settings: Settings,
        ingested_at: datetime,
    ):
        # The worker stages into a folder of its own, so that whatever it leaves
        # (a dead worker's half-written partition) goes with the folder on close.
        self._staging_dir = settings.staging_dir / f"ahead-{uuid.uuid4().hex[:8]}"
        self._digest_date, self._settings, self._ingested_at = digest_date, settings, ingested_at
        # spawn: a fresh Python that imports this module, not a copy of the caller's
        # heap (an Airflow task's, or Great Expectations' once the gate has opened).
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
        )
        self._futures = deque(self._submit(source) for source in sources[:STAGE_AHEAD_DUMPS])
        self._later = iter(sources[STAGE_AHEAD_DUMPS:])

    def _submit(self, source: Path | Dump) -> Future | None:
        if not isinstance(source, Path):
            return None
        caller_date = _caller_date(self._digest_date, source)
        try:
            return self._pool.submit(
                _stage_ahead, source, caller_date, self._settings, self._staging_dir, self._ingested_at
            )
        except Exception:  # noqa: BLE001  a broken pool: its worker died
            return None

    def take(self) -> _Parsed | tuple[Dump, list[Problem]] | None:
        future = self._futures.popleft()
        if (source := next(self._later, None)) is not None:
            self._futures.append(self._submit(source))
        try:
            return future.result() if future else None
        except Exception:  # noqa: BLE001  the caller stages it, and meets the error again if it is one
            return None

    def close(self) -> None:
        """Stop the worker and remove its staging folder (call after the last gate)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._staging_dir, ignore_errors=True)


def _stage_ahead(
    path: Path, caller_date: date | None, settings: Settings, staging_dir: Path, ingested_at: datetime
) -> _Parsed | tuple[Dump, list[Problem]] | None:
    """In the worker: the part of :func:`_stage` that does not depend on the dumps
    before this one. Read, parse, archive the bytes and write a staged partition,
    which the main process uses or removes; or the dump and its problems if its
    parser rejected it (the main process quarantines it in its turn)."""
    if path.stat().st_size > settings.max_dump_bytes:
        return None  # read_dump quarantines it in its turn
    dump = Dump(name=path.name, raw=path.read_bytes(), source_uri=display_path(path))
    try:
        parsed, day = _parse(dump, caller_date)
    except DumpRejected as rejection:
        return dump, rejection.problems  # DumpRejected itself does not pickle
    sha256 = dump.sha256
    item = _Parsed(
        name=dump.name, source_uri=dump.source_uri, sha256=sha256, digest_date=day,
        source_format=parsed.source_format, row_count=len(parsed.records),
        raw_path=_archive_raw(settings, dump, sha256),
    )
    if lake.landed_checksum(settings.digest_entries_dir, day, item.source_format) == sha256:
        return item  # unchanged unless it repeats a dump of this run (_stage_from_archive)
    return replace(item, partition=_write_staged(staging_dir, parsed, item, ingested_at))


def _stage_from_archive(settings: Settings, item: _Parsed, ingested_at: datetime) -> Path:
    """Stage a dump the worker did not stage because the lake held its bytes: it
    is staged after all when it follows another dump of its day in this run."""
    parsed = parse_dump(item.raw_path.read_bytes(), item.source_uri)
    return _write_staged(settings.staging_dir, parsed, item, ingested_at)


def _start_worker() -> None:
    """The worker leaves Ctrl-C to the main process, which stops it; and it ends
    when the main process does, however that ends (kill -9 too), instead of going
    on staging for a writer that is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()


def ingest_or_raise(
    sources: Iterable[Path | Dump], digest_date: date | None = None, **kwargs
) -> list[IngestOutcome]:
    outcomes = ingest_dumps(sources, digest_date, **kwargs)
    if any(o.rejected for o in outcomes):
        raise IngestRejected.from_outcomes(outcomes)
    return outcomes


def _stage(
    dump: Dump,
    caller_date: date | None,
    settings: Settings,
    ingested_at: datetime,
    batch: _Batch,
) -> _Staged | IngestOutcome:
    sha256 = dump.sha256
    try:
        parsed, digest_date = _parse(dump, caller_date)
    except DumpRejected as rejection:
        return _reject(settings, rejection, sha256=sha256, name=dump.name,
                       source_uri=dump.source_uri, raw=dump.raw)
    item = _Parsed(
        name=dump.name, source_uri=dump.source_uri, sha256=sha256, digest_date=digest_date,
        source_format=parsed.source_format, row_count=len(parsed.records),
        raw_path=_archive_raw(settings, dump, sha256),
    )
    return _decide(
        item, settings, batch, ingested_at,
        lambda: _write_staged(settings.staging_dir, parsed, item, ingested_at),
    )


def _parse(dump: Dump, caller_date: date | None) -> tuple[ParsedDump, date]:
    """The dump's records and day; raises DumpRejected, also for a parser bug (parser_crash)."""
    name_problem = unsafe_file_name_reason(dump.name)
    if name_problem:
        raise DumpRejected(dump.source_uri, [Problem("file", "unsafe_file_name", name_problem)])
    try:
        parsed = parse_dump(dump.raw, dump.source_uri)
        return parsed, resolve_digest_date(dump.source_uri, caller_date, parsed.stated_date, dump.name)
    except DumpRejected:
        raise
    except Exception as error:  # noqa: BLE001  a parser bug is this dump's rejection
        raise crash_rejection(dump.source_uri, "parser_crash", error) from error


def _decide(
    item: _Parsed,
    settings: Settings,
    batch: _Batch,
    ingested_at: datetime,
    write_staged: Callable[[], Path],
) -> _Staged | IngestOutcome:
    """The order-dependent part of staging a dump, in input order: unchanged, the
    volume check, or staged for the gate (``write_staged`` writes its partition)."""
    digest_date, sha256 = item.digest_date, item.sha256
    landed = lake.landed_checksum(settings.digest_entries_dir, digest_date, item.source_format)
    first_of_day = (digest_date, item.source_format) not in batch.days
    batch.days.add((digest_date, item.source_format))
    if first_of_day and landed == sha256:
        outcome = IngestOutcome(
            item.source_uri, "unchanged", digest_date, item.row_count, item.source_format
        )
        _record(settings, outcome, sha256, item.raw_path)
        return outcome

    if item.source_format == "text":
        if not batch.accept_row_count_drop:
            if drop := _row_count_drop(settings, batch, digest_date, item.row_count):
                return _reject(settings, DumpRejected(item.source_uri, [drop]), sha256=sha256,
                               name=item.name, source_uri=item.source_uri,
                               raw=item.raw_path.read_bytes())
        batch.text_rows[digest_date] = item.row_count

    # Whether it lands, replaces or is unchanged depends on the dumps before it
    # for its day and format in this batch, and on whether they pass the gate: decided
    # after the gate, in input order (_run_quality_gate).
    staged = _Staged(
        name=item.name,
        source_uri=item.source_uri,
        sha256=sha256,
        digest_date=digest_date,
        source_format=item.source_format,
        row_count=item.row_count,
        partition=batch.staged.get((digest_date, sha256), Path()),
        raw_path=item.raw_path,
        lake_sha256=landed,
        observed_date=max(batch.observed_on, digest_date),
        ingested_at=ingested_at,
    )
    if (digest_date, sha256) in batch.staged:
        return staged  # the same bytes again: the same staged partition and verdict
    staged.partition = write_staged()
    batch.staged[(digest_date, sha256)] = staged.partition
    return staged


def _write_staged(
    staging_dir: Path, parsed: ParsedDump, item: _Parsed, ingested_at: datetime
) -> Path:
    """Write the dump's staged partition, in a folder of its own: two dumps for the
    same day in one batch must not overwrite each other before the gate has seen both."""
    table = lake.build_table(
        parsed, digest_date=item.digest_date, source_uri=item.source_uri,
        source_sha256=item.sha256, ingested_at=ingested_at,
    )
    staging_root = staging_dir / f"{item.sha256[:16]}-{uuid.uuid4().hex[:8]}"
    try:
        lake.write_partition(table, staging_root, item.digest_date)
    except BaseException:
        shutil.rmtree(staging_root, ignore_errors=True)
        raise
    return lake.partition_dir(staging_root, item.digest_date)


def _run_quality_gate(
    staged: list[_Staged], settings: Settings, validator: Validator | None
) -> dict[int, IngestOutcome]:
    """Validate every staged partition in one call, then, in input order,
    promote the ones that pass and quarantine the rest.

    Input order decides: a later dump for a day and source format wins, and
    each dump's status says what it did to the lake at its turn: ``landed``
    (the day had no dump of its format; other formats may be there),
    ``replaced`` (the day held other bytes of its format, from the lake or an
    earlier dump of this batch), ``unchanged`` (the day already held these
    bytes). So A, B, A for one day and format says replaced, replaced and
    leaves A in the lake."""
    if validator is None:
        from papertrend.validation import validate_partitions

        def validator(partitions: list[Path]) -> list:
            return validate_partitions(partitions, settings=settings)

    partitions = list(dict.fromkeys(item.partition for item in staged))
    try:
        verdicts = dict(zip(partitions, validator(partitions), strict=True))
        outcomes = {}
        # the checksum each (day, source format) holds, as promotion goes
        holds: dict[tuple[date, str], str | None] = {}
        for item in staged:
            result = verdicts[item.partition]
            if not result.success:
                outcomes[id(item)] = _quarantine_failed_validation(settings, item, result)
                continue
            held = holds.get((item.digest_date, item.source_format), item.lake_sha256)
            status = _status(settings, item, held)
            outcome = IngestOutcome(
                item.source_uri, status, item.digest_date, item.row_count, item.source_format
            )
            if status == "unchanged":
                _record(settings, outcome, item.sha256, item.raw_path)
            else:
                # Intent first, row after: a kill in between is recorded by the next writer.
                entry = _ledger_entry(outcome, item.sha256, settings.location(item.raw_path))
                with ledger.promotion(settings.ledger_dir, entry):
                    # The counts first: a kill between the two leaves an observation
                    # the re-run writes again, never a landed dump without its counts.
                    upvotes.write_observation(
                        lake.staged_file(item.partition), settings.upvote_observations_dir,
                        observed_date=item.observed_date, digest_date=item.digest_date,
                        observed_at=item.ingested_at,
                    )
                    lake.promote_partition(item.partition, settings.digest_entries_dir)
                holds[(item.digest_date, item.source_format)] = item.sha256
            outcomes[id(item)] = outcome
        return outcomes
    finally:
        for partition in partitions:
            lake.remove_staged(partition)


def _status(settings: Settings, item: _Staged, held: str | None) -> str:
    """What promoting ``item`` does to its day and format, which holds ``held``."""
    if held == item.sha256:
        return "unchanged"
    if held is None:
        return "landed"
    landed_file = lake.format_files(lake.partition_dir(settings.digest_entries_dir, item.digest_date))[item.source_format]
    if upvotes.differs_only_in_upvotes(lake.staged_file(item.partition), landed_file):
        return "reobserved"
    return "replaced"


def _quarantine_failed_validation(settings: Settings, item: _Staged, result) -> IngestOutcome:
    reason = f"{item.source_uri}: rejected by the quality gate\n{result.failure_summary}"
    result_file = item.partition / "validation_result.json"
    result_file.write_text(json.dumps(result.result, indent=2, default=str))
    folder = quarantine_dump(
        settings.quarantine_dir,
        sha256=item.sha256,
        name=item.name,
        raw_file=item.raw_path,
        reason={
            "stage": "validation",
            "message": reason,
            "rules": list(result.failed_rules),
            "digest_date": item.digest_date,
        },
        extra_files={
            "digest_entries.parquet": lake.staged_file(item.partition),
            "validation_result.json": result_file,
        },
    )
    outcome = IngestOutcome(
        item.source_uri, "rejected", item.digest_date, item.row_count,
        item.source_format, reason, folder,
    )
    _record(settings, outcome, item.sha256, item.raw_path)
    return outcome


def _reject(
    settings: Settings,
    rejection: DumpRejected,
    *,
    sha256: str,
    name: str,
    source_uri: str,
    raw: bytes | None = None,
    raw_file: Path | None = None,
) -> IngestOutcome:
    folder = quarantine_dump(
        settings.quarantine_dir, sha256=sha256, name=name, raw=raw, raw_file=raw_file,
        reason={"stage": "parse", "message": rejection.message, **rejection.as_dict()},
    )
    outcome = IngestOutcome(source_uri, "rejected", reason=rejection.message, quarantine_path=folder)
    _record(settings, outcome, sha256, folder)
    return outcome


# The volume check. A text digest is page text: cut at any line boundary it
# still parses, and would land as a smaller day (or replace a complete one).
# JSON dumps cannot be cut without breaking the JSON, and the API's volume
# legitimately swings from weekday to weekend, so only text digests are checked.
ROW_COUNT_HISTORY_DAYS = 7  # compared with the median of this many recent text digests
ROW_COUNT_MIN_HISTORY = 3  # fewer than this: no check (a median of one or two is noise)
ROW_COUNT_MIN_SHARE = 0.5  # under this share of the median: row_count_drop
ROW_COUNT_SCAN_LIMIT = 60  # lake partitions looked at, newest first, to find that history


def _row_count_drop(settings: Settings, batch: _Batch, day: date, row_count: int) -> Problem | None:
    """A problem when a text digest for ``day`` holds far fewer papers than the
    median of the last text digests on or before ``day`` (the day's own landed
    partition included, so a truncated dump cannot replace a complete one)."""
    history: dict[date, int] = {}
    scanned = 0
    if batch.lake_partitions is None:
        batch.lake_partitions = _lake_partitions_newest_first(settings)
    for partition_day, partition in batch.lake_partitions:
        if partition_day > day:
            continue
        if len(history) >= ROW_COUNT_HISTORY_DAYS or scanned >= ROW_COUNT_SCAN_LIMIT:
            break
        scanned += 1
        if partition not in batch.lake_text_rows:
            batch.lake_text_rows[partition] = lake.format_row_count(partition, "text")
        if (rows := batch.lake_text_rows[partition]) is not None:
            history[partition_day] = rows
    history.update({d: rows for d, rows in batch.text_rows.items() if d <= day})
    recent = sorted(history.items(), reverse=True)[:ROW_COUNT_HISTORY_DAYS]
    if len(recent) < ROW_COUNT_MIN_HISTORY:
        return None
    median = statistics.median(rows for _, rows in recent)
    if row_count >= ROW_COUNT_MIN_SHARE * median:
        return None
    return Problem(
        "file",
        "row_count_drop",
        f"{row_count} papers, under {ROW_COUNT_MIN_SHARE:.0%} of the median {median:g} of the last "
        f"{len(recent)} text digests ({recent[-1][0]} to {recent[0][0]}): a truncated dump? "
        "If the day really was this small: papertrend ingest --accept-row-count-drop",
    )


def _lake_partitions_newest_first(settings: Settings) -> list[tuple[date, Path]]:
    partitions = []
    for partition in sorted(settings.digest_entries_dir.glob("digest_date=*"), reverse=True):
        try:
            partitions.append((lake.partition_date(partition), partition))
        except ValueError:
            continue
    return partitions


def crash_rejection(source_uri: str, rule: str, error: BaseException) -> DumpRejected:
    """An unexpected exception while ingesting one dump, as that dump's rejection.
    Every known way a dump can be bad has its own rule; this one means a bug or
    a bound not yet written, and names the exception so it can be written."""
    detail = f"{type(error).__name__}: {error}"
    if len(detail) > 300:
        detail = detail[:300] + "..."
    return DumpRejected(source_uri, [Problem("file", rule, f"ingest failed unexpectedly: {detail}")])


def _crashed(
    settings: Settings, source: Path | Dump, dump: Dump | None, error: Exception
) -> IngestOutcome:
    """Quarantine a dump whose ingest raised outside its parser (reading it,
    archiving, staging), with what is known of it, and record it, so the batch
    goes on (rule ``ingest_crash``)."""
    if dump is None and isinstance(source, Dump):
        dump = source
    source_uri = dump.source_uri if dump else display_path(source)
    name = dump.name if dump else Path(source).name
    raw = dump.raw if dump else None
    if raw is None:
        try:
            raw = Path(source).read_bytes()
        except Exception:  # noqa: BLE001  an unreadable file is quarantined without its bytes
            raw = None
    rejection = crash_rejection(source_uri, "ingest_crash", error)
    sha256 = hashlib.sha256(raw or b"").hexdigest()
    return _reject(settings, rejection, sha256=sha256, name=name, source_uri=source_uri, raw=raw)


def display_path(path: Path | str) -> str:
    """A path as text that can be printed and written to Parquet and JSON: bytes
    of a file name that are not UTF-8 become U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


def _archive_raw(settings: Settings, dump: Dump, sha256: str) -> Path:
    """Keep the dump's bytes unchanged, addressed by checksum (re-archiving the
    same dump is a no-op)."""
    target = settings.raw_dir / stored_name(sha256, dump.name)
    if not target.exists():
        write_bytes_atomically(target, dump.raw)
    return target


def _record(settings: Settings, outcome: IngestOutcome, sha256: str, raw_path: Path) -> None:
    ledger.record(settings.ledger_dir, _ledger_entry(outcome, sha256, settings.location(raw_path)))


def _ledger_entry(outcome: IngestOutcome, sha256: str, raw_location: str) -> ledger.LedgerEntry:
    return ledger.LedgerEntry(
        source_sha256=sha256,
        source_uri=outcome.source_uri,
        status=outcome.status,
        source_format=outcome.source_format,
        digest_date=outcome.digest_date,
        row_count=outcome.row_count,
        reason=outcome.reason,
        raw_path=raw_location,
    )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
