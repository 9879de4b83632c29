"""Validate staged digest_entries partitions with the committed GX checkpoints.

A batch of partitions is validated as a batch: one GX validation of all their
rows as one frame (``digest_entries_batch``, the partition suite's rules in
their batch form, see ``suite.batch_rules``) and one of one row per partition
(``digest_entries_batch_digests``: row counts, position and date bounds). The
verdict stays per partition: the partitions named by a failed expectation's
unexpected rows (their ``gate_partition``), or every partition of the frame for
a failed table-level expectation, are validated again one by one with the
partition suite (``digest_entries``), whose result decides and is what a
quarantined dump keeps; the others passed. A batch of fewer than
``SMALLEST_BATCH`` partitions (a day's ingest) goes straight to the partition
suite, one validation per partition.

``Gate`` is one GX session: it opens the context once, validates any number of
batches (a backfill streams through in bounded batches) and renders each
batch's Data Docs pages as it goes, and the Data Docs index once, on close.
``validate_partitions`` is one batch in one session. Nothing here decides about
a partition's files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from papertrend.settings import Settings, get_settings
from papertrend.validation.suite import (
    BATCH_CHECKPOINT_NAME,
    BATCH_DIGESTS_VALIDATION_DEFINITION_NAME,
    BATCH_VALIDATION_DEFINITION_NAME,
    CHECKPOINT_NAME,
    PARAM_PARTITION_DATE,
    PARAM_ROW_COUNT,
    PARTITION_KEY,
)

if TYPE_CHECKING:
    import pyarrow as pa

_PARTITION_DIR = re.compile(r"^digest_date=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class PartitionValidation:
    """The verdict on one staged partition."""

    partition_dir: Path
    digest_date: dt.date
    success: bool
    # One line per failed expectation, empty on success; meant for task logs.
    failure_summary: str
    # The GX validation result of the partition suite (or the read error, or for
    # a partition the batch passed, which batch run passed it), JSON-serializable.
    result: dict[str, Any] = field(repr=False)
    # meta["rule"] of each failed expectation, e.g. ("arxiv_id_format",).
    failed_rules: tuple[str, ...] = ()


def partition_date(partition_dir: Path) -> dt.date:
    """The digest date a staged partition directory is named for (digest_date=YYYY-MM-DD)."""
    match = _PARTITION_DIR.match(Path(partition_dir).name)
    if not match:
        raise ValueError(f"{partition_dir} is not a digest_date=YYYY-MM-DD partition directory")
    return dt.date.fromisoformat(match.group(1))


def read_partition(partition_dir: Path) -> pa.Table:
    """All Parquet files of one partition as one table (hidden and temporary files skipped)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted(
        path
        for path in Path(partition_dir).glob("*.parquet")
        if not path.name.startswith((".", "_"))
    )
    if not files:
        raise FileNotFoundError(f"no Parquet file in {partition_dir}")
    from papertrend.landing.lake import with_partition_column

    # digest_date comes from the folder name (Hive); a file that still carries it
    # keeps its own, so digest_date_matches_partition can catch a disagreement.
    day = partition_date(partition_dir)
    return pa.concat_tables(
        with_partition_column(pq.read_table(path, use_threads=False), day) for path in files
    )


def validate_partitions(
    partition_dirs: Sequence[Path], settings: Settings | None = None
) -> list[PartitionValidation]:
    """Validate staged partitions against the ``digest_entries`` suite as one batch.

    Returns one verdict per partition, in the order given. Validation results
    and Data Docs are written under the data root; the Data Docs index is
    rebuilt once. A partition that cannot be read fails with the read error as
    its result; it does not stop the others.
    """
    if not partition_dirs:
        return []
    with Gate(settings) as gate:
        return gate.validate(partition_dirs)


# Fewer partitions than this are validated one by one with the partition suite:
# a day's ingest (one to three dumps) keeps one Data Docs run per digest day,
# and validating a handful of partitions alone costs a fraction of a second.
SMALLEST_BATCH = 4


