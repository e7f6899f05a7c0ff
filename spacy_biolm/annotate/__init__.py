"""Annotate collections: input units and their records (`formats`), the run that
streams them through a pipeline into atomic output shards (`run`)."""

from .formats import (
    INPUT_FORMATS,
    OUTPUT_FORMATS,
    Deleted,
    Record,
    Reject,
    ShardWriter,
    Unit,
    UnitError,
    count_records,
    find_units,
    open_writer,
    read_unit,
)

__all__ = [
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "Deleted",
    "Record",
    "Reject",
    "ShardWriter",
    "Unit",
    "UnitError",
    "count_records",
    "find_units",
    "open_writer",
    "read_unit",
]
