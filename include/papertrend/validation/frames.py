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
