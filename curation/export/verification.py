"""`verify`: re-check a version against its manifest, loudly.

Checks every file's sha256 (and that no file was added or removed), every span's
and claim's `text[start:end]`, every token's offsets, and that the counts and
per-article fingerprints the manifest states are what the data gives. Without a
signature a determined forger can rewrite everything consistently; this catches
edits, truncation and bit rot.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from curation.export import manifest as mf
from curation.export.features import ATTRIBUTE, CONFIGS, SPAN_LABEL, SPLITS
from curation.export.layout import split_files
from curation.export.parse import RelationRow, SpanRow
from curation.export.write import sha256
from curation.schema import SCHEMA


def problems(version_dir: Path) -> list[str]:
    """Everything wrong with a version folder; empty when it is intact."""
    try:
        manifest = mf.read(version_dir)
    except mf.ManifestError as exc:
        return [str(exc)]
    found = {p.relative_to(version_dir).as_posix() for p in version_dir.rglob("*") if p.is_file()} - {mf.MANIFEST}
    listed = set(manifest.get("files", {}))
    errors = [f"{path}: not in the manifest" for path in sorted(found - listed)]
    errors += [f"{path}: missing" for path in sorted(listed - found)]
    errors += [f"{path}: sha256 differs from the manifest" for path in sorted(found & listed)
               if sha256(version_dir / path) != manifest["files"][path]]
    if mf.content_id(manifest.get("files", {})) != manifest.get("content_id"):
        errors.append("manifest: content_id does not match the files' hashes")
    if errors:
        return errors
    return content_problems(version_dir, manifest)


def read(version_dir: Path, config: str, split: str, columns: list[str] | None = None) -> list[dict]:
    """A config's rows of one split, shard after shard; none when the split has no file (it had no rows)."""
    return [row for path in split_files(version_dir, config, split)
            for row in pq.read_table(path, columns=columns).to_pylist()]


def content_problems(version_dir: Path, manifest: dict) -> list[str]:
    errors: list[str] = []
    texts: dict[str, str] = {}
    fingerprints: dict[str, str] = {}
    story_splits: dict[str, set[str]] = {}
    for split in SPLITS:
        counts = manifest["counts"][split]
        docs = read(version_dir, "documents", split)
        labels = Counter()
        for row in docs:
            text, article = row["text"], row["article_id"]
            texts[article] = text
            if row.get("story_id"):  # versions before stories have none
                story_splits.setdefault(row["story_id"], set()).add(split)
            spans = [SpanRow(s["id"], s["start"], s["end"], s["text"], SPAN_LABEL.int2str(s["label"]),
                             {k: ATTRIBUTE[k].int2str(v) for k, v in s["attributes"].items() if v})
                     for s in row["spans"]]
            errors += [f"documents/{split}: article {article} span {s.id}: text[{s.start}:{s.end}] is "
                       f"{text[s.start:s.end]!r}, not {s.text!r}" for s in spans if text[s.start:s.end] != s.text]
            labels.update(s.label for s in spans)
            relations = [RelationRow(r["from"], r["to"], SCHEMA.relation_types[r["type"]]) for r in row["relations"]]
            fingerprints[article] = mf.fingerprint(row["content_hash"], spans, relations)
        if len(docs) != counts["articles"] or dict(labels) != {k: v for k, v in counts["labels"].items() if v}:
            errors.append(f"documents/{split}: articles or label counts differ from the manifest")
        for row in read(version_dir, "claims", split, ["article_id", "claim_id", "start", "end", "text"]):
            if texts[row["article_id"]][row["start"]:row["end"]] != row["text"]:
                errors.append(f"claims/{split}: article {row['article_id']} claim {row['claim_id']}: offsets do not match its text")
        tokens = read(version_dir, "tokens", split,
                      ["article_id", "sentence_index", "tokens", "token_starts", "token_ends"])
        for row in tokens:
            text = texts[row["article_id"]]
            if any(text[a:b] != t for t, a, b in zip(row["tokens"], row["token_starts"], row["token_ends"])):
                errors.append(f"tokens/{split}: article {row['article_id']} sentence {row['sentence_index']}: token offsets do not match the text")
        for row in read(version_dir, "annotations", split, ["article_id", "annotation_id", "spans"]):
            text = texts[row["article_id"]]
            if any(text[s["start"]:s["end"]] != s["text"] for s in row["spans"]):
                errors.append(f"annotations/{split}: article {row['article_id']} annotation {row['annotation_id']}: "
                              "span offsets do not match the text")
        for config in (c for c in CONFIGS if c != "documents" and c in counts["rows"]):
            rows = sum(pq.ParquetFile(path).metadata.num_rows for path in split_files(version_dir, config, split))
            if rows != counts["rows"][config]:
                errors.append(f"{config}/{split}: row count differs from the manifest")
    if fingerprints != manifest["articles"]:
        errors.append("manifest: per-article fingerprints differ from the data")
    return errors + story_problems(story_splits, manifest.get("story_splits"))


def story_problems(found: dict[str, set[str]], recorded: dict[str, str] | None) -> list[str]:
    """A story whose rows sit in two splits (a leak), or in another split than the manifest says."""
    errors = [f"story {story}: rows in {' and '.join(sorted(splits))}: a story must not cross splits"
              for story, splits in sorted(found.items()) if len(splits) > 1]
    if recorded is not None:
        errors += [f"story {story}: in {', '.join(sorted(splits))}, the manifest says {recorded.get(story)}"
                   for story, splits in sorted(found.items()) if len(splits) == 1 and recorded.get(story) not in splits]
    return errors
