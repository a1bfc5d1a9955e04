"""Pulled snapshots -> the reviewed articles of a dataset, read a chunk at a time.

The selection runs on the snapshots without their large columns (annotation
results, task texts): ids, states and dates of every annotation, each row with its
place in its file. The large values are then read once, file by file in small
batches, and only those the dataset needs are sorted into one bucket file per
chunk (`Buckets`), so a chunk is parsed from its own bucket and memory does not
grow with the number of articles. Results are loaded in full only for tasks two or
more annotators submitted, which the agreement rule and the card's figures need.

Every span is checked against the text (`text[start:end] == span.text`) before
anything is exported (parse.py; `curation.tasks.document_from_result` explains any
invalid result).
"""

from __future__ import annotations

import mmap
import pickle
import struct
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from curation.errors import CurationError
from curation.export.features import SPLITS
from curation.export.parse import RelationRow, SpanRow, read_result
from curation.export.pseudonyms import pseudonym
from curation.export.select import Selection, choose
from curation.export.splits import assign
from curation.models import Article
from curation.stories.ids import first_story_id
from curation.sync import snapshots
from curation.sync.review import flagged
from curation.team.roster import review_rule
from curation.workspace import Workspace

CHUNK = 500  # articles parsed and written at a time (fixed: row groups, hence bytes, depend on it)
BATCH = 128  # rows of a large column decoded at a time (a pull file is one row group: its results one column chunk)
BUFFERED = 16 << 20  # bytes of bucket records held before they are appended to their files (32: +50 MB at 100,000)
RESULT, DATA, ROWS = b"r", b"d", b"m"  # bucket records: a result, a task's data, a chunk's rows (pickled)
binary = pa.binary()
SUBMITTED = ("annotation_id", "author", "review", "ground_truth", "lead_time", "created_at", "updated_at")
ROW = ("task_id", "annotation_id", "author", "model_version", "split", "submitted")  # what to_record reads of a row


BY_OFFSETS = itemgetter(1, 2, 0)  # SpanRow: start, end, id


class NothingReviewed(CurationError, ValueError):
    """No task is reviewed under the policy: there is nothing to export."""


@dataclass(frozen=True)
class Submitted:
    """One submitted annotation of a dataset's task (the `annotations` config)."""

    annotation_id: int
    annotator: str
    review: str | None
    ground_truth: bool
    lead_time: float | None
    created_at: str | None
    updated_at: str | None
    spans: list[SpanRow]
    relations: list[RelationRow]


@dataclass(frozen=True)
class Record:
    """One article of a dataset: its final annotation's spans and relations, with provenance and split, and every
    submitted annotation of its task."""

    article: Article
    spans: list[SpanRow]  # sorted by start, end, id
    relations: list[RelationRow]  # sorted by from, to, type
    model_version: str | None
    task_id: int
    annotation_id: int
    annotator: str
    schema_version: int
    split: str
    annotations: list[Submitted]  # by annotation id; unreadable ones left out (Plan counts them)


@dataclass(frozen=True)
class Plan:
    """What export reads: every chunk in write order, each a bucket file holding its rows (the chosen annotation of
    each of its articles, with provenance and the task's submitted annotations), their results and task data. Nothing
    per article is held in memory."""

    selection: Selection
    chunks: tuple[tuple[str, int, Path], ...]  # (split, articles, bucket file)
    stories: StoryCounts

    @property
    def articles(self) -> int:
        return sum(n for _, n, _ in self.chunks)


def article_from_task(task_id: int, data: dict[str, Any]) -> Article:
    """The Article a task was made from, out of its `data` (missing metadata is "" or null there)."""
    fields = {key: data.get(key) or None for key in ("title", "byline", "published", "url", "publisher")}
    return Article(article_id=data["article_id"], content_hash=data["content_hash"], text=data["text"],
                   story_id=data.get("story_id") or first_story_id(data["article_id"]),
                   source_path=f"label-studio task {task_id}", **fields)


@dataclass(frozen=True)
class StoryCounts:
    """What the story rule did to a selection (for the manifest and card)."""

    stories: int
    copies_left_out: int  # reviewed copies of a story whose other copy is the story's row (without `copies`)
    splits: dict[str, str]  # story_id -> split


def one_per_story(chosen: pl.DataFrame, copies: bool) -> pl.DataFrame:
    """The story's newest reviewed task per story (all reviewed copies with `copies`)."""
    if copies:
        return chosen
    return chosen.sort(["story_id", "task_id"], descending=[False, True]).unique("story_id", keep="first")


def snapshot_files(ws: Workspace, project_id: int, prefix: str) -> list[Path]:
    """The snapshot files `snapshots` reads, in its order (oldest pull first); a damaged one is named (ops)."""
    return snapshots.files(ws, project_id, prefix)


