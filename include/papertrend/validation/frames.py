"""How a partition's Arrow table is shown to Great Expectations.

GX checks pandas dtypes, which are coarser than Arrow types, so the conversion
here is chosen so that every type in the landing contract arrives as a dtype
GX can name precisely, and a wrong Arrow type arrives as a different one:

| Arrow (contract)        | pandas dtype            | GX ``type_`` |
|-------------------------|-------------------------|--------------|
| int32                   | Int32 (nullable)        | ``int32``    |
| string                  | str                     | ``str``      |
| date32                  | datetime64 (naive)      | ``datetime64`` |
| timestamp(tz=UTC)       | datetime64[us, UTC]     | ``Timestamp``  |
| list<string>            | ArrowDtype(list)        | ``list``     |

Integers of every width become the nullable pandas integer of the same
width, so an int64 ``position`` fails the int32 check instead of passing, and
a null in an int column stays an integer column (pandas would otherwise turn
it into float64 and fail the type check as well as the null check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    import pandas as pd


def gx_type_name(arrow_type: pa.DataType) -> str:
    """The GX ``expect_column_values_to_be_of_type`` name for a contract type."""
    if pa.types.is_int32(arrow_type):
        return "int32"
    if pa.types.is_string(arrow_type):
        return "str"
    if pa.types.is_date(arrow_type):
        return "datetime64"
    if pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None:
        return "Timestamp"
    if pa.types.is_list(arrow_type):
        return "list"
    raise ValueError(f"no GX type name for Arrow type {arrow_type}; extend frames.py")


def _pandas_dtype_for(arrow_type: pa.DataType):
    import pandas as pd

    if pa.types.is_integer(arrow_type):
        # int32 -> Int32, uint8 -> UInt8: pandas' nullable integer of the same width.
        return pd.api.types.pandas_dtype(str(arrow_type).capitalize().replace("Uint", "UInt"))
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None  # pandas' own conversion


def to_validation_frame(table: pa.Table) -> pd.DataFrame:
    """The partition as the pandas frame GX validates (see the module docstring)."""
    return table.to_pandas(
        types_mapper=_pandas_dtype_for, date_as_object=False, use_threads=False
    )


def with_repeated_title(table: pa.Table) -> pa.Table:
    """The partition plus ``suite.REPEATED_TITLE``: the title where the abstract
    equals it, null elsewhere (and where either is null or missing).

    GX's own rule for "values differ within a record" compares each row in a
    pandas ``apply``, about half of the gate's time on a backfill; one
    vectorized comparison here leaves GX a plain null check on this column,
    which also shows the offending title in the failure summary.
    """
    import pyarrow.compute as pc

    from papertrend.validation.suite import REPEATED_TITLE

    names = table.schema.names
    if "title" in names and "abstract" in names and all(
        pa.types.is_string(table.schema.field(name).type) for name in ("title", "abstract")
    ):
        title = table.column("title")
        repeated = pc.if_else(pc.equal(title, table.column("abstract")), title, None)
    else:  # the columns or type rules fail such a partition
        repeated = pa.nulls(len(table), pa.string())
    return table.append_column(REPEATED_TITLE, repeated)


def partition_rows_frame(table: pa.Table) -> pd.DataFrame:
    """One partition as the frame the partition suite validates."""
    return to_validation_frame(with_repeated_title(table))


def batch_rows_frame(tables: list[pa.Table], keys: list[int]) -> pd.DataFrame:
    """Partitions that share one schema as one frame: their rows in order, with
    ``suite.REPEATED_TITLE`` (``with_repeated_title``) and ``suite.PARTITION_KEY``
    (int32) saying which partition each row comes from.

    Nullability and schema metadata are dropped (a partition written with
    nullable fields and one written with the contract's fields are one group);
    the types are kept, so the type rules see what each partition holds.
    """
    from papertrend.validation.suite import PARTITION_KEY

    schema = pa.schema([field.with_nullable(True) for field in tables[0].schema])
    parts = []
    for table, key in zip(tables, keys, strict=True):
        table = with_repeated_title(table.replace_schema_metadata(None).cast(schema))
        parts.append(table.append_column(PARTITION_KEY, pa.array([key] * len(table), pa.int32())))
    return to_validation_frame(pa.concat_tables(parts))


def schema_group(table: pa.Table) -> tuple[tuple[str, str], ...]:
    """Partitions with equal column names and types are validated in one frame."""
    return tuple((field.name, str(field.type)) for field in table.schema)


def digest_summary(key: int, partition_date, table: pa.Table) -> dict:
    """One partition as one row of the batch's digests frame (see ``suite.batch_rules``).

    ``min_<column>``/``max_<column>`` are left empty when the partition lacks
    the column or holds it with another type than the contract's: the columns
    and type rules fail such a partition.
    """
    import pyarrow.compute as pc

    from papertrend.schema import DIGEST_ENTRIES_SCHEMA
    from papertrend.validation.suite import (
        DIGEST_PARTITION_DATE,
        DIGEST_ROW_BOUND,
        DIGEST_ROW_COUNT,
        PARTITION_KEY,
        digest_aggregates,
    )

    rows = len(table)
    summary = {
        PARTITION_KEY: key,
        DIGEST_PARTITION_DATE: partition_date,
        DIGEST_ROW_COUNT: rows,
        DIGEST_ROW_BOUND: max(rows, 1),
    }
    for column in digest_aggregates():
        low = high = None
        contract_type = DIGEST_ENTRIES_SCHEMA.field(column).type
        if rows and column in table.column_names and table.schema.field(column).type == contract_type:
            found = pc.min_max(table.column(column))
            low, high = found["min"].as_py(), found["max"].as_py()
        summary[f"min_{column}"], summary[f"max_{column}"] = low, high
    return summary


def digests_frame(summaries: list[dict]) -> pd.DataFrame:
    """The digests frame GX validates: one ``digest_summary`` per partition."""
    from papertrend.schema import DIGEST_ENTRIES_SCHEMA
    from papertrend.validation.suite import (
        DIGEST_PARTITION_DATE,
        DIGEST_ROW_BOUND,
        DIGEST_ROW_COUNT,
        PARTITION_KEY,
    )

    types = {
        PARTITION_KEY: pa.int32(),
        DIGEST_PARTITION_DATE: pa.date32(),
        DIGEST_ROW_COUNT: pa.int64(),
        DIGEST_ROW_BOUND: pa.int64(),
    }
    names = list(summaries[0])
    for name in names:
        if name not in types:  # min_<column> / max_<column>: the contract's type
            types[name] = DIGEST_ENTRIES_SCHEMA.field(name.split("_", 1)[1]).type
    table = pa.table(
        {name: pa.array([summary[name] for summary in summaries], types[name]) for name in names}
    )
    return to_validation_frame(table)
