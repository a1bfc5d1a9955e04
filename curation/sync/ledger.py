"""The push ledger: which (article_id, content_hash) push imported as which task, kept locally.

Listing a 10,000-task project costs ~15 s of Label Studio's time, more than the rest
of a re-push. The ledger lets push skip the listing when a cheap check agrees with
the server (`push.ledger_agrees`: task count, newest task).
Anything else — a crash between an import and its ledger line, a task deleted or
added in Label Studio, another workspace pushing into the project, a damaged or
edited ledger — makes push list the project and rewrite the ledger from what it
finds. It is a cache, never the authority: push asks the server about each batch's
articles right before importing them.

One JSON line per task, appended after each imported batch; a line that cannot be
read (a torn last line of a killed push, bytes that are not JSON) is ignored, which
only makes the check fail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from curation.atomic import write_text_atomic
from curation.workspace import Workspace

Key = tuple[str, str]  # (article_id, content_hash)


def read(path: Path) -> dict[Key, int]:
    held: dict[Key, int] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError):
        return held
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            held[(entry["article_id"], entry["content_hash"])] = int(entry["task_id"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn line from a killed push
    return held


def _lines(entries: Iterable[tuple[Key, int]]) -> str:
    return "".join(json.dumps({"article_id": a, "content_hash": h, "task_id": t}) + "\n" for (a, h), t in entries)


def append(path: Path, entries: Iterable[tuple[Key, int]]) -> None:
    """Record imported tasks; flushed to disk before push moves on to the next batch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(_lines(entries))
        f.flush()
        os.fsync(f.fileno())


def rewrite(path: Path, held: dict[Key, int]) -> None:
    """Replace the ledger with what the project was found to hold."""
    write_text_atomic(path, _lines(held.items()))


def path_for(ws: Workspace, project_id: int) -> Path:
    """One ledger per project (and workspace, hence per server)."""
    return ws.dir / f"pushed-{project_id}.jsonl"
