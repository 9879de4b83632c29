"""The Airflow pool every DAG task that writes the data root runs in.

One slot: the scheduler queues the writing tasks of different DAGs
(``ingest_digests.land``, ``backfill_digests.ingest_range``,
``build_warehouse.build_and_publish``) instead of starting them together;
``max_active_runs`` only keeps runs of one DAG apart. The data root's writer
lock (:mod:`papertrend.writers`) would refuse the second one anyway; the pool
makes it wait its turn instead of failing.

``python -m papertrend.pools`` creates it (or puts it back to one slot):
`make airflow`, `make run` and compose's ``airflow-init`` run it after the
metadata database is migrated. The DAG files import only the name.
"""

from __future__ import annotations

WRITER_POOL = "papertrend_writer"
WRITER_POOL_SLOTS = 1


def ensure_writer_pool() -> None:
    """Create the writer pool in Airflow's metadata database (configured by the caller's environment)."""
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        WRITER_POOL,
        WRITER_POOL_SLOTS,
        description="papertrend: tasks that write the data root (lake, ledger, warehouse), one at a time",
        include_deferred=False,
    )


if __name__ == "__main__":
    ensure_writer_pool()
    print(f"pool {WRITER_POOL}: {WRITER_POOL_SLOTS} slot")
