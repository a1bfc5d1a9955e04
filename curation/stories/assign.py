"""Placing each article in its story: a new story, a copy of a known one, or a revision.

The rule, for an article not recorded before (by content hash):
1. same `article_id` as a recorded article (an article with an id or URL whose text or
   metadata changed): a *revision* of it, in its story;
2. else near-duplicate of an article seen before (recorded, in the project, or earlier in
   this run), at the similarity threshold: the *most similar* one (ties: the story whose id
   sorts first), so the story a copy joins does not depend on the order the candidates come
   in. If its identity is its text (no id, no URL), the match was pushed before, and they
   share the source path or the title, a *revision* — it takes the matched article's
   `article_id`, so push and export supersede the old version exactly as for an article
   with an id; otherwise a *copy*, in the match's story;
3. else the *first* article of a new story, whose id is `st_` + its article id's digest.

An article recorded before keeps what was recorded (its story, and a revision its
inherited article id), so re-running is a no-op and story ids never move.

Stories are never merged. A copy near-duplicate of articles of two stories (a *bridge*:
a wire story and its follow-up, which share a lede) joins the more similar one and the
warning names the other. Merging would move the rows of one story to the other's split in
the next dataset version, and chaining by single links is what turns a stream of
follow-ups into one giant cluster; so a bridge is reported for a person to judge, and ids
stay what they were.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from curation.ingest.dedup import where
from curation.models import Article, Problem
from curation.stories import registry
from curation.stories.ids import first_story_id
from curation.stories.index import NUM_PERM, Fingerprint, NearDuplicateIndex, containment, fingerprint, fingerprints
from curation.stories.registry import Member
from pydantic import ValidationError

from curation.workspace import StoryRules, Workspace, WorkspaceError


CHUNK = 64  # articles fingerprinted at once


def text_identity(article: Article) -> bool:
    return article.external_id is None and article.url is None


@dataclass
class Stories:
    """The stories known (recorded members, and tasks found in the project) plus what this run placed (`placed`)."""

    rules: StoryRules
    registry_path: Path | None = None
    members: list[Member] = field(default_factory=list)  # index key -> member
    by_hash: dict[str, Member] = field(default_factory=dict)
    by_article: dict[str, Member] = field(default_factory=dict)  # the latest version of each article id
    by_story: dict[str, list[Member]] = field(default_factory=dict)
    position: dict[str, int] = field(default_factory=dict)  # content hash -> index key
    placed: dict[str, Member] = field(default_factory=dict)  # content hash -> member placed in this run
    batch: dict[str, Member] = field(default_factory=dict)  # content hash -> every article of this run, known or not

    def __post_init__(self) -> None:
        self.index = NearDuplicateIndex(self.rules.shingle_size)

    @property
    def settings(self) -> dict[str, str]:
        """What the stored signatures depend on (the LSH bands do not: they are cut from the signatures)."""
        return {"shingle_size": str(self.rules.shingle_size), "num_perm": str(NUM_PERM), "scheme": "affine32"}

    @classmethod
    def open(cls, rules: StoryRules, path: Path | None = None) -> Stories:
        """The stories recorded at `path` (none if it is None or absent), ready to place new articles."""
        stories = cls(rules, path)
        known, settings = registry.read(path) if path else ([], {})
        fresh = any(settings.get(key) != value for key, value in stories.settings.items())
        for member in known:
            if fresh:  # made with other settings: sign again
                found = fingerprint(member.text, rules.shingle_size)
                member.whole, member.head = found.whole, found.head
            stories._add(member)
        return stories

    def adopt(self, member: Member) -> None:
        """Know a task of the project that was not recorded here (another workspace pushed it, or a push was killed
        before recording it), signed already: later articles are placed against it as against a recorded one."""
        self._add(member)

    def _add(self, member: Member) -> None:
        self.position[member.content_hash] = len(self.members)
        self.members.append(member)
        self.by_hash[member.content_hash] = member
        self.by_article[member.article_id] = member
        self.by_story.setdefault(member.story_id, []).append(member)
        self.index.add(member.stored, member.whole, member.head)

    def place(self, article: Article, found: Fingerprint | None = None) -> tuple[Article, Problem | None]:
        """The article with its story id (and a revision's inherited article id), and the finding to report.
        `found`: the article's fingerprint, if it was made already (`assign` makes them many at a time)."""
        if (known := self.by_hash.get(article.content_hash)) is not None:
            self.batch.setdefault(known.content_hash, known)
            return with_story(article, known), None
        if found is None:
            found = fingerprint(article.text, self.rules.shingle_size)
        role, other, score = "first", None, None
        bridged: list[tuple[Member, float]] = []  # the best match of each other story it is as close to
        if (same := self.by_article.get(article.article_id)) is not None:
            role, other = "revision", same
        elif matches := self.matches(found):
            (other, score), *rest = matches
            bridged = other_stories(rest, other.story_id)
            pushed = other.content_hash not in self.placed
            same_source = other.source_path == article.source_path or (article.title and other.title == article.title)
            role = "revision" if text_identity(article) and pushed and same_source else "copy"
        member = Member(
            content_hash=article.content_hash, article_id=other.article_id if role == "revision" else article.article_id,
            story_id=other.story_id if other else first_story_id(article.article_id), role=role,
            of=other.article_id if other else None, similarity=score, source=where(article),
            source_path=article.source_path, title=article.title, publisher=article.publisher, url=article.url,
            task_id=None, stored=registry.Text(article.text), whole=found.whole, head=found.head)
        self._add(member)
        self.index.remember(len(self.members) - 1, found.shingles)
        self.placed[member.content_hash] = member
        self.batch[member.content_hash] = member
        return with_story(article, member), finding(article, member, other, bridged)

    def matches(self, found: Fingerprint) -> list[tuple[Member, float]]:
        """The candidates at the threshold or above with their exact similarity, most similar first (ties: the
        story id that sorts first, then the earliest known)."""
        scored = ((key, containment(found.shingles, self.index.shingles_of(key))) for key in self.index.candidates(found))
        return [(self.members[key], score) for key, score in
                sorted(((k, s) for k, s in scored if s >= self.rules.threshold),
                       key=lambda ks: (-ks[1], self.members[ks[0]].story_id, ks[0]))]

    def move(self, member: Member, story_id: str) -> None:
        """Put a member in another story (a story found twice by pushes at the same moment: the older task's wins)."""
        self.by_story[member.story_id].remove(member)
        member.story_id = story_id
        self.by_story.setdefault(story_id, []).append(member)

    def assign(self, articles: Iterable[Article], on_problem: Callable[[Problem], None]) -> Iterator[Article]:
        """Place every article, reporting each near-duplicate and revision to `on_problem` as it is found. The
        articles are fingerprinted CHUNK at a time, which costs much less than one at a time.

        The index's objects (a set per LSH bucket, a member per article) live as long as the run, and every full
        collection of the garbage collector would walk them all again: the objects alive after each chunk are
        frozen (left out of collections) until placing ends. A run makes little cyclic garbage (~2,000 objects
        for 10,000 tasks), which is collected once placing ends."""
        iterator = iter(articles)
        freezing = gc.get_freeze_count() == 0  # someone else's freeze is theirs to undo
        try:
            while chunk := list(islice(iterator, CHUNK)):
                new = [a for a in chunk if a.content_hash not in self.by_hash]
                found = dict(zip((a.content_hash for a in new),
                                 fingerprints([a.text for a in new], self.rules.shingle_size)))
                for article in chunk:
                    placed, problem = self.place(article, found.get(article.content_hash))
                    if problem is not None:
                        on_problem(problem)
                    yield placed
                if freezing:
                    gc.freeze()
        finally:
            if freezing:
                gc.unfreeze()

    def member(self, content_hash: str) -> Member | None:
        return self.by_hash.get(content_hash)

    def record(self, members: Iterable[Member]) -> None:
        """Write members placed in this run to the registry in the order they were placed (one transaction)."""
        if self.registry_path is not None:
            order = sorted(members, key=lambda m: self.position[m.content_hash])
            registry.record(self.registry_path, order, self.settings)

    def update(self, members: Iterable[Member]) -> None:
        """Write the new task, story or role of members the registry holds already."""
        if self.registry_path is not None:
            registry.update(self.registry_path, members)

    def note_linked(self, shown: dict[str, list[dict]]) -> None:
        """Note the linked copies the project's tasks list per story (`registry.note_linked`)."""
        if self.registry_path is not None and shown:
            registry.note_linked(self.registry_path, shown)

    def story_members(self, story_id: str) -> list[Member]:
        return self.by_story.get(story_id, [])


def with_story(article: Article, member: Member) -> Article:
    return article.model_copy(update={"story_id": member.story_id, "article_id": member.article_id})


def other_stories(matches: list[tuple[Member, float]], story_id: str) -> list[tuple[Member, float]]:
    """The most similar match of each story other than `story_id`, most similar first."""
    best: dict[str, tuple[Member, float]] = {}
    for member, score in matches:
        best.setdefault(member.story_id, (member, score))
    best.pop(story_id, None)
    return list(best.values())


def finding(article: Article, member: Member, other: Member | None,
            bridged: Sequence[tuple[Member, float]] = ()) -> Problem | None:
    """The warning for a copy or a revision found by similarity (a changed article with an id is push's to report),
    naming the other stories it is a near-duplicate of too."""
    if other is None or member.similarity is None:
        return None
    kind = "revision" if member.role == "revision" else "near-duplicate"
    note = f"; supersedes {other.article_id} when pushed" if member.role == "revision" else ""
    if bridged:
        note += "; also near-duplicate of " + ", ".join(f"{m.source} ({s:.2f}), story {m.story_id}" for m, s in bridged)
        note += ": stories are not merged, it joins the most similar"
    return Problem(path=article.source_path, line=article.source_line, severity="warning",
                   message=f"{kind} ({member.similarity:.2f}) of {other.source}, story {member.story_id}{note}")


def for_workspace(ws: Workspace, project_id: int | None = None, *, threshold: float | None = None) -> Stories:
    """The stories of the workspace's project (its registry), with the workspace's rules; `threshold` overrides
    the configured one. Raises WorkspaceError for a bad threshold or an unreadable registry."""
    config = ws.config()
    rules = config.stories
    if threshold is not None:
        try:
            rules = StoryRules.model_validate({**rules.model_dump(), "threshold": threshold})
        except ValidationError:
            raise WorkspaceError(f"near-duplicate threshold {threshold}: expected a number in (0, 1]") from None
    project_id = config.project_id if project_id is None else project_id
    return Stories.open(rules, registry.path_for(ws, project_id) if project_id is not None else None)
