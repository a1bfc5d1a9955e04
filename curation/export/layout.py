"""Where a version's Parquet files are: shards of at most SHARD chunks per config and split.

A split is written as `{config}/{split}-00000-of-00003.parquet`, ... (the names `datasets`'
`push_to_hub` gives): Parquet writers hold every row group's metadata (~1 kB per column
chunk, ~0.1 MB per chunk over the five configs) until the file is closed, so a file of
bounded size bounds that memory whatever the number of articles; one file per split
would hold 150 MB of it at a million. Shards are cut by chunk count, known from the plan,
so the names (and bytes) are the same in every run. Versions written before shards have
one `{config}/{split}.parquet`; `split_files` finds either.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

SHARD = 20  # chunks per shard (10,000 articles of source.CHUNK): a footer of ~2 MB held at most, over the five configs


def shard_stems(splits: list[str]) -> list[str]:
    """The shard of each chunk (`train-00000-of-00002`), given each chunk's split in write order."""
    total, seen, stems = Counter(splits), Counter[str](), []
    for split in splits:
        stems.append(f"{split}-{seen[split] // SHARD:05d}-of-{-(-total[split] // SHARD):05d}")
        seen[split] += 1
    return stems


def pattern(config: str, split: str) -> str:
    """The card's `data_files` path of a split's shards."""
    return f"{config}/{split}-*.parquet"


def split_files(version_dir: Path, config: str, split: str) -> list[Path]:
    """A config's files of one split, in row order: its shards, or the one file of a version before shards; none
    when the split had no rows."""
    folder = version_dir / config
    return sorted(folder.glob(f"{split}-*-of-*.parquet")) or [p for p in [folder / f"{split}.parquet"] if p.exists()]
