"""curation: articles -> pre-annotated Label Studio tasks -> reviewed Hugging Face datasets.

The Python API mirrors the CLI: each command is a thin wrapper of the function named beside it.

    tasks          ingest, iter_tasks, write_tasks          push       connect, push_tasks, refresh_predictions
    pull           pull                                     status     project_status
    agreement      agreement                                disagreements   disputes
    adjudicate     adjudicate                               report     write_report
    evaluate       evaluate (--reviewed: utility)           config     labeling_config
    export         curation.export.export                   versions   versions
    diff           changelog                                verify     verify
    preannotators  get_preannotator, register               load a published version: load
    team add       add_member                               team remove   remove_member
    team list      team_rows                                review     needing_review, publish_review
    convert        convert                                  publish    publish
    train          train_model (then get_preannotator("model:DIR"))

    from curation import ingest, get_preannotator, iter_tasks, write_tasks, labeling_config

Every name is imported on first use (module `__getattr__`), so `import curation` and `curation --help` stay
fast: the names pull in pydantic, Label Studio's SDK or `datasets` only when asked for. (`export` stays the
package `curation.export`, whose `export` is the function: a name that hid a package would break imports of
its modules by dotted path.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from curation.lazy import lazy_names

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
    "load": "curation.export.loading",
    "Workspace": "curation.workspace",
    "connect": "curation.server",
    "push_tasks": "curation.sync.push", "refresh_predictions": "curation.sync.push",
    "pull": "curation.sync.pull",
    "project_status": "curation.sync.status",
    "agreement": "curation.quality.agreement",
    "disputes": "curation.quality.disputes",
    "adjudicate": "curation.quality.adjudicate",
    "write_report": "curation.quality.report",
    "utility": "curation.quality.utility",
    "evaluate": "curation.evaluation",
    "train_model": "curation.train.build",
    "versions": "curation.export.versions",
    "changelog": "curation.export.manifest",
    "verify": "curation.export",
    "convert": "curation.export.convert", "publish": "curation.export.hub",
    "add_member": "curation.team.members", "remove_member": "curation.team.members", "team_rows": "curation.team.members",
    "needing_review": "curation.team.queue", "publish_review": "curation.team.queue",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time `__getattr__` does the importing
    from curation.errors import CurationError
    from curation.evaluation import evaluate
    from curation.export import verify
    from curation.export.convert import convert
    from curation.export.hub import publish
    from curation.export.loading import load
    from curation.export.manifest import changelog
    from curation.export.versions import versions
    from curation.ingest import ingest
    from curation.labelconfig import labeling_config
    from curation.models import Article, Document, Problem, Relation, Sentence, Span
    from curation.pipeline import iter_tasks
    from curation.preannotate import Preannotator, get_preannotator, register
    from curation.quality.adjudicate import adjudicate
    from curation.quality.agreement import agreement
    from curation.quality.disputes import disputes
    from curation.quality.report import write_report
    from curation.quality.utility import utility
    from curation.server import connect
    from curation.sync.pull import pull
    from curation.sync.push import push_tasks, refresh_predictions
    from curation.sync.status import project_status
    from curation.tasks import Task, TaskValidator, document_from_result, to_task, write_tasks
    from curation.team.members import add_member, remove_member, team_rows
    from curation.team.queue import needing_review, publish_review
    from curation.workspace import Workspace


__getattr__ = lazy_names(__name__, {name: (module, name) for name, module in _EXPORTS.items()})


def __dir__() -> list[str]:
    return __all__
