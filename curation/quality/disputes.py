"""Where annotators disagree (`curation disagreements`): tasks, most disputed first, and their regions.

A task's agreement is the mean exact-span F1 over its annotator pairs (all labels
together, as the review policy measures it). A region is disputed when some
annotators marked it (label and offsets) and others did not; an attribute or a
review decision when annotators who marked the same region, or reviewed the task,
chose differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from curation.quality.annotations import Annotation, pairs
from curation.quality.agreement import ATTRIBUTES
from curation.sync.review import exact_f1


@dataclass(frozen=True)
class RegionDispute:
    label: str
    start: int
    end: int
    text: str
    marked_by: tuple[int, ...]
    not_marked_by: tuple[int, ...]


@dataclass(frozen=True)
class ChoiceDispute:
    """Differing values of one attribute of a region everyone who marked it set (or of the review decision)."""

    field: str
    region: str  # "LABEL start-end", or "" for the review decision
    values: dict[int, str]  # annotator -> value


@dataclass(frozen=True)
class TaskDispute:
    task_id: int
    annotators: tuple[int, ...]
    agreement: float  # mean pairwise exact-span F1
    regions: tuple[RegionDispute, ...]
    choices: tuple[ChoiceDispute, ...]

    @property
    def disputed(self) -> int:
        return len(self.regions) + len(self.choices)

    def link(self, label_studio_url: str, project_id: int) -> str:
        return f"{label_studio_url.rstrip('/')}/projects/{project_id}/data?task={self.task_id}"


def span_keys(ann: Annotation) -> set[tuple[str, int, int]]:
    return {(s.label, s.start, s.end) for s in ann.doc.spans}


def choice_disputes(anns: list[Annotation]) -> list[ChoiceDispute]:
    by_region: dict[tuple[str, str, int, int], dict[int, str]] = {}
    for ann in anns:
        for s in ann.doc.spans:
            for name in ATTRIBUTES:
                if name in s.attributes:
                    by_region.setdefault((name, s.label, s.start, s.end), {})[ann.annotator] = s.attributes[name]
    found = [ChoiceDispute(name, f"{label} {start}-{end}", values)
             for (name, label, start, end), values in sorted(by_region.items()) if len(set(values.values())) > 1]
    reviews = {a.annotator: a.review for a in anns if a.review}
    if len(set(reviews.values())) > 1:
        found.append(ChoiceDispute("review", "", reviews))
    return found


def task_dispute(task_id: int, anns: list[Annotation]) -> TaskDispute:
    keys = {a.annotator: span_keys(a) for a in anns}
    everyone = tuple(keys)
    regions = []
    text = anns[0].doc.text
    for label, start, end in sorted(set().union(*keys.values()), key=lambda k: (k[1], k[2], k[0])):
        marked = tuple(who for who in everyone if (label, start, end) in keys[who])
        if len(marked) < len(everyone):
            regions.append(RegionDispute(label, start, end, text[start:end], marked,
                                         tuple(w for w in everyone if w not in marked)))
    agreement = fmean(exact_f1(span_keys(a), span_keys(b)) for a, b in pairs(anns))
    return TaskDispute(task_id, everyone, agreement, tuple(regions), tuple(choice_disputes(anns)))


def disputes(tasks: dict[int, list[Annotation]]) -> list[TaskDispute]:
    """Tasks with any disagreement, least agreement first, then most disputed regions and choices."""
    found = [task_dispute(task_id, anns) for task_id, anns in tasks.items()]
    return sorted((d for d in found if d.disputed), key=lambda d: (d.agreement, -d.disputed, d.task_id))
