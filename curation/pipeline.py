"""ingest -> pre-annotate -> tasks, streamed, optionally over several processes.

The middle stages are pure functions of one article, so they run in a process
pool with `imap` (order kept, bounded memory); ingest (which de-duplicates) and
writing stay in the main process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from curation import defaults
from curation.ingest import ingest
from curation.models import Article, Document, Problem
from curation.preannotate import get_preannotator
from curation.tasks import Task, TaskValidator, to_task

ProblemSink = Callable[[Problem], None]
T = TypeVar("T")


class ArticleToTask:
    """The pure middle of the pipeline: Article -> Document -> validated Task."""

    def __init__(self, preannotator: str | None) -> None:
        self.preannotator = get_preannotator(preannotator) if preannotator else None
        self.validator = TaskValidator()

    def __call__(self, article: Article) -> Task | Problem:
        """A task, or a Problem naming the article's file when a stage rejects it."""
        try:
            doc = self.preannotator.annotate(article) if self.preannotator else Document(article=article)
            task = to_task(doc, with_predictions=self.preannotator is not None)
            self.validator.validate(task)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            return Problem(path=article.source_path, line=article.source_line, message=f"{article.article_id}: {exc}")
        return task


_worker: ArticleToTask | None = None


def _init_worker(preannotator: str | None) -> None:
    global _worker
    _worker = ArticleToTask(preannotator)


def _run_worker(article: Article) -> Task | Problem:
    assert _worker is not None
    return _worker(article)


def without_problems(items: Iterable[T | Problem], on_problem: ProblemSink) -> Iterator[T]:
    """Pass items on; hand problems to `on_problem` as they appear, so the batch goes on."""
    for item in items:
        if isinstance(item, Problem):
            on_problem(item)
        else:
            yield item


def iter_tasks(
    paths: Iterable[str | Path],
    on_problem: ProblemSink,
    *,
    preannotator: str | None = defaults.PREANNOTATOR,
    workers: int = defaults.WORKERS,
    max_bytes: int = defaults.MAX_BYTES,
) -> Iterator[Task]:
    """Tasks for every article under `paths`, in input order; problems go to `on_problem`."""
    articles = without_problems(ingest(paths, max_bytes=max_bytes), on_problem)
    if workers <= 1:
        results: Iterator[Task | Problem] = map(ArticleToTask(preannotator), articles)
        yield from without_problems(results, on_problem)
        return
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(preannotator,)) as pool:
        yield from without_problems(pool.imap(_run_worker, articles, chunksize=16), on_problem)