def located(files: list[Path], schema: dict[str, Any], columns: tuple[str, ...]) -> pl.DataFrame:
    """`columns` of every row of the snapshot files (null where an older file lacks one), with its place: `file`
    index and `row`. Only those columns are read (a lazy scan's projection): never the large values, nor the
    columns the selection does not use."""
    empty = pl.DataFrame(schema={"row": pl.UInt32, **{c: schema[c] for c in columns}, "file": pl.Int32})
    scans = []
    for i, path in enumerate(files):
        scan = pl.scan_parquet(path)
        present = scan.collect_schema()
        scans.append(scan.select(pl.col(c) if c in present else pl.lit(None, schema[c]).alias(c) for c in columns)
                     .with_row_index("row").with_columns(pl.lit(i, pl.Int32).alias("file")))
    return pl.concat(scans).collect() if scans else empty


def batches(files: list[Path], column: str, wanted: pl.DataFrame) -> Iterator[tuple[pl.DataFrame, pa.Array]]:
    """(tags, values of `column`) for the rows of `wanted` (columns file, row, then the tags), batch by batch: each
    file is read once, BATCH rows at a time (never a whole column)."""
    for (index,), rows in wanted.sort("file", "row").group_by("file", maintain_order=True):
        at = rows["row"].to_numpy().astype(np.int64)
        tags = rows.drop("file", "row")
        offset, j = 0, 0
        try:  # a page damaged after the footer was checked: name the file, not the dataset being written
            handle = pq.ParquetFile(files[index], pre_buffer=False, buffer_size=1 << 20)
            for batch in handle.iter_batches(batch_size=BATCH, columns=[column]):
                stop = int(np.searchsorted(at, offset + batch.num_rows))
                if stop > j:
                    yield tags.slice(j, stop - j), rows_of(batch.column(0), at[j:stop] - offset)
                j, offset = stop, offset + batch.num_rows
                if j == len(at):
                    break
        except (OSError, pa.ArrowException) as exc:
            raise snapshots.unreadable(files[index], exc) from None


def rows_of(values: pa.Array, at: np.ndarray) -> pa.Array:
    """values[at] (`at` ascending): a slice, not a copy, when `at` is a run of rows, as it mostly is (a pull file's
    rows are mostly live annotations; a batch of their results is ~3 MB)."""
    if at[-1] - at[0] == len(at) - 1:
        return values.slice(int(at[0]), len(at))
    return values.take(at)


def scan(files: list[Path], column: str, wanted: pl.DataFrame) -> Iterator[tuple[Any, memoryview | None]]:
    """(tag, UTF-8 value of `column`) for each row of `wanted` (columns file, row, then the tag's: one, or a tuple
    of several), as `batches` reads them; each value a view into its batch's buffer (no copy)."""
    for tags, values in batches(files, column, wanted):
        keys = tags.to_series().to_list() if tags.width == 1 else list(tags.iter_rows())
        yield from zip(keys, views(values))


def views(values: pa.Array) -> list[memoryview | None]:
    """Every value of a string or binary array as a view into its data buffer (None where null): a result is
    ~25 KB, and copying each into a bytes object of its own cost a page fault per 4 KB."""
    values = values.cast(binary)
    offsets = np.frombuffer(values.buffers()[1], np.int32)[values.offset:values.offset + len(values) + 1].tolist()
    data = memoryview(values.buffers()[2] or b"")
    found: list[memoryview | None] = [data[a:b] for a, b in zip(offsets, offsets[1:])]
    for i in np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False)) if values.null_count else ():
        found[i] = None
    return found