class Gate:
    """One GX session for any number of batches; ``close`` renders the Data Docs index.

    Use as a context manager. The context is opened (GX imported) on the first
    ``validate``, or by ``open``.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self._context: Any = None
        self._validated = False

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the context now (seconds of GX import), if it is not open yet: a
        backfill opens it while its worker stages the first batch."""
        if self._context is not None:
            return
        from papertrend.validation.context import open_context

        self._context = open_context(self.settings)
        self._partition_checkpoint = self._context.checkpoints.get(CHECKPOINT_NAME)
        self._batch_checkpoint = self._context.checkpoints.get(BATCH_CHECKPOINT_NAME)
        self._site_names = _data_docs_sites(self._partition_checkpoint)
        definitions = {vd.name: vd for vd in self._batch_checkpoint.validation_definitions}
        self._rows_definition = definitions[BATCH_VALIDATION_DEFINITION_NAME]
        self._digests_definition = definitions[BATCH_DIGESTS_VALIDATION_DEFINITION_NAME]

    def validate(self, partition_dirs: Sequence[Path]) -> list[PartitionValidation]:
        """One verdict per partition, in order; their Data Docs pages rendered (not the index)."""
        jobs = [(Path(path), partition_date(path)) for path in partition_dirs]
        if not jobs:
            return []
        self.open()
        self._validated = True
        result_ids: list[Any] = []
        verdicts: dict[int, PartitionValidation] = {}
        readable: dict[int, Any] = {}
        for key, (partition_dir, digest_date) in enumerate(jobs):
            try:
                readable[key] = read_partition(partition_dir)
            except Exception as error:  # noqa: BLE001  unreadable data is a failed partition
                verdicts[key] = _unreadable(partition_dir, digest_date, error)

        if len(readable) < SMALLEST_BATCH:
            suspects = set(readable)  # each validated on its own
            readable.clear()
        else:
            suspects = self._validate_batch(jobs, readable, result_ids)

        for key in sorted(suspects):
            partition_dir, digest_date = jobs[key]
            verdicts[key] = self._validate_one(partition_dir, digest_date, result_ids)
        if len(jobs) > 1:
            run_name = _batch_run_name(jobs)
            for key, (partition_dir, digest_date) in enumerate(jobs):
                verdicts.setdefault(key, _passed_in_batch(partition_dir, digest_date, run_name))
        if self._site_names and result_ids:
            self._context.build_data_docs(
                site_names=self._site_names, resource_identifiers=result_ids, build_index=False
            )
        return [verdicts[key] for key in range(len(jobs))]

    def _validate_batch(
        self, jobs: list[tuple[Path, dt.date]], tables: dict[int, Any], result_ids: list[Any]
    ) -> set[int]:
        """Validate the readable partitions as one batch; return the keys of those to re-check.

        ``tables`` is emptied as the frames are built, so that the batch is held
        once (as pandas frames) and not also as Arrow tables.
        """
        from papertrend.validation.frames import (
            batch_rows_frame,
            digest_summary,
            digests_frame,
            schema_group,
        )

        run_name = _batch_run_name(jobs)
        summaries = [digest_summary(key, jobs[key][1], table) for key, table in tables.items()]
        groups: dict[tuple, list[int]] = {}
        for key, table in tables.items():
            groups.setdefault(schema_group(table), []).append(key)
        suspects: set[int] = set()
        for number, keys in enumerate(groups.values()):
            frame = batch_rows_frame([tables.pop(key) for key in keys], keys)
            result, result_id = _run(
                self._rows_definition, self._batch_checkpoint, frame, run_name, number
            )
            del frame
            result_ids.append(result_id)
            suspects |= failing_partitions(result, keys)
        keys = [summary[PARTITION_KEY] for summary in summaries]
        result, result_id = _run(
            self._digests_definition, self._batch_checkpoint, digests_frame(summaries), run_name, 0
        )
        result_ids.append(result_id)
        return suspects | failing_partitions(result, keys)

    def _validate_one(
        self, partition_dir: Path, digest_date: dt.date, result_ids: list[Any]
    ) -> PartitionValidation:
        """The partition suite on one partition: the verdict on a partition the batch named."""
        from papertrend.validation.frames import partition_rows_frame

        try:
            frame = partition_rows_frame(read_partition(partition_dir))
        except Exception as error:  # noqa: BLE001  unreadable data is a failed partition
            return _unreadable(partition_dir, digest_date, error)
        (definition,) = self._partition_checkpoint.validation_definitions
        result, result_id = _run(
            definition,
            self._partition_checkpoint,
            frame,
            f"digest_date={digest_date.isoformat()}",
            0,
            expectation_parameters={
                # digest_date is naive datetime64 in the frame (frames.py), so the
                # partition's date is compared as midnight of that day.
                PARAM_PARTITION_DATE: [dt.datetime.combine(digest_date, dt.time())],
                # An empty partition fails row_count; 1 keeps 1..N a valid range for GX.
                PARAM_ROW_COUNT: max(len(frame), 1),
            },
        )
        result_ids.append(result_id)
        return _verdict(partition_dir, digest_date, result)

    def close(self) -> None:
        """Render the Data Docs index and suite pages once, and the offline index in front."""
        if not (self._validated and self._site_names):
            return
        from papertrend.validation.context import validation_results_dir
        from papertrend.validation.docs_index import write_offline_index

        self._context.build_data_docs(
            site_names=self._site_names,
            resource_identifiers=[
                _suite_identifier(definition)
                for checkpoint in (self._partition_checkpoint, self._batch_checkpoint)
                for definition in checkpoint.validation_definitions
            ],
        )
        # GX's index lists nothing without its CDN scripts: put a plain one in front.
        write_offline_index(self.settings.gx_docs_dir, validation_results_dir(self.settings))
        self._validated = False


