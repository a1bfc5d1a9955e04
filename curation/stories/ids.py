"""Story ids (light: imported by the task builder, which must not load datasketch)."""

from __future__ import annotations

from enum import Enum

PREFIX = "st_"


def first_story_id(article_id: str) -> str:
    """The id of a story whose first article is `article_id` (art_<digest> -> st_<digest>): what an article
    gets when no copy of it is known, so ids agree with and without a registry."""
    return PREFIX + article_id.removeprefix("art_")


class Copies(str, Enum):
    """What push does with a syndicated copy (curation/stories/sync.py)."""

    link = "link"
    skip = "skip"
    annotate = "annotate"
