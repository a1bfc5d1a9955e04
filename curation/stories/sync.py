"""What push does with stories: which copies to import, what to record, what annotators are told.

`--copies` decides for a *copy* (an article placed in a story whose first article is
another): `link` (default) imports only the story's first article and records the copy
against it, and the story's tasks show "also published as: ..." to annotators; `skip`
imports and records neither; `annotate` imports every copy as a task of its own. First
articles and revisions are always imported. Members are recorded in the registry after the
batch that imported them, with their task ids, so the registry never names a task that is
not in the project.

The project, not the workspace, is the authority, as for the push ledger:
- before anything is placed, push learns every task of the project its registry does not
  know (another workspace pushed it, a push was killed before recording it, it was pushed
  without detection) from the task's data — text, `story_id` — so a copy of it is linked
  and joins the story id the project already uses (`catch_up`);
- after each batch is imported, the tasks other pushes imported meanwhile are read: where
  one of ours started a story that an older task of theirs already holds (two workspaces
  pushing two copies of one story at the same moment), the older task's story wins and ours
  becomes its copy — linked (our task deleted, as push's own settle step does), or kept and
  moved to that story with `--copies annotate`. Both pushes apply the same rule, so one
  story remains (`settle`);
- the linked copies of a story are kept on its tasks' `meta.copies` as well, merged with
  what is there (a re-read after writing repairs a write that raced another push's), so
  "also published as" lists the copies every workspace linked, never only the last one's; the
  lists a push reads are noted in the registry, so `curation status` counts the copies other
  workspaces linked too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from curation.stories import registry
from curation.stories.assign import CHUNK, Stories
from curation.stories.ids import Copies, first_story_id
from curation.stories.index import Fingerprint, containment, fingerprint, fingerprints
from curation.stories.registry import Member
from curation.tasks import Task

Key = tuple[str, str]  # (article_id, content_hash), as push and its ledger key tasks
PAGE = 1000
IN_LIST = 500  # values per Data Manager `in_list` filter
RETRIES = 3  # merges of "also published as" re-read after writing


@dataclass
class StoryPush:
    stories: Stories
    copies: Copies = Copies.link
    linked: list[Member] = field(default_factory=list)
    skipped: list[Member] = field(default_factory=list)
    revisions: int = 0
    copies_imported: int = 0
    found_in_project: int = 0  # tasks of the project the registry did not know, learnt before placing
    settled: list[str] = field(default_factory=list)  # what `settle` did, one line each
    pending: list[Member] = field(default_factory=list)  # to record with the next batch
    changed: dict[str, Member] = field(default_factory=dict)  # recorded members to update with the next batch
    touched: set[str] = field(default_factory=set)  # stories whose tasks may have to show their copies anew
    shown: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # story -> the linked copies its tasks list
    announced: list[int] = field(default_factory=list)  # tasks whose "also published as" was updated
    horizon: int = 0  # the newest task id known to be in the project when this push last looked

    def new(self, task: Task) -> Member | None:
        """The task's member if this run placed it (the registry does not hold it yet)."""
        return self.stories.placed.get(task.meta.content_hash)

    # Before anything is placed

    def catch_up(self, client: Any, project_id: int, held: dict[Key, int]) -> None:
        """Make the registry stand for the project `held` describes: an article the project holds under another task
        (kept in place of a duplicate, imported by another workspace) is updated, and every task it does not know is
        learnt from its data, oldest first. A recorded task missing from `held` is left alone: `held` may be a
        ledger that is wrong in its keys, and a task that is really gone is simply imported again."""
        self.horizon = max(held.values(), default=0)
        task_of = {content_hash: task_id for (_, content_hash), task_id in held.items()}
        for member in list(self.stories.members):
            if task_of.get(member.content_hash, member.task_id) != member.task_id:
                member.task_id = task_of[member.content_hash]
                self._changed(member)
        unknown = {key for key in held if self.stories.member(key[1]) is None}
        if unknown:
            wanted = None if len(unknown) * 2 > len(held) else sorted({aid for aid, _ in unknown})
            found = sorted((t for t in tasks_with_data(client, project_id, article_ids=wanted)
                            if (t.meta["article_id"], t.meta["content_hash"]) in unknown and held.get(
                                (t.meta["article_id"], t.meta["content_hash"])) == t.id), key=lambda t: t.id)
            texts = [(task.data or {}).get("text") or "" for task in found]
            prints = [f for i in range(0, len(texts), CHUNK)  # many at a time cost much less each
                      for f in fingerprints(texts[i:i + CHUNK], self.stories.rules.shingle_size)]
            adopted = [self._adopt(task, printed=f) for task, f in zip(found, prints)]
            self.found_in_project = len(adopted)
            self.stories.record(adopted)
            self.stories.note_linked(listed_copies(adopted, found))
        self.stories.update(self.changed.values())
        self.changed = {}

    def _adopt(self, task: Any, story_id: str | None = None, printed: Fingerprint | None = None) -> Member:
        """A project task as a member: its story is the one in its data (or `story_id`, the one it is about to move
        to), its role what the stories known say (`printed`: its text's fingerprint, if made already)."""
        meta, data = task.meta, task.data or {}
        article_id, content_hash = meta["article_id"], meta["content_hash"]
        story_id = story_id or data.get("story_id") or first_story_id(article_id)
        role = ("revision" if article_id in self.stories.by_article else
                "copy" if self.stories.story_members(story_id) else "first")
        found = printed or fingerprint(data.get("text") or "", self.stories.rules.shingle_size)
        member = Member(content_hash=content_hash, article_id=article_id, story_id=story_id, role=role, of=None,
                        similarity=None, source=f"task {task.id}", source_path="", title=data.get("title"),
                        publisher=data.get("publisher"), url=data.get("url"), task_id=task.id,
                        stored=registry.Text(data.get("text") or ""), whole=found.whole, head=found.head)
        self.stories.adopt(member)
        return member

    def _changed(self, member: Member) -> None:
        self.changed[member.content_hash] = member
        self.touched.add(member.story_id)

    # While tasks stream

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
        """A task the project already holds: recorded too if the registry missed it, or updated if it knew it under
        another task id."""
        member = self.stories.member(task.meta.content_hash)
        if member is None or task_id is None or member.task_id == task_id:
            return
        member.task_id = task_id
        if self.new(task):
            self.pending.append(member)
        else:
            self._changed(member)

    def imported(self, client: Any, project_id: int, batch: Sequence[Task], ours: dict[Key, int],
                 kept: dict[Key, int]) -> set[Key]:
        """After a batch's import (`ours`: the task ids it made; `kept`: the task kept per key once push settled
        duplicates): settle stories found twice at once, then record the batch's members and whatever is pending,
        in one transaction. Returns the keys whose task was removed (now linked or skipped copies)."""
        for task in batch:
            key = (task.meta.article_id, task.meta.content_hash)
            if (member := self.stories.member(key[1])) is None:
                continue
            member.task_id = kept[key]
            self.touched.add(member.story_id)
            if self.new(task):
                self.pending.append(member)
            else:  # a linked copy, now imported for annotation
                self._changed(member)
        removed = self.settle(client, project_id, ours)
        self.flush()
        return removed

    def flush(self) -> None:
        self.stories.record(self.pending)
        self.stories.update(self.changed.values())
        self.pending, self.changed = [], {}

    # Other pushes at the same moment

    def settle(self, client: Any, project_id: int, ours: dict[Key, int]) -> set[Key]:
        """Read the tasks other pushes imported since this one last looked and apply the rule both sides apply:
        of two near-duplicate tasks that started stories of their own, the younger joins the older's story.
        Theirs are known from now on (not recorded: their push may still move them; the next push learns them)."""
        mine = set(ours.values())
        window = sorted(tasks_after(client, project_id, self.horizon), key=lambda t: t.id)
        self.horizon = max([self.horizon, *(t.id for t in window)])
        theirs = [t for t in window if t.id not in mine]
        if not theirs:
            return set()
        with_data = {t.id: t for t in tasks_with_data(client, project_id, article_ids=sorted(
            {t.meta["article_id"] for t in theirs}))}
        removed: set[Key] = set()
        older: list[tuple[Any, Any]] = []  # (their task, its shingles), in task id order
        for task in window:
            if task.id in mine:
                member = self.stories.member(task.meta["content_hash"])
                if member is not None and member.role == "first" and member.content_hash in self.stories.placed:
                    removed |= self._join_older(client, member, older)
            elif (theirs_now := with_data.get(task.id)) is not None:
                older.append(self._learn(client, theirs_now))
        return removed

    def _learn(self, client: Any, task: Any) -> tuple[Any, Any]:
        """Their task: known from now on, unless it is an article we have (then its story, the older's, is ours)."""
        member = self.stories.member(task.meta["content_hash"])
        if member is not None:
            story = (task.data or {}).get("story_id")
            if story and story != member.story_id and member.task_id == task.id:
                self._rehome(client, member, story)
            return task, None
        found = fingerprint((task.data or {}).get("text") or "", self.stories.rules.shingle_size)
        older = [(m, s) for m, s in self.stories.matches(found) if m.task_id is not None and m.task_id < task.id]
        self._adopt(task, older[0][0].story_id if older else None)
        return task, found.shingles

    def _join_older(self, client: Any, member: Member, older: list[tuple[Any, Any]]) -> set[Key]:
        """One of our new stories: if an older task of another push is a near-duplicate, ours is its copy."""
        ours = self.stories.index.shingles_of(self.stories.position[member.content_hash])
        scored = [(containment(ours, shingles), task) for task, shingles in older if shingles is not None]
        scored = [(s, t) for s, t in scored if s >= self.stories.rules.threshold]
        if not scored:
            return set()
        score, task = max(scored, key=lambda st: (st[0], -st[1].id))
        story = self.stories.member(task.meta["content_hash"]).story_id
        task_id, key = member.task_id, (member.article_id, member.content_hash)
        self._rehome(client, member, story)
        member.role, member.of, member.similarity = "copy", task.meta["article_id"], score
        what = f"{member.source}: near-duplicate ({score:.2f}) of task {task.id}, which another push imported at the "
        if self.copies is Copies.annotate:
            self.copies_imported += 1
            self.settled.append(what + f"same moment: task {task_id} kept as a copy in its story {story}")
            return set()
        client.tasks.delete(id=task_id, request_options={"max_retries": 0})
        member.task_id = None
        if self.copies is Copies.link:
            self.linked.append(member)
        else:
            self.skipped.append(member)
            self.pending.remove(member)
        done = "linked to" if self.copies is Copies.link else "left out (--copies skip), a copy in"
        self.settled.append(what + f"same moment: task {task_id} removed, {done} story {story}")
        return {key}

    def _rehome(self, client: Any, member: Member, story_id: str) -> None:
        """Move a member, and the members this run placed in the story it started, to `story_id`; tasks follow."""
        moving = [member]
        if member.role == "first":
            moving += [m for m in self.stories.story_members(member.story_id)
                       if m is not member and m.content_hash in self.stories.placed]
        for m in moving:
            self.stories.move(m, story_id)
            for task in existing(client, [] if m.task_id is None else [m.task_id]):
                if (task.data or {}).get("story_id") != story_id:
                    client.tasks.update(id=task.id, data={**(task.data or {}), "story_id": story_id})
            self._changed(m)
        self.touched.add(story_id)

    # After the last batch

    def finish(self, client: Any) -> None:
        """Record what is pending, then show each story's linked copies on its tasks, for every story this run
        touched (new copies, new tasks, copies imported since, stories moved)."""
        self.flush()
        for story_id in sorted(self.touched | {m.story_id for m in self.linked}):
            self.show_copies(client, story_id)
        self.stories.note_linked(self.shown)

    def show_copies(self, client: Any, story_id: str) -> None:
        """Merge the story's linked copies known here with those its tasks hold (`meta.copies`, written by any
        workspace), leave out copies imported since, and write the result to every task of the story (and note it
        for the registry, `shown`)."""
        members = self.stories.story_members(story_id)
        task_ids = sorted({m.task_id for m in members if m.task_id is not None})
        left_out = {m.content_hash for m in self.skipped}
        ours = {m.content_hash: entry(m) for m in members
                if m.role == "copy" and m.task_id is None and m.content_hash not in left_out}
        if not ours and len(task_ids) < 2:  # no copy to show, and no other task that could hold one
            return
        for _ in range(RETRIES):
            tasks = list(existing(client, task_ids))
            # a copy "has a task" only if that task is still there: another push may have adopted a task here that
            # its own settle deleted and linked since, and dropping that copy would erase what that push showed
            alive = {t.id for t in tasks}
            with_task = {m.content_hash for m in members if m.task_id in alive}
            if not ours and not any((t.meta or {}).get("copies") for t in tasks):
                self.shown[story_id] = []
                return
            copies = self.shown[story_id] = merged([(t.meta or {}).get("copies") or [] for t in tasks]
                                                   + [list(ours.values())], with_task)
            shown = also_published_as(copies)
            for task in tasks:
                data, meta = dict(task.data or {}), dict(task.meta or {})
                if data.get("also_published_as") != shown or meta.get("copies") != copies:
                    client.tasks.update(id=task.id, data={**data, "also_published_as": shown},
                                        meta={**meta, "copies": copies})
                    if task.id not in self.announced:
                        self.announced.append(task.id)
            check = next(existing(client, task_ids[:1]), None)
            if check is None or ours.keys() <= {c["content_hash"] for c in (check.meta or {}).get("copies") or []}:
                return


