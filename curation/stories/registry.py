"""The story registry: every article pushed to a project, with its story, kept in the workspace.

`.curation/stories-<project>.sqlite` (owner-only), one row per article version
(content hash): its article id, story id, role (`first` copy of its story, `copy`,
`revision`), what it matched and how closely, where it came from, its Label Studio task
(none for a copy recorded but not imported), its text (compressed, for exact similarity
checks) and its two MinHash signatures (so a run does not recompute them).

A story's id is fixed when its first article is recorded: later copies and revisions join
it. Each push records its rows in one SQLite transaction per batch, after the batch is
imported: a killed push leaves the registry as it was after its last whole batch, and a
row is never replaced (the first recorded version of an article wins), so two pushes
cannot lose each other's rows. Like the push ledger, the registry stands for the project
only as far as the project agrees: push learns the tasks it lacks from the project before
placing anything, and where the project holds an article under another task or story (a
task deleted or kept in place of a duplicate, a story found twice by pushes at the same
moment) the row's task and story are updated to the project's (`update`). The copies other
workspaces linked (no text here, so never matched against) are noted from the lists the
project's tasks keep (`note_linked`), so `curation status` counts them too.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curation.workspace import Workspace, WorkspaceError

ROLES = ("first", "copy", "revision")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    content_hash TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL,
    story_id TEXT NOT NULL,
    role TEXT NOT NULL,
    of TEXT,
    similarity REAL,
    source TEXT NOT NULL,
    source_path TEXT NOT NULL,
    title TEXT,
    publisher TEXT,
    url TEXT,
    task_id INTEGER,
    text BLOB NOT NULL,
    whole BLOB NOT NULL,
    head BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS linked (
    content_hash TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    article_id TEXT,
    title TEXT,
    publisher TEXT,
    url TEXT,
    source TEXT
);
"""
def pack(text: str) -> bytes:
    """zlib, fast: a 16 kB window and small hash tables cost an article nothing in size and are set up in a third of
    the time of the defaults (the set-up, not the compression, is most of the cost for an article)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 14, 6)
    return packer.compress(text.encode("utf-8")) + packer.flush()


class Text:
    """An article's text, compressed only once the compressed form is wanted: the registry stores it, and the index
    keeps it so for a text whose shingles it no longer keeps. `curation tasks` records nothing, and the index keeps
    the shingles of the last ~40,000 texts, so most texts placed are never compressed."""

    __slots__ = ("_plain", "_packed")

    def __init__(self, plain: str | None = None, packed: bytes | None = None) -> None:
        self._plain, self._packed = plain, packed

    @property
    def plain(self) -> str:
        return self._plain if self._plain is not None else zlib.decompress(self._packed).decode("utf-8")  # type: ignore[arg-type]

    def compressed(self) -> bytes:
        """The text compressed (from now on held only so)."""
        if self._packed is None:
            self._packed, self._plain = pack(self._plain), None  # type: ignore[arg-type]
        return self._packed


_COLUMNS = ("content_hash", "article_id", "story_id", "role", "of", "similarity", "source", "source_path", "title",
            "publisher", "url", "task_id", "text", "whole", "head")


@dataclass(slots=True)
class Member:
    """One article version of a story (slots: a registry or a run holds one per article)."""

    content_hash: str
    article_id: str
    story_id: str
    role: str  # first | copy | revision
    of: str | None  # the article it matched (copies, revisions)
    similarity: float | None
    source: str  # file (and line) it was read from, as messages name it
    source_path: str
    title: str | None
    publisher: str | None
    url: str | None
    task_id: int | None  # None: recorded as a copy, not imported
    stored: Text
    whole: np.ndarray
    head: np.ndarray

    @property
    def text(self) -> str:
        return self.stored.plain

    def row(self) -> tuple:
        return (self.content_hash, self.article_id, self.story_id, self.role, self.of, self.similarity, self.source,
                self.source_path, self.title, self.publisher, self.url, self.task_id, self.stored.compressed(),
                self.whole.astype(np.uint32).tobytes(), self.head.astype(np.uint32).tobytes())

    @classmethod
    def from_row(cls, row: tuple) -> Member:
        fields = dict(zip(_COLUMNS, row))
        fields["stored"] = Text(packed=fields.pop("text"))
        fields["whole"] = np.frombuffer(fields["whole"], dtype=np.uint32)
        fields["head"] = np.frombuffer(fields["head"], dtype=np.uint32)
        return cls(**fields)


def path_for(ws: Workspace, project_id: int) -> Path:
    return ws.dir / f"stories-{project_id}.sqlite"


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """The registry database, created owner-only (SQLite gives its journal the same mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    try:
        with closing(sqlite3.connect(path, timeout=60)) as db:
            db.executescript(_SCHEMA)
            yield db
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path}: not a readable story registry ({exc}); move it away to start a new one") from None


