"""What push does with stories: which copies to import, what to record, what annotators are told.

`--copies` decides for a *copy* (an article placed in a story whose first article is
another): `link` (default) imports only the story's first article and records the copy
against it, and that task shows "also published as: ..." to annotators; `skip` imports
and records neither; `annotate` imports every copy as a task of its own. First articles
and revisions are always imported. Members are recorded in the registry after the batch
that imported them, with their task ids, so the registry never names a task that is not
in the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from curation.stories.assign import Stories
from curation.stories.ids import Copies
from curation.stories.registry import Member, set_task
from curation.tasks import Task


@dataclass
class StoryPush:
    stories: Stories
    copies: Copies = Copies.link
    linked: list[Member] = field(default_factory=list)
    skipped: list[Member] = field(default_factory=list)
    revisions: int = 0
    copies_imported: int = 0
    pending: list[Member] = field(default_factory=list)  # to record with the next batch
    announced: list[int] = field(default_factory=list)  # tasks whose "also published as" was updated

    def new(self, task: Task) -> Member | None:
        """The task's member if this run placed it (the registry does not hold it yet)."""
        return self.stories.placed.get(task.meta.content_hash)

    def admit(self, task: Task) -> bool:
        """Whether push imports this task (it is not in the project yet); a linked copy is recorded instead."""
        member = self.stories.member(task.meta.content_hash)
        if member is None or member.role != "copy":
            self.revisions += member is not None and member.role == "revision"
            return True
        if self.copies is Copies.annotate:
            self.copies_imported += 1
            return True
        if self.new(task):
            (self.linked if self.copies is Copies.link else self.skipped).append(member)
            if self.copies is Copies.link:
                self.pending.append(member)
        return False

    def held(self, task: Task, task_id: int | None) -> None:
        """A task the project already holds: recorded too if the registry missed it (a push killed between
        import and record, or tasks pushed before stories existed)."""
        if (member := self.new(task)) is not None and task_id is not None:
            member.task_id = task_id
            self.pending.append(member)

    def imported(self, batch: Sequence[Task], task_ids: Sequence[int]) -> None:
        """Record a batch's members with their new task ids, and whatever is pending, in one transaction."""
        for task, task_id in zip(batch, task_ids):
            member = self.stories.member(task.meta.content_hash)
            if member is None:
                continue
            member.task_id = task_id
            if self.new(task):
                self.pending.append(member)
            elif self.stories.registry_path is not None:  # a linked copy, now imported for annotation
                set_task(self.stories.registry_path, member.content_hash, task_id)
        self.flush()

    def flush(self) -> None:
        self.stories.record(self.pending)
        self.pending = []

    def finish(self, client: Any) -> None:
        """After the last batch: record what is pending, then show each story's linked copies on its first imported
        task ("also published as: ...")."""
        self.flush()
        for story_id in dict.fromkeys(m.story_id for m in self.linked):
            members = self.stories.story_members(story_id)
            holder = next((m for m in members if m.task_id is not None), None)
            if holder is None:
                continue
            task = client.tasks.get(id=holder.task_id)
            data = dict(task.data or {})
            data["also_published_as"] = also_published_as(m for m in members if m.role == "copy" and m.task_id is None)
            client.tasks.update(id=holder.task_id, data=data)
            self.announced.append(holder.task_id)


def also_published_as(copies: Any) -> str | None:
    """"also published as: Title (publisher, url); ..." for the copies a task stands for."""
    shown = []
    for m in copies:
        where = ", ".join(x for x in (m.publisher, m.url or m.source) if x)
        shown.append(f"{m.title or '(no title)'} ({where})")
    return "also published as: " + "; ".join(shown) if shown else None
