"""The quality gate's validation: the GX suite for digest_entries and the function that runs it.

Nothing here imports Great Expectations at module level; ``validate_partitions``
opens the context once per call. Names are resolved lazily so that
``python -m papertrend.validation.suite`` runs cleanly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from papertrend.validation.gate import (
        Gate,
        PartitionValidation,
        format_failures,
        validate_partitions,
    )

__all__ = ["Gate", "PartitionValidation", "format_failures", "validate_partitions"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from papertrend.validation import gate

        return getattr(gate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
