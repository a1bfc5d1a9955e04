"""One contender of the pre-annotation benchmark, measured in its own process.

    python -m bench.preannotate_contenders curation|curation-tasks|spacy CORPUS_DIR [WORKERS]

Prints one JSON line: seconds, articles, input MB, peak RSS MB.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from bench._common import peak_rss_mb


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.rglob("*.txt"))


def run_curation(corpus: Path, workers: int) -> int:
    """Ingest + pre-annotate, streaming (no tasks written)."""
    from curation.ingest import ingest
    from curation.models import Article
    from curation.preannotate import get_preannotator

    annotator = get_preannotator("rules")
    n = 0
    for item in ingest([corpus]):
        if isinstance(item, Article):
            annotator.annotate(item)
            n += 1
    return n


def run_curation_tasks(corpus: Path, workers: int) -> int:
    """The whole `curation tasks` path: ingest, pre-annotate, validate, write JSON."""
    from curation.pipeline import iter_tasks
    from curation.tasks import write_tasks

    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        return write_tasks(iter_tasks([corpus], problems.append, workers=workers), Path(tmp) / "t.json", "json")


def run_spacy(corpus: Path, workers: int) -> int:
    """Reference: spaCy blank('en') + sentencizer + PhraseMatcher with our hedge lexicon."""
    import spacy
    from spacy.matcher import PhraseMatcher

    from curation.preannotate.hedges import HEDGE_CUES

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("HEDGE", list(nlp.tokenizer.pipe(HEDGE_CUES)))

    def texts():
        for path in corpus_files(corpus):
            headline, _, body = path.read_text(encoding="utf-8").partition("\n")
            yield body

    n = 0
    for doc in nlp.pipe(texts(), batch_size=64):
        matcher(doc)
        list(doc.sents)
        n += 1
    return n


CONTENDERS = {"curation": run_curation, "curation-tasks": run_curation_tasks, "spacy": run_spacy}

if __name__ == "__main__":
    name, corpus = sys.argv[1], Path(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    megabytes = sum(p.stat().st_size for p in corpus_files(corpus)) / 1e6
    start = time.perf_counter()
    articles = CONTENDERS[name](corpus, workers)
    seconds = time.perf_counter() - start
    print(json.dumps({"contender": name, "workers": workers, "seconds": seconds, "articles": articles,
                      "mb": megabytes, "peak_rss_mb": peak_rss_mb()}))