def listed_copies(members: Sequence[Member], tasks: Sequence[Any]) -> dict[str, list[dict[str, Any]]]:
    """Story id -> the linked copies its tasks list (`meta.copies`), for the stories of these tasks that list any."""
    lists: dict[str, list[list[dict[str, Any]]]] = {}
    for member, task in zip(members, tasks):
        lists.setdefault(member.story_id, []).append((task.meta or {}).get("copies") or [])
    return {story_id: merged(found, set()) for story_id, found in lists.items() if any(found)}


def entry(member: Member) -> dict[str, Any]:
    """A linked copy as its story's tasks keep it (`meta.copies`)."""
    return {"content_hash": member.content_hash, "article_id": member.article_id, "title": member.title,
            "publisher": member.publisher, "url": member.url, "source": member.source}


def merged(lists: Iterable[list[dict[str, Any]]], with_task: set[str]) -> list[dict[str, Any]]:
    """The copies of several lists once each (by content hash, first seen first), without those that have a task."""
    copies: dict[str, dict[str, Any]] = {}
    for copy in (c for found in lists for c in found if isinstance(c, dict) and "content_hash" in c):
        copies.setdefault(copy["content_hash"], copy)
    return [c for h, c in copies.items() if h not in with_task]


def also_published_as(copies: Iterable[Any]) -> str | None:
    """"also published as: Title (publisher, url); ..." for the copies a task stands for (`entry` dicts)."""
    shown = []
    for copy in copies:
        where = ", ".join(x for x in (copy.get("publisher"), copy.get("url") or copy.get("source")) if x)
        shown.append(f"{copy.get('title') or '(no title)'} ({where})")
    return "also published as: " + "; ".join(shown) if shown else None


