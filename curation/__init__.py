"""curation: articles -> pre-annotated Label Studio tasks -> reviewed Hugging Face datasets.

The Python API mirrors the CLI (`curation tasks` is `iter_tasks` + `write_tasks`):

    from curation import ingest, get_preannotator, iter_tasks, write_tasks, labeling_config
"""

from curation.ingest import ingest
from curation.labelconfig import labeling_config
from curation.models import Article, Document, Problem, Relation, Sentence, Span
from curation.pipeline import iter_tasks
from curation.preannotate import Preannotator, get_preannotator, register
from curation.tasks import Task, TaskValidator, document_from_result, to_task, write_tasks

__all__ = [
    "Article", "Document", "Preannotator", "Problem", "Relation", "Sentence", "Span", "Task", "TaskValidator",
    "document_from_result", "get_preannotator", "ingest", "iter_tasks", "labeling_config", "load", "register", "to_task",
    "write_tasks",
]


def __getattr__(name: str) -> object:
    """`curation.load`, imported on first use: it pulls in `datasets`, which ingest and its workers never need."""
    if name == "load":
        from curation.export.load import load

        return load
    raise AttributeError(f"module 'curation' has no attribute {name!r}")
