"""How a version's Parquet columns are encoded: zstd throughout; statistics where readers use them, delta
encoding for token offsets, dictionary encoding for the rest.

Min/max statistics serve row group pruning on ids; on texts and labels they prune nothing and cost CPU and
footer memory. Token offsets ascend within each row: as differences (DELTA_BINARY_PACKED, a Parquet 2 encoding
pyarrow, polars, DuckDB and the Hub's viewer read) they are a third of the `tokens` config's bytes with less CPU.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from curation.export.features import PROVENANCE

STATISTICS = frozenset({*PROVENANCE, "sentence_index"})
DELTA = frozenset({"token_starts", "token_ends"})


def leaves(name: str, kind: pa.DataType) -> list[str]:
    """The Parquet column paths under an Arrow field (`tokens.list.element`, `spans.list.element.start`)."""
    if kind.num_fields == 0:
        return [name]
    if pa.types.is_list(kind):
        return leaves(f"{name}.list.element", kind.value_type)
    return [path for field in kind for path in leaves(f"{name}.{field.name}", field.type)]


def writer_options(schema: pa.Schema) -> dict[str, Any]:
    """ParquetWriter options for a config's schema."""
    paths = {field.name: leaves(field.name, field.type) for field in schema}
    delta = [path for name in DELTA & paths.keys() for path in paths[name]]
    return {"compression": "zstd",
            "write_statistics": [path for name in paths if name in STATISTICS for path in paths[name]],
            "use_dictionary": [path for name in paths if name not in DELTA for path in paths[name]],
            "column_encoding": dict.fromkeys(delta, "DELTA_BINARY_PACKED") or None}
