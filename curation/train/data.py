"""Training data for the three labels, from exported dataset versions and from the public corpora.

Exported versions are read with `datasets.load_dataset` from the folders `curation
export` writes: the `sentences` config gives CLAIM (has_claim) and HEDGE (is_hedged)
decisions, the `documents` config SOURCE spans. Their `train` and `validation` splits
are used; `test` is left for judging. The public corpora are read in place from their
training splits (never copied): CheckThat! 2024 train (CLAIM), CoNLL-2010 Wikipedia
train (HEDGE), PolNeAR train (SOURCE, with Cue and Content as extra tags).

Every source records what it was (dataset name, version, manifest hash; corpus file
and sha256) for the model card.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from curation.export.write import sha256
from curation.evaluation.corpora import checkthat_rows, conll2010_wiki, polnear_spans
from curation.train.errors import DataError
from curation.train.features import rules_view
from curation.train.sentences import SentenceSet
from curation.train.spans import SpanDoc, SpanSet

TRAINING_SPLITS = ("train", "validation")
CHECKTHAT_BLOCK = 1000  # sentence ids run in debate order: a block of 1,000 ids stands for a debate in CV
CONLL_BLOCK = 50  # CoNLL-2010 Wikipedia sentences come in article order: blocks of 50 keep neighbours together


@dataclass
class TrainingData:
    claim: SentenceSet = field(default_factory=SentenceSet)
    hedge: SentenceSet = field(default_factory=SentenceSet)
    source: SpanSet = field(default_factory=SpanSet)
    provenance: dict = field(default_factory=lambda: {"datasets": [], "corpora": []})

    def finish(self) -> None:
        """The rules' view of every training sentence (features and the rules' own decision)."""
        self.claim.rule_texts = rules_view(self.claim.texts)
        self.hedge.rule_texts = rules_view(self.hedge.texts)


def parse_dataset_ref(ref: str) -> tuple[str, str]:
    name, sep, version = ref.partition("@")
    if not sep or not name or not version:
        raise DataError(f"--dataset {ref!r}: write NAME@X.Y.Z (e.g. claims@1.0.0)")
    return name, version


def add_dataset(data: TrainingData, root: Path, ref: str) -> None:
    """Add one exported version's sentences and SOURCE spans."""
    from datasets import load_dataset

    from curation.export.versions import VersionError, resolve

    name, version = parse_dataset_ref(ref)
    try:
        folder = resolve(root / name, version)
    except VersionError as exc:
        raise DataError(f"--dataset {ref}: {exc}") from None
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise DataError(f"{manifest}: missing; {folder} is not a dataset version curation exported")
    from curation.export.manifest import read as read_manifest

    read_manifest(folder)  # a damaged manifest: one line naming it and what is wrong (a CurationError)
    try:
        sentences = load_dataset(str(folder), "sentences")
        documents = load_dataset(str(folder), "documents")
    except Exception as exc:  # datasets raises many kinds; the message is what matters
        raise DataError(f"{folder}: cannot be loaded with datasets.load_dataset: {exc}") from None
    splits = [s for s in TRAINING_SPLITS if s in sentences]
    articles: set[str] = set()
    for split in splits:
        for row in sentences[split]:
            group = f"{name}:{row['article_id']}"
            data.claim.add(row["text"], bool(row["has_claim"]), group)
            data.hedge.add(row["text"], bool(row["is_hedged"]), group)
            articles.add(row["article_id"])
    labels = documents[splits[0]].features["spans"].feature["label"].names if splits else []
    for split in (s for s in TRAINING_SPLITS if s in documents):
        for row in documents[split]:
            gold = [(s["start"], s["end"], "SOURCE") for s in row["spans"] if labels[s["label"]] == "SOURCE"]
            data.source.docs.append(SpanDoc(row["article_id"], row["text"], gold, f"{name}:{row['article_id']}"))
            articles.add(row["article_id"])
    data.provenance["datasets"].append({
        "name": name, "version": folder.name, "path": str(folder), "splits": splits,
        "manifest_sha256": sha256(manifest), "articles": sorted(articles)})


def add_corpora(data: TrainingData, root: Path) -> None:
    """Add the public corpora's training splits, mapped onto the schema."""
    files = {
        "CheckThat! 2024 train": root / "checkthat2024" / "CT24_checkworthy_english_train.tsv",
        "CoNLL-2010 Wikipedia train": root / "conll2010-wiki" / "train.csv",
        "PolNeAR train": root / "polnear" / "train",
    }
    for corpus, path in files.items():
        if not path.exists():
            raise DataError(f"{path}: missing ({corpus}); --benchmarks must name the folder of the public corpora")
    try:
        for sentence_id, text, worthy in checkthat_rows(root, "train"):
            data.claim.add(text, worthy, f"checkthat:{sentence_id // CHECKTHAT_BLOCK}")
        for i, (text, uncertain) in enumerate(conll2010_wiki(root)):
            data.hedge.add(text, uncertain, f"conll:{i // CONLL_BLOCK}")
        polnear_files = []
        for article, text, spans in polnear_spans(root, "train"):
            gold = [(s, e, kind.upper()) for kind in ("Source", "Cue", "Content") for s, e in spans.get(kind, [])]
            data.source.docs.append(SpanDoc(article, text, gold, f"polnear:{article}"))
            polnear_files.append(article)
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise DataError(f"{root}: a corpus file cannot be read: {exc}") from None
    data.source.extra_labels = ("CONTENT", "CUE")
    for corpus, path in files.items():
        if path.is_file():
            entry = {"corpus": corpus, "file": str(path), "sha256": sha256(path)}
        else:  # a folder of articles: one digest over its files' names and digests
            digest = hashlib.sha256()
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(f"{f.relative_to(path)}\0{sha256(f)}\n".encode())
            entry = {"corpus": corpus, "file": str(path), "sha256": digest.hexdigest(),
                     "files": sum(1 for p in path.rglob("*") if p.is_file()), "articles": len(polnear_files)}
        data.provenance["corpora"].append(entry)