def read(path: Path) -> tuple[list[Member], dict[str, str]]:
    """Every member, oldest first, and the settings the signatures were made with; nothing if there is no registry."""
    if not path.is_file():
        return [], {}
    with connect(path) as db:
        members = [Member.from_row(r) for r in db.execute(f"SELECT {', '.join(_COLUMNS)} FROM members ORDER BY seq")]
        return members, dict(db.execute("SELECT key, value FROM settings"))


def record(path: Path, members: Iterable[Member], settings: dict[str, str]) -> int:
    """Add members in one transaction (a version already recorded keeps its row); how many were new."""
    rows = [m.row() for m in members]
    with connect(path) as db, db:
        db.executemany("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", settings.items())
        before = db.total_changes
        db.executemany(f"INSERT OR IGNORE INTO members ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                       rows)
        return db.total_changes - before


def update(path: Path, members: Iterable[Member]) -> None:
    """Members recorded before whose task, story or role changed: a linked copy imported with `--copies annotate`,
    a task deleted or kept in place of a duplicate, a story another push found at the same moment (one transaction)."""
    rows = [(m.task_id, m.story_id, m.role, m.of, m.similarity, m.content_hash) for m in members]
    with connect(path) as db, db:
        db.executemany("UPDATE members SET task_id = ?, story_id = ?, role = ?, of = ?, similarity = ? "
                       "WHERE content_hash = ?", rows)


def note_linked(path: Path, shown: dict[str, list[dict]]) -> None:
    """The linked copies each story's tasks list in the project (`meta.copies`, written by whichever workspace linked
    them), story id -> the list, replacing what was noted for those stories (one transaction). They have no text here,
    so they are never matched against, only counted: a copy another workspace linked counts in this one's status."""
    rows = [(story_id, copy["content_hash"], copy.get("article_id"), copy.get("title"), copy.get("publisher"),
             copy.get("url"), copy.get("source")) for story_id, copies in shown.items() for copy in copies]
    with connect(path) as db, db:
        db.executemany("DELETE FROM linked WHERE story_id = ?", [(story_id,) for story_id in shown])
        db.executemany("INSERT OR REPLACE INTO linked (story_id, content_hash, article_id, title, publisher, url, source) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def counts(path: Path) -> dict[str, int]:
    """Stories, and their articles by role and whether they have a task (for `curation status`): the members, and
    the linked copies noted from the project's tasks that are not members here (linked by another workspace)."""
    if not path.is_file():
        return {"stories": 0, "articles": 0, "copies": 0, "copies_without_task": 0, "revisions": 0}
    with connect(path) as db:
        (stories, articles, copies, linked, revisions), = db.execute(
            "SELECT COUNT(DISTINCT story_id), COUNT(*), SUM(role = 'copy'), SUM(role = 'copy' AND task_id IS NULL), "
            "SUM(role = 'revision') FROM (SELECT story_id, role, task_id FROM members UNION ALL "
            "SELECT story_id, 'copy', NULL FROM linked WHERE content_hash NOT IN (SELECT content_hash FROM members))")
    return {"stories": stories, "articles": articles, "copies": copies or 0, "copies_without_task": linked or 0,
            "revisions": revisions or 0}
