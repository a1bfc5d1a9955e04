"""Pre-annotators: turn an `Article` into a `Document` with predicted spans.

A pre-annotator is any object with a `model_version` string and an
`annotate(article) -> Document` method. Built-in and third-party pre-annotators
are found by name through the `curation.preannotators` entry-point group (or
registered at run time with `register`), so a team can plug in a model without
touching the pipeline:

    # pyproject.toml of your package
    [project.entry-points."curation.preannotators"]
    my-model = "my_package.module:MyPreannotator"

    $ curation tasks articles/ --preannotator my-model -o tasks.json
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from curation import defaults
from curation.errors import CurationError
from curation.models import Article, Document

ENTRY_POINT_GROUP = "curation.preannotators"


@runtime_checkable
class Preannotator(Protocol):
    """What the pipeline needs of a pre-annotator."""

    model_version: str

    def annotate(self, article: Article) -> Document:
        """Predict spans and relations; every span must satisfy text[start:end] == span.text."""
        ...


_registry: dict[str, Callable[[], Preannotator]] = {}


def register(name: str, factory: Callable[[], Preannotator]) -> None:
    """Make `factory` available as `--preannotator NAME` for this process."""
    _registry[name] = factory


def available() -> list[str]:
    return sorted(set(_registry) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


class UnknownPreannotator(CurationError, KeyError):
    """No pre-annotator is registered under the name (a KeyError, for callers that catch one)."""

    __str__ = CurationError.__str__  # the message itself, not KeyError's quoted repr of it


def get_preannotator(name: str = defaults.PREANNOTATOR) -> Preannotator:
    """Instantiate the pre-annotator registered under `name`."""
    if name in _registry:
        return _registry[name]()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()()
    raise UnknownPreannotator(f"unknown pre-annotator {name!r}; available: {', '.join(available()) or 'none'}")