def failing_partitions(result: Any, keys: Iterable[int]) -> set[int]:
    """The partitions (``gate_partition`` values) a batch result names as failing.

    A failed row-by-row expectation names them through its unexpected rows'
    ``gate_partition`` (the batch checkpoint's result format lists them all);
    a failed expectation that names no rows (a table-level one, or one that
    raised) names every partition of the frame.
    """
    keys = set(keys)
    if result.success:
        return set()
    named: set[int] = set()
    for item in result.results:
        if item.success:
            continue
        found = item.result or {}
        unexpected = found.get("unexpected_count") or 0
        indexed = [
            value
            for entry in found.get("unexpected_index_list") or []
            if isinstance(entry, dict)
            for value in _as_list(entry.get(PARTITION_KEY))
        ]
        raised = (item.exception_info or {}).get("raised_exception")
        if raised or not unexpected or len(indexed) < unexpected:
            return keys
        named.update(int(value) for value in indexed)
    return named & keys


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _batch_run_name(jobs: list[tuple[Path, dt.date]]) -> str:
    dates = sorted({digest_date for _, digest_date in jobs})
    span = dates[0].isoformat() if len(dates) == 1 else f"{dates[0]}..{dates[-1]}"
    return f"digest_date={span}"


def _passed_in_batch(partition_dir: Path, digest_date: dt.date, run_name: str) -> PartitionValidation:
    return PartitionValidation(
        partition_dir=partition_dir,
        digest_date=digest_date,
        success=True,
        failure_summary="",
        result={"success": True, "validated_in_batch": run_name},
    )


