"""`export`: pulled snapshots -> a new, immutable dataset version folder.

Records are parsed and written a chunk at a time, split by split: Python objects exist for
one chunk only, and a chunk's annotation results and texts are read from its own bucket
file (source.py), so memory does not grow with the number of articles. The folder appears
only when complete.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl
import pyarrow as pa

from curation import defaults, memory
from curation.errors import CurationError
from curation.export import card, versions
from curation.export import manifest as mf
from curation.export.encoding import writer_options
from curation.export.features import CONFIGS, FEATURES_VERSION, SPLITS, features_id
from curation.export.layout import shard_stems
from curation.export.pseudonyms import salt
from curation.export.rows import columns
from curation.export.select import RULE
from curation.export.source import ROWS, Plan, plan, read_bucket, to_record
from curation.export.spill import Spill, changelog, merged
from curation.export.splits import DEFAULT_RATIOS, RULE as SPLIT_RULE, empty_splits
from curation.export.write import VersionFolder
from curation.schema import SCHEMA
from curation.server.process import url_for
from curation.team.provenance import review_provenance
from curation.workspace import Workspace

DEFAULT_LICENSE = defaults.LICENSE


class SameContent(CurationError, ValueError):
    """The export equals an existing version; a new number for it needs allow_same."""


@dataclass(frozen=True)
class Exported:
    """A version written. `summary`: its manifest without the per-article parts (`articles`, `story_splits`), the
    changelog as counts of articles added, removed and changed; `manifest`, whole, is read when asked for (it
    names every article: export itself never holds it whole)."""

    path: Path
    summary: dict[str, Any]

    @property
    def counts(self) -> dict[str, Any]:
        return self.summary["counts"]

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return mf.read(self.path)


def default_root(ws: Workspace) -> Path:
    return ws.root / "datasets"


def source_project(ws: Workspace) -> dict[str, Any]:
    """Where the labels came from: the server's scheme, host and port (never credentials) and project id."""
    config = ws.config()
    url = urlsplit(os.environ.get("LABEL_STUDIO_URL") or config.label_studio_url or url_for(config.port))
    return {"label_studio": f"{url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else ""),
            "project_id": config.project_id}


@dataclass(frozen=True)
class Chunk:
    """One chunk of articles, built: its tables per config and what the manifest needs of it."""

    split: str
    tables: dict[str, pa.Table]
    articles: int
    labels: Counter[str]
    relations: Counter[str]
    model_versions: frozenset[str]
    fingerprints: dict[str, str]
    misaligned: int  # spans not on token boundaries
    unreadable: int  # submitted, not final annotations left out of `annotations`: their result does not fit


def build_chunk(job: tuple[str, Path, bytes]) -> Chunk:
    """Parse a chunk of chosen annotations (its bucket's rows) and lay out every config's rows; runs in any process.
    The chunk's objects are freed (by reference counting) before the cyclic collector is back: alive, they would be
    scanned by the collection their number triggers."""
    with paused_gc():
        return chunk_of(*job)


def chunk_of(split: str, bucket_path: Path, key: bytes) -> Chunk:
    bucket = read_bucket(bucket_path)
    parsed = [to_record(row, bucket, key) for row in pickle.loads(bucket[ROWS][0])]
    records = [record for record, _ in parsed]
    tables, misaligned = columns(records)
    return Chunk(
        split=split,
        tables={config: cols.table() for config, cols in tables.items()},
        articles=len(records),
        labels=Counter(span.label for r in records for span in r.spans),
        relations=Counter(rel.type for r in records for rel in r.relations),
        model_versions=frozenset(r.model_version for r in records if r.model_version),
        fingerprints={r.article.article_id: mf.fingerprint(r.article.content_hash, r.spans, r.relations)
                      for r in records},
        misaligned=misaligned, unreadable=sum(n for _, n in parsed),
    )


def release_memory() -> None:
    """Hand the memory the selection freed back to the system before the chunks are built (what it held grows with
    the number of articles), and map every block of 1 MiB or more on its own from now on (the chunks repeat)."""
    gc.collect()
    memory.release()
    memory.map_big_blocks()


