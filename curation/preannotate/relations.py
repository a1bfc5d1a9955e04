"""Relations within a sentence: who a claim is attributed to, which hedges qualify it.

A hedge qualifies the claim it sits in; a hedge outside every claim ("X
reportedly said ...", "It is highly likely that ...") qualifies the nearest claim
of its sentence when it is adjacent to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

MAX_HEDGE_GAP = 40  # characters between a hedge and a claim it qualifies from outside


class Region(NamedTuple):
    """A predicted span, in the fields of `curation.models.Span` (the `Document` validates it)."""

    id: str
    start: int
    end: int
    text: str
    label: str
    score: float
    attributes: dict[str, str]


class Link(NamedTuple):
    """A predicted relation, in the fields of `curation.models.Relation`."""

    from_id: str
    to_id: str
    type: str


def attributed_to(source: Region, claim: Region) -> Link:
    return Link(source.id, claim.id, "attributed_to")


def qualified_claim(hedge: Region, claims: Iterable[Region]) -> Region | None:
    """The claim `hedge` qualifies: the innermost one containing it, else the nearest adjacent one."""
    inside = [c for c in claims if c.start <= hedge.start and hedge.end <= c.end]
    if inside:
        return min(inside, key=lambda c: c.end - c.start)
    gaps = [(max(c.start - hedge.end, hedge.start - c.end), c.start, c) for c in claims]
    near = min(((gap, start, c) for gap, start, c in gaps if 0 <= gap <= MAX_HEDGE_GAP), default=None)
    return near[2] if near else None


def qualifies(hedge: Region, claims: Iterable[Region]) -> Link | None:
    claim = qualified_claim(hedge, claims)
    return Link(hedge.id, claim.id, "qualifies") if claim else None