def _run(
    definition: Any,
    checkpoint: Any,
    frame: Any,
    run_name: str,
    number: int,
    expectation_parameters: dict[str, Any] | None = None,
):
    """Run one of a checkpoint's validation definitions on a frame; its actions run later.

    ``Checkpoint.run`` would also run its UpdateDataDocsAction, which re-renders
    the Data Docs index after every result: quadratic over a backfill. So the
    gate runs the checkpoint's validation definitions with the checkpoint's
    result format, and renders the Data Docs sites named by its
    UpdateDataDocsAction once per batch (pages) and once per session (index).
    ``number`` keeps apart results of one suite in one batch (one per schema).
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    # The run name is what Data Docs lists; the run time keeps reruns apart.
    run_id = RunIdentifier(
        run_name=run_name,
        run_time=dt.datetime.now(dt.timezone.utc) + dt.timedelta(microseconds=number),
    )
    result = definition.run(
        checkpoint_id=checkpoint.id,
        batch_parameters={"dataframe": frame},
        expectation_parameters=expectation_parameters,
        result_format=checkpoint.result_format,
        run_id=run_id,
    )
    result_id = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
        run_id=run_id,
        batch_identifier=result.batch_id,
    )
    return result, result_id


def _data_docs_sites(checkpoint: Any) -> list[str]:
    """The Data Docs sites the checkpoint's UpdateDataDocsAction keeps up to date."""
    from great_expectations.checkpoint import UpdateDataDocsAction

    return [
        site
        for action in checkpoint.actions
        if isinstance(action, UpdateDataDocsAction)
        for site in action.site_names
    ]


def _suite_identifier(validation_definition: Any) -> Any:
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    return ExpectationSuiteIdentifier(name=validation_definition.suite.name)


def _verdict(partition_dir: Path, digest_date: dt.date, result: Any) -> PartitionValidation:
    result_dict = result.to_json_dict()
    failed = [item for item in result_dict["results"] if not item["success"]]
    return PartitionValidation(
        partition_dir=partition_dir,
        digest_date=digest_date,
        success=bool(result_dict["success"]),
        failure_summary=format_failures(digest_date, failed),
        result=result_dict,
        failed_rules=tuple(_rule_name(item) for item in failed),
    )


def _unreadable(partition_dir: Path, digest_date: dt.date, error: Exception) -> PartitionValidation:
    message = f"{type(error).__name__}: {error}"
    return PartitionValidation(
        partition_dir=partition_dir,
        digest_date=digest_date,
        success=False,
        failure_summary=f"digest_date={digest_date}: partition unreadable: {message}",
        result={"success": False, "error": message, "partition_dir": str(partition_dir)},
        failed_rules=("readable",),
    )


def _rule_name(item: dict[str, Any]) -> str:
    config = item["expectation_config"]
    return (config.get("meta") or {}).get("rule") or config["type"]


def format_failures(digest_date: dt.date, failed_results: Iterable[dict[str, Any]]) -> str:
    """One line per failed expectation: rule, GX expectation, and what was found.

    ``failed_results`` are the failed entries of a result's ``results`` list
    (JSON dicts). Returns "" when there are none.
    """
    lines = [f"- {_describe_failure(item)}" for item in failed_results]
    if not lines:
        return ""
    noun = "expectation" if len(lines) == 1 else "expectations"
    return "\n".join([f"digest_date={digest_date}: {len(lines)} {noun} failed", *lines])


def _describe_failure(item: dict[str, Any]) -> str:
    config = item["expectation_config"]
    kwargs = config.get("kwargs", {})
    target = kwargs.get("column") or ",".join(kwargs.get("column_list", [])[:3])
    head = f"{_rule_name(item)} ({config['type']}{f' on {target}' if target else ''})"
    exception = item.get("exception_info") or {}
    if exception.get("raised_exception"):
        return f"{head}: GX error: {exception.get('exception_message')}"
    found = item.get("result") or {}
    if "unexpected_count" in found:
        shown = [_short(value) for value in found.get("partial_unexpected_list") or []]
        total = found.get("element_count")
        return (
            f"{head}: {found['unexpected_count']} of {total} rows unexpected,"
            f" e.g. {', '.join(shown) if shown else '(values not shown)'}"
        )
    if "observed_value" in found:
        expected = _expected_range(kwargs)
        return f"{head}: observed {_short(found['observed_value'])}{expected}"
    return head


def _expected_range(kwargs: dict[str, Any]) -> str:
    if "min_value" in kwargs or "max_value" in kwargs:
        return f", expected {kwargs.get('min_value')}..{kwargs.get('max_value')}"
    return ""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "Gate",
    "PartitionValidation",
    "format_failures",
    "partition_date",
    "read_partition",
    "validate_partitions",
]