def batch_copies(stories: Stories) -> dict[str, str]:
    """For `curation tasks` (nothing pushed): the first task of each story in the file shows the story's other
    articles — the file's and the registry's — as "also published as". Content hash of that task -> the text."""
    shown: dict[str, str] = {}
    holders: dict[str, Member] = {}
    for member in stories.batch.values():
        holders.setdefault(member.story_id, member)
    for story_id, holder in holders.items():
        others = {m.article_id: m for m in stories.story_members(story_id) if m.article_id != holder.article_id}
        if text := also_published_as(map(entry, others.values())):
            shown[holder.content_hash] = text
    return shown


# The project's tasks


def _query(*items: dict[str, Any]) -> str:
    return json.dumps({"filters": {"conjunction": "and", "items": list(items)}})


def tasks_after(client: Any, project_id: int, task_id: int) -> Iterator[Any]:
    """Id and meta of the project's tasks newer than `task_id` (curation's: those with an article id)."""
    newer = {"filter": "filter:tasks:id", "operator": "greater", "type": "Number", "value": task_id}
    for task in client.tasks.list(project=project_id, include="id,meta", page_size=PAGE, query=_query(newer)):
        if "article_id" in (task.meta or {}):
            yield task


def tasks_with_data(client: Any, project_id: int, *, article_ids: list[str] | None) -> Iterator[Any]:
    """Id, meta and data of the project's tasks of these articles (of all its tasks if None)."""
    if article_ids is None:
        chunks: Iterable[str | None] = [None]
    else:
        chunks = (_query({"filter": "filter:tasks:data.article_id", "operator": "in_list", "type": "String",
                          "value": article_ids[i:i + IN_LIST]}) for i in range(0, len(article_ids), IN_LIST))
    for query in chunks:
        for task in client.tasks.list(project=project_id, include="id,meta,data", page_size=PAGE, query=query):
            if "article_id" in (task.meta or {}) and "content_hash" in task.meta:
                yield task


def existing(client: Any, task_ids: Iterable[int]) -> Iterator[Any]:
    """The tasks of these ids that are still there (a task deleted meanwhile is left out)."""
    from label_studio_sdk.core.api_error import ApiError

    for task_id in task_ids:
        try:
            yield client.tasks.get(id=task_id)
        except ApiError as exc:
            if exc.status_code != 404:
                raise
