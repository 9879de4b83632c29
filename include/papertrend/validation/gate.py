"""Validate staged digest_entries partitions with the committed GX checkpoint.

``validate_partitions`` is what the gate (promote or quarantine) calls: it opens
the GX context once, validates every partition it is given, renders Data Docs
once for the whole call, and returns one ``PartitionValidation`` per partition.
It decides nothing about the partition's files.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from papertrend.settings import Settings, get_settings
from papertrend.validation.suite import (
    CHECKPOINT_NAME,
    PARAM_PARTITION_DATE,
    PARAM_ROW_COUNT,
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
    # The GX validation result (or the read error), JSON-serializable.
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
    # No Arrow thread pool: files are small, and the gate may fork after reading.
    return pa.concat_tables(pq.read_table(path, use_threads=False) for path in files)


def validate_partitions(
    partition_dirs: Sequence[Path],
    settings: Settings | None = None,
    *,
    workers: int | None = None,
) -> list[PartitionValidation]:
    """Validate each staged partition against the ``digest_entries`` suite, in one GX session.

    Returns one verdict per partition, in the order given. Validation results
    and Data Docs are written under the data root; the Data Docs index is
    rebuilt once per call. A partition that cannot be read fails with the read
    error as its result; it does not stop the others.

    GX spends ~0.2 s of CPU per partition whatever its size, so a backfill is
    split across ``workers`` forked processes (default: one per CPU, and one
    process for fewer than ``PARTITIONS_PER_WORKER`` partitions). The context
    is opened once, before forking, and inherited.
    """
    from papertrend.validation.context import open_context, validation_results_dir
    from papertrend.validation.docs_index import write_offline_index

    jobs = [(Path(path), partition_date(path)) for path in partition_dirs]
    if not jobs:
        return []
    settings = settings or get_settings()
    context = open_context(settings)
    checkpoint = context.checkpoints.get(CHECKPOINT_NAME)
    site_names = _data_docs_sites(checkpoint)

    slices = _split(jobs, _worker_count(workers, len(jobs)))
    if len(slices) == 1:
        verdicts = _validate_slice(context, checkpoint, site_names, slices[0])
    else:
        verdicts = _validate_slices_in_forked_workers(context, checkpoint, site_names, slices)

    if site_names:
        # Index and suite page once for the whole call; the slices rendered their own pages.
        context.build_data_docs(
            site_names=site_names,
            resource_identifiers=[_suite_identifier(checkpoint)],
        )
        # GX's index lists nothing without its CDN scripts: put a plain one in front.
        write_offline_index(settings.gx_docs_dir, validation_results_dir(settings))
    return verdicts


PARTITIONS_PER_WORKER = 16


def _worker_count(requested: int | None, partitions: int) -> int:
    if requested is not None:
        return max(1, min(requested, partitions))
    return max(1, min(os.cpu_count() or 1, partitions // PARTITIONS_PER_WORKER))


def _split(jobs: list, parts: int) -> list[list]:
    size = -(-len(jobs) // parts)
    return [jobs[start : start + size] for start in range(0, len(jobs), size)]


# Set in the parent just before forking; the workers inherit it.
_FORK_STATE: tuple[Any, Any, list[str]] | None = None


def _validate_slices_in_forked_workers(context, checkpoint, site_names, slices):
    import multiprocessing

    global _FORK_STATE
    _FORK_STATE = (context, checkpoint, site_names)
    try:
        with multiprocessing.get_context("fork").Pool(processes=len(slices)) as pool:
            per_slice = pool.map(_validate_slice_in_worker, slices, chunksize=1)
    finally:
        _FORK_STATE = None
    return [verdict for verdicts in per_slice for verdict in verdicts]


def _validate_slice_in_worker(jobs: list[tuple[Path, dt.date]]) -> list[PartitionValidation]:
    assert _FORK_STATE is not None, "worker started without the parent's GX context"
    return _validate_slice(*_FORK_STATE, jobs)


def _validate_slice(
    context: Any, checkpoint: Any, site_names: list[str], jobs: list[tuple[Path, dt.date]]
) -> list[PartitionValidation]:
    """Validate some partitions and render their Data Docs pages (not the index)."""
    from papertrend.validation.frames import to_validation_frame

    verdicts: list[PartitionValidation] = []
    result_ids: list[Any] = []
    for partition_dir, digest_date in jobs:
        try:
            frame = to_validation_frame(read_partition(partition_dir))
        except Exception as error:  # noqa: BLE001  unreadable data is a failed partition
            verdicts.append(_unreadable(partition_dir, digest_date, error))
            continue
        result, result_id = _run_checkpoint_validations(checkpoint, frame, digest_date)
        result_ids.append(result_id)
        verdicts.append(_verdict(partition_dir, digest_date, result))
    if site_names and result_ids:
        context.build_data_docs(
            site_names=site_names, resource_identifiers=result_ids, build_index=False
        )
    return verdicts


def _run_checkpoint_validations(checkpoint: Any, frame: Any, digest_date: dt.date):
    """Run the checkpoint's validation definition on one partition; its actions run later.

    ``Checkpoint.run`` would also run its UpdateDataDocsAction, which re-renders
    the Data Docs index after every result: quadratic over a year's backfill.
    So the gate runs the checkpoint's validation definition with the
    checkpoint's result format, and renders the Data Docs sites named by its
    UpdateDataDocsAction once per call (``validate_partitions``).
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    # The run name is what Data Docs lists; the run time keeps reruns apart.
    run_id = RunIdentifier(
        run_name=f"digest_date={digest_date.isoformat()}",
        run_time=dt.datetime.now(dt.timezone.utc),
    )
    (validation_definition,) = checkpoint.validation_definitions
    result = validation_definition.run(
        checkpoint_id=checkpoint.id,
        batch_parameters={"dataframe": frame},
        expectation_parameters={
            # digest_date is naive datetime64 in the frame (frames.py), so the
            # partition's date is compared as midnight of that day.
            PARAM_PARTITION_DATE: [dt.datetime.combine(digest_date, dt.time())],
            # An empty partition fails row_count; 1 keeps 1..N a valid range for GX.
            PARAM_ROW_COUNT: max(len(frame), 1),
        },
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


def _suite_identifier(checkpoint: Any) -> Any:
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    (validation_definition,) = checkpoint.validation_definitions
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
    "PartitionValidation",
    "format_failures",
    "partition_date",
    "read_partition",
    "validate_partitions",
]