# The selection reads every result in batches of ~3 MB: from the heap, reused, rather than each one mapped and its
# pages faulted in (~60,000 page faults per 10,000 articles); fixed, so that glibc does not raise it to 32 MiB.
SELECTION_BIG_BLOCKS = 4 << 20


@contextmanager
def arrow_on_the_c_heap() -> Iterator[None]:
    """pyarrow's allocations (arrays, Parquet reads) from the C heap while exporting (see heap.py; the Parquet
    writers' own buffers follow ARROW_DEFAULT_MEMORY_POOL only), big blocks mapped on their own from 4 MiB."""
    previous = pa.default_memory_pool()
    use_the_c_heap(SELECTION_BIG_BLOCKS)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def use_the_c_heap(big: int = memory.BIG) -> None:
    """pyarrow allocates from the C heap from now on, its blocks of `big` bytes or more mapped on their own (in this
    process; the pool's worker processes, which only build chunks, call it too)."""
    memory.map_big_blocks(big)
    pa.set_memory_pool(pa.system_memory_pool())


@contextmanager
def paused_gc() -> Iterator[None]:
    """A chunk makes hundreds of thousands of small, acyclic objects (parsed JSON, spans) that reference counting
    frees; the cyclic collector would rescan them all again and again (~20% of an export)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Tally:
    """Counts per split, and per-article fingerprints (spilled to `folder`, one file per split, each in article id
    order as the chunks are), accumulated as chunks are written."""

    def __init__(self, folder: Path) -> None:
        self.counts = {s: {"articles": 0, "rows": dict.fromkeys(CONFIGS, 0), "bytes": dict.fromkeys(CONFIGS, 0),
                           "labels": dict.fromkeys(SCHEMA.span_labels, 0),
                           "relations": dict.fromkeys(SCHEMA.relation_types, 0), "misaligned_spans": 0,
                           "unreadable_annotations": 0} for s in SPLITS}
        self.fingerprints = {s: Spill(folder / f"fingerprints-{s}") for s in SPLITS}
        self.model_versions: set[str] = set()

    def articles(self) -> Iterator[tuple[str, str]]:
        """(article id, fingerprint) of every article written, in article id order."""
        return merged(spill.close() for spill in self.fingerprints.values())

    @property
    def written(self) -> int:
        return sum(entry["articles"] for entry in self.counts.values())

    def add(self, chunk: Chunk) -> None:
        entry = self.counts[chunk.split]
        entry["articles"] += chunk.articles
        for config, table in chunk.tables.items():
            entry["rows"][config] += table.num_rows
            entry["bytes"][config] += table.nbytes
        for label, n in chunk.labels.items():
            entry["labels"][label] += n
        for kind, n in chunk.relations.items():
            entry["relations"][kind] += n
        entry["misaligned_spans"] += chunk.misaligned
        entry["unreadable_annotations"] += chunk.unreadable
        self.model_versions |= chunk.model_versions
        self.fingerprints[chunk.split].extend(chunk.fingerprints.items())


def built_chunks(planned: Plan, key: bytes, workers: int) -> Iterator[Chunk]:
    """Every chunk of every split, in write order.

    With workers > 1 this process builds every `workers`-th chunk itself and a pool of `workers - 1` processes
    the others, a few chunks ahead at most (memory stays bounded); the pool's start-up (imports) is hidden
    behind the first chunk built here."""
    slices = planned.chunks

    def job(i: int) -> tuple[str, Path, bytes]:
        split, _, bucket = slices[i]
        return split, bucket, key

    if workers <= 1:
        yield from (build_chunk(job(i)) for i in range(len(slices)))
        return
    theirs = iter([i for i in range(len(slices)) if i % workers])
    with multiprocessing.get_context("forkserver").Pool(workers - 1, use_the_c_heap) as pool:
        pending: dict[int, AsyncResult[Chunk]] = {}

        def submit() -> None:
            if (i := next(theirs, None)) is not None:
                pending[i] = pool.apply_async(build_chunk, (job(i),))

        for _ in range(2 * (workers - 1)):
            submit()
        for i in range(len(slices)):
            if i % workers == 0:
                yield build_chunk(job(i))
            else:
                yield pending.pop(i).get()
                submit()


def shard_files(stem: str) -> list[str]:
    return [f"{config}/{stem}.parquet" for config in CONFIGS]


def append_chunk(out: VersionFolder, chunk: Chunk, stem: str, done: str | None) -> None:
    """Append a chunk to its shard's files (`stem`: layout.shard_stems), after closing those of the shard `done`
    (all of whose chunks are written: chunks come shard by shard)."""
    if done:
        out.close(shard_files(done))
    for config, table in chunk.tables.items():
        out.append(f"{config}/{stem}.parquet", table)


def write_chunks(out: VersionFolder, chunks: Iterator[tuple[str, Chunk]], tally: Tally,
                 on_chunk: Callable[[], None]) -> None:
    """Append every chunk to its shard's Parquet files in a background thread while the next chunk is built
    (Parquet encoding releases the GIL); at most one chunk waits to be written, so memory stays flat (its big
    blocks are unmapped as they are freed: export calls memory.map_big_blocks)."""
    with ThreadPoolExecutor(1) as writer:
        pending: Future[None] | None = None
        shard: str | None = None
        for stem, chunk in chunks:
            if pending:
                pending.result()
            pending = writer.submit(append_chunk, out, chunk, stem, shard if shard not in (None, stem) else None)
            shard = stem
            tally.add(chunk)
            on_chunk()
        if pending:
            pending.result()


def agreement(live: pl.DataFrame, tasks: pl.DataFrame) -> dict[str, Any]:
    """The figures `curation agreement` gives, for the card: span F1 between annotator pairs per label and
    Krippendorff's alpha over tokens, over the tasks two or more annotators submitted (`live` and `tasks`:
    their annotations and task copies, from source.plan)."""
    # imported here: curation.quality imports export's modules, whose package imports this one
    from curation.quality.agreement import span_agreement, token_alpha
    from curation.quality.annotations import parse as parse_annotations

    tasks = parse_annotations(live, tasks).multi_annotated()
    spans, _ = span_agreement(tasks)
    return {"tasks": len(tasks),
            "span_f1": {f"{r['label']} {r['match']}": r["f1"] for r in spans.iter_rows(named=True)},
            "token_alpha": {r["label"]: r["alpha"] for r in token_alpha(tasks).iter_rows(named=True)}}


def check_features(number: str, parent: str | None, parent_manifest: dict[str, Any] | None) -> None:
    """A change of the configs' features is a breaking change for every loader: refused under the same major."""
    if parent_manifest is None or parent_manifest.get("features_id") == features_id():
        return
    major = versions.parse(number)[0]
    if versions.parse(parent)[0] == major:
        raise versions.VersionError(
            f"the dataset's features changed since {parent} (features version {parent_manifest.get('features_version', 1)}"
            f" -> {FEATURES_VERSION}): a new major version is needed, e.g. --version {major + 1}.0.0 or --bump major")


