"""curation: articles -> pre-annotated Label Studio tasks -> reviewed Hugging Face datasets.

The Python API mirrors the CLI (`curation tasks` is `iter_tasks` + `write_tasks`):

    from curation import ingest, get_preannotator, iter_tasks, write_tasks, labeling_config

Every name is imported on first use (module `__getattr__`), so `import curation` and `curation --help` stay
fast: the names below pull in pydantic, Label Studio's SDK or `datasets` only when asked for.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

# public name -> the module that defines it
_EXPORTS = {
    "Article": "curation.models", "Document": "curation.models", "Problem": "curation.models",
    "Relation": "curation.models", "Sentence": "curation.models", "Span": "curation.models",
    "CurationError": "curation.errors",
    "ingest": "curation.ingest",
    "labeling_config": "curation.labelconfig",
    "iter_tasks": "curation.pipeline",
    "Preannotator": "curation.preannotate", "get_preannotator": "curation.preannotate",
    "register": "curation.preannotate",
    "Task": "curation.tasks", "TaskValidator": "curation.tasks", "document_from_result": "curation.tasks",
    "to_task": "curation.tasks", "write_tasks": "curation.tasks",
    "load": "curation.export.load",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time `__getattr__` does the importing
    from curation.errors import CurationError
    from curation.export.load import load
    from curation.ingest import ingest
    from curation.labelconfig import labeling_config
    from curation.models import Article, Document, Problem, Relation, Sentence, Span
    from curation.pipeline import iter_tasks
    from curation.preannotate import Preannotator, get_preannotator, register
    from curation.tasks import Task, TaskValidator, document_from_result, to_task, write_tasks


def __getattr__(name: str) -> object:
    """Import `name` from its module on first use and keep it here for the next."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'curation' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


class _Package(ModuleType):
    """`curation` itself. Importing a subpackage binds it on its parent (`curation.ingest` the package), which
    would hide the same-named function (`curation.ingest` the function); an exported name keeps its function."""

    def __setattr__(self, name: str, value: object) -> None:
        if not (name in _EXPORTS and isinstance(value, ModuleType)):  # the package stays in sys.modules
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
