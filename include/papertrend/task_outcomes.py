"""How a DAG task ends early: skipped or failed, always with its reason in the task log.

Airflow logs a skip as "Skipping task." and keeps the reason only as a
structured field the log view does not show, and a failure as a traceback.
The operator opening the log should read why first, in plain words, from the
``papertrend.dags`` logger (which `make run` also quotes). Only the DAG files
use this module; the rest of the package does not need Airflow.
"""

from __future__ import annotations

import logging
from typing import NoReturn

log = logging.getLogger("papertrend.dags")


def skip(reason: str) -> NoReturn:
    """Skip the task (and, by default, its downstream tasks): nothing to do, not an error."""
    from airflow.sdk.exceptions import AirflowSkipException

    log.info("skipped: %s", reason)
    raise AirflowSkipException(reason)


def fail(reason: str) -> NoReturn:
    """Fail the task without retrying: the same input would fail again."""
    from airflow.sdk.exceptions import AirflowFailException

    log.error("failed: %s", reason)
    raise AirflowFailException(reason)