class Buckets:
    """Append-only bucket files, one per chunk, of (kind, key, value) records; buffered so that few files are
    open at once and memory stays bounded."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.parts, self.size = folder, defaultdict(list), 0

    def add(self, chunk: int, kind: bytes, key: int, data: bytes | memoryview) -> None:
        self.parts[chunk] += struct.pack("<cqI", kind, key, len(data)), data
        self.size += len(data)
        if self.size > BUFFERED:
            self.flush()

    def flush(self) -> None:
        for chunk, parts in self.parts.items():
            with (self.folder / str(chunk)).open("ab") as out:
                out.writelines(parts)  # not joined first: 32 MB more to map and fault in
        self.parts.clear()
        self.size = 0


def read_bucket(path: Path) -> dict[bytes, dict[int, memoryview]]:
    """A bucket's records by kind and key: views into the file, mapped (a chunk's results are tens of MB: mapped
    from the page cache, not copied into a buffer whose every page is faulted in; unmapped with the last view)."""
    found: dict[bytes, dict[int, memoryview]] = {RESULT: {}, DATA: {}, ROWS: {}}
    if not path.exists() or not path.stat().st_size:
        return found
    with path.open("rb") as handle:
        data = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
    head = struct.calcsize("<cqI")
    at = 0
    while at < len(data):
        kind, key, size = struct.unpack_from("<cqI", data, at)
        found[kind][key] = data[at + head:at + head + size]
        at += head + size
    return found


def submitted_at_least(live: pl.DataFrame, least: int) -> pl.Expr:
    """Rows of tasks submitted `least` times or more (2: whose results the agreement rule and figures read)."""
    submitted = live.filter(~pl.col("was_cancelled")).group_by("task_id").len()
    return pl.col("task_id").is_in(submitted.filter(pl.col("len") >= least)["task_id"].implode())


def with_results(live: pl.DataFrame, files: list[Path], rows: pl.Expr) -> pl.DataFrame:
    """`live` with a `result` column: the JSON for the rows `rows` selects, null for the others."""
    wanted = live.filter(rows).select("file", "row", pl.col("annotation_id").alias("tag"))
    found = {key: str(value, "utf-8") for key, value in scan(files, "result", wanted)}
    return live.with_columns(pl.col("annotation_id").replace_strict(found, default=None, return_dtype=pl.String).alias("result"))


# What the selection reads of every annotation and of every task copy (the rest stays on disk until a chunk needs it).
LIVE = ("event", "task_id", "article_id", "annotation_id", "completed_by", "updated_by", "was_cancelled",
        "ground_truth", "lead_time", "created_at", "updated_at", "review")
TASK = ("task_id", "model_version")


def live_state(ws: Workspace, project_id: int) -> tuple[pl.DataFrame, list[Path]]:
    """The latest version of every undeleted annotation, without results, and the snapshot files it points into."""
    files = snapshot_files(ws, project_id, "pull")
    rows = located(files, snapshots.SCHEMA, LIVE)
    return snapshots.latest(rows).filter(pl.col("event") != "deleted").drop("event"), files


def task_copies(ws: Workspace, project_id: int) -> tuple[pl.DataFrame, list[Path]]:
    """The latest pulled copy of every task, without its data and prediction, and its files."""
    files = snapshot_files(ws, project_id, "tasks")
    rows = located(files, snapshots.TASK_SCHEMA, TASK)
    return rows.group_by("task_id", maintain_order=True).last(), files


def refuse_empty(selection: Selection) -> None:
    if selection.chosen.height:
        return
    states = ", ".join(f"{n} {state}" for state, n in selection.states.items())
    raise NothingReviewed(f"nothing to export: no task is reviewed under the review policy (tasks with annotations: "
                          f"{states}); review some in Label Studio, then `curation pull`")


def plan(ws: Workspace, ratios: tuple[float, ...], buckets: Path, *, inherited: dict[str, str] | None = None,
         min_per_split: int = 0, copies: bool = False) -> tuple[Plan, pl.DataFrame, pl.DataFrame]:
    """Choose the final annotations, one per story (every reviewed copy with `copies`), split by story
    (splits.assign), and sort what each chunk needs into `buckets`. Also returns the live annotations and task
    copies of the multi-annotated tasks (results and data included), for agreement."""
    project_id = snapshots.current_project(ws)
    rule = review_rule(ws)
    live, files = live_state(ws, project_id)
    live = with_results(live, files, submitted_at_least(live, 1 if rule.policy.agreeing_annotators == 1 else 2))
    live = flagged(live, rule)  # `author`: annotations are pseudonymised by who saved them, not their completed_by
    selection = choose(live)
    refuse_empty(selection)
    tasks, task_files = task_copies(ws, project_id)
    chosen = (selection.chosen.select("article_id", "task_id", "annotation_id", "author")
              .join(tasks.select("task_id", "model_version", pl.col("file").alias("task_file"),
                                 pl.col("row").alias("task_row")), on="task_id", how="left"))
    if missing := chosen.filter(pl.col("task_row").is_null())["task_id"].to_list():
        raise ValueError(f"tasks {missing} have annotations but no pulled task copy: run `curation pull --full`")
    chosen, stories = by_story(chosen, task_files, ratios, inherited, min_per_split, copies)
    chosen = chosen.with_columns((pl.int_range(pl.len()).over("split") // CHUNK).alias("part"))
    chosen = chosen.with_columns(pl.struct("split", "part").rank("dense").cast(pl.Int64).alias("chunk") - 1)
    submitted = (live.filter(~pl.col("was_cancelled") & pl.col("task_id").is_in(chosen["task_id"].implode()))
                 .select("file", "row", "task_id", *SUBMITTED).join(chosen.select("task_id", "chunk"), on="task_id"))
    bucket = Buckets(buckets)
    for (chunk, key), value in scan(files, "result", submitted.select("file", "row", "chunk", "annotation_id")):
        bucket.add(chunk, RESULT, key, value)
    for (chunk, key), value in scan(task_files, "data", chosen.select(
            pl.col("task_file").alias("file"), pl.col("task_row").alias("row"), "chunk", "task_id")):
        bucket.add(chunk, DATA, key, value)
    per_task = submitted.sort("annotation_id").group_by("task_id").agg(pl.struct(*SUBMITTED).alias("submitted"))
    chosen = chosen.join(per_task, on="task_id", how="left").sort("split", "article_id")
    del submitted, per_task
    chunks = []
    for (chunk,), rows in chosen.group_by("chunk", maintain_order=True):
        bucket.add(chunk, ROWS, 0, pickle.dumps(rows.select(ROW).to_dicts(), pickle.HIGHEST_PROTOCOL))
        chunks.append((SPLITS[rows["split"][0]], rows.height, buckets / str(chunk)))
    bucket.flush()
    multi = live.filter(submitted_at_least(live, 2))
    multi_tasks = tasks.filter(pl.col("task_id").is_in(multi["task_id"].implode()))
    data = {key: str(value, "utf-8") for key, value in scan(task_files, "data", multi_tasks.select(
        "file", "row", pl.col("task_id").alias("tag")))}
    multi_tasks = multi_tasks.with_columns(pl.col("task_id").replace_strict(data, default=None, return_dtype=pl.String).alias("data"))
    return Plan(selection, tuple(chunks), stories), multi, multi_tasks


def by_story(chosen: pl.DataFrame, task_files: list[Path], ratios: tuple[float, ...], inherited: dict[str, str] | None,
             min_per_split: int, copies: bool) -> tuple[pl.DataFrame, StoryCounts]:
    """The chosen annotations with their `story_id` (from each task copy's data, a batch at a time) and `split`, one
    per story unless `copies`, sorted by split, then article id."""
    found = pl.concat([tags.with_columns(pl.Series("found", values).str.json_path_match("$.story_id"))
                       for tags, values in batches(task_files, "data", chosen.select(
                           pl.col("task_file").alias("file"), pl.col("task_row").alias("row"), "task_id"))]
                      or [pl.DataFrame(schema={"task_id": pl.Int64, "found": pl.String})])
    chosen = chosen.join(found, on="task_id", how="left")
    chosen = chosen.with_columns(pl.coalesce("found", pl.lit("st_") + pl.col("article_id").str.strip_prefix("art_"))
                                 .alias("story_id")).drop("found")
    rows = one_per_story(chosen, copies)
    splits = assign(rows["story_id"].to_list(), ratios, inherited, min_per_split)
    index = {story_id: SPLITS.index(split) for story_id, split in splits.items()}
    split = pl.col("story_id").replace_strict(index, return_dtype=pl.Int64) if index else pl.lit(0, pl.Int64)
    counts = StoryCounts(len(splits), chosen.height - rows.height, splits)
    return rows.with_columns(split.alias("split")).sort("split", "article_id"), counts


def to_record(row: dict[str, Any], bucket: dict[bytes, dict[int, memoryview]], salt: bytes) -> tuple[Record, int]:
    """Parse one chosen annotation (a row of a Plan chunk) into a Record; also returns how many other submitted
    annotations of its task were left out as unreadable."""
    data = orjson.loads(bucket[DATA][row["task_id"]])
    article = article_from_task(row["task_id"], data)
    spans, relations = read_result(article, bucket[RESULT][row["annotation_id"]])
    spans, relations = sorted(spans, key=BY_OFFSETS), sorted(relations)
    annotations, unreadable = [], 0
    for a in row["submitted"] or ():
        if a["annotation_id"] == row["annotation_id"]:
            theirs = spans, relations
        else:
            try:
                found = read_result(article, bucket[RESULT][a["annotation_id"]])
            except ValueError:
                unreadable += 1
                continue
            theirs = sorted(found[0], key=BY_OFFSETS), sorted(found[1])
        annotations.append(Submitted(
            annotation_id=a["annotation_id"], annotator=pseudonym(salt, a["author"]), review=a["review"],
            ground_truth=bool(a["ground_truth"]), lead_time=a["lead_time"], created_at=a["created_at"],
            updated_at=a["updated_at"], spans=theirs[0], relations=theirs[1]))
    return Record(article=article, spans=spans, relations=relations, model_version=row["model_version"],
                  task_id=row["task_id"], annotation_id=row["annotation_id"],
                  annotator=pseudonym(salt, row["author"]), schema_version=int(data["schema_version"]),
                  split=SPLITS[row["split"]], annotations=annotations), unreadable