def target_version(dataset_dir: Path, version: str | None, bump: str | None) -> str:
    if (version is None) == (bump is None):
        raise versions.VersionError("give exactly one of a version (X.Y.Z) or a bump (major, minor, patch)")
    if version is not None:
        versions.parse(version)
        return version
    if bump not in versions.BUMPS:
        raise versions.VersionError(f"bump {bump!r}: use one of {', '.join(versions.BUMPS)}")
    existing = versions.versions(dataset_dir)
    return versions.bump(existing[-1] if existing else None, bump)


def export(ws: Workspace, name: str, *, version: str | None = None, bump: str | None = None, root: Path | None = None,
           ratios: tuple[float, float, float] | None = None, allow_same: bool = False,
           license: str = DEFAULT_LICENSE, workers: int = 1, simulated: bool = False, hub_repo: str | None = None,
           copies: bool = False, min_per_split: int = 0,
           on_progress: Callable[[int, int], None] = lambda done, total: None) -> Exported:
    """Write `ROOT/NAME/VERSION/` from the pulled snapshots: reviewed tasks only, one final annotation per article.

    Raises VersionError / VersionExists for a bad or existing version number, SameContent when the data equals
    an existing version's and `allow_same` is off. `workers` processes build the chunks; the files are the
    same bytes whatever their number. One row set per story (its newest reviewed task), every reviewed copy with `copies`;
    splits by story (curation/export/splits.py), at least `min_per_split` stories each where possible.
    `on_progress(articles written, articles in all)` follows each chunk.
    `simulated`: the labels come from simulated annotators, and the card says so; `hub_repo`: the Hub repo the
    version is for, named in the card's load lines. NothingReviewed when no task is reviewed.
    """
    dataset_dir = versions.dataset_dir(root or default_root(ws), name)
    number = target_version(dataset_dir, version, bump)
    parent = versions.parent(dataset_dir, number)
    parent_manifest = mf.read(dataset_dir / parent) if parent else None
    check_features(number, parent, parent_manifest)
    if ratios is None:
        ratios = tuple(parent_manifest["split_ratios"][s] for s in SPLITS) if parent_manifest else DEFAULT_RATIOS
    contents = {other: mf.read(dataset_dir / other).get("content_id") for other in versions.versions(dataset_dir)}
    key = salt(ws)
    with tempfile.TemporaryDirectory(prefix="export-buckets-", dir=ws.dir) as buckets, arrow_on_the_c_heap(), \
            VersionFolder(dataset_dir, number, writer_options) as out:
        spilled, tally = Path(buckets), Tally(Path(buckets))
        planned, multi, multi_tasks = plan(ws, ratios, spilled, min_per_split=min_per_split, copies=copies,
                                           inherited=parent_manifest.get("story_splits") if parent_manifest else None)
        selection, total, stories = planned.selection, planned.articles, planned.stories
        # what the manifest needs of the per-story and multi-annotated parts, before the chunks: then let them go
        story_splits, empty = Spill(spilled / "stories").extend(stories.splits.items()).close(), empty_splits(stories.splits)
        agreed, reviewed = agreement(multi, multi_tasks), review_provenance(selection, key)
        stories, selection = replace(stories, splits={}), replace(selection, chosen=selection.chosen.clear())
        planned = replace(planned, stories=stories, selection=selection)
        del multi, multi_tasks
        release_memory()
        stems = shard_stems([split for split, _, _ in planned.chunks])
        write_chunks(out, zip(stems, built_chunks(planned, key, workers)), tally,
                     lambda: on_progress(tally.written, total))
        files = out.close_files()
        content = mf.content_id(files)
        for other, theirs in contents.items():
            if not allow_same and theirs == content:
                raise SameContent(f"the data equals version {other}; pass --allow-same to publish it as {number}")
        changes = changelog(spilled, parent_manifest.pop("articles") if parent_manifest else None, tally.articles())
        manifest = {
            "name": name, "version": number, "schema_version": SCHEMA.schema_version, "parent": parent,
            "features_version": FEATURES_VERSION, "features_id": features_id(),
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "source": source_project(ws), "review_policy": ws.config().review.model_dump(), "selection_rule": RULE,
            "split_ratios": dict(zip(SPLITS, ratios)), "split_rule": SPLIT_RULE,
            "stories": {"stories": stories.stories, "copies_included": total - stories.stories,
                        "copies_left_out": stories.copies_left_out, "min_per_split": min_per_split,
                        "empty_splits": empty},
            "license": license, "hub_repo": hub_repo,
            "annotations_creators": "machine-generated" if simulated else "expert-generated",
            "model_versions": sorted(tally.model_versions), "tasks": selection.states,
            "excluded_annotations": selection.excluded, "superseded_tasks": selection.superseded,
            "review": reviewed, "agreement": agreed, "counts": tally.counts, "content_id": content,
        }
        out.write_text(mf.CARD, card.render({**manifest, "changelog": changes}))  # the card needs their sizes only
        manifest["files"] = out.close_files()
        streams = {("articles",): (dict, tally.articles()), ("story_splits",): (dict, story_splits),
                   **{("changelog", kind): (list, changes[kind].keys()) for kind in changes}}
        mf.write_streamed(out.tmp / mf.MANIFEST, {**manifest, "articles": None, "story_splits": None,
                                                   "changelog": dict.fromkeys(changes)}, streams)
        return Exported(out.commit(), {**manifest, "changelog": {kind: len(ids) for kind, ids in changes.items()}})
