"""A small exported version without a server: pull snapshots written directly (the shape `curation pull` writes),
then a real `export`. Articles with nested spans (a HEDGE inside a CLAIM), attributes, relations, CRLF, tabs, emoji
and CJK; each task has an accepted final annotation and a second, unreviewed one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from curation.export import Exported, export
from curation.sync import snapshots
from curation.team.roster import record_admin
from curation.workspace import Workspace, WorkspaceConfig

TEXTS = [
    "Experts said it is highly likely to rain.\r\nThe mayor 👋 claimed\tthat 40% of roads were closed.",
    "北京 officials reported 3 new cases. Critics say the figure is probably too low.",
    "Nobody said anything at all here.",
]
ACCEPT = {"id": "rev", "from_name": "review", "to_name": "text", "type": "choices", "value": {"choices": ["accept"]}}


def region(text: str, rid: str, part: str, label: str, nth: int = 0, **attrs: str) -> list[dict]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    where = {"start": start, "end": start + len(part), "text": part}
    out = [{"type": "labels", "id": rid, "from_name": "label", "to_name": "text", "value": {**where, "labels": [label]}}]
    out += [{"type": "choices", "id": rid, "from_name": k, "to_name": "text", "value": {**where, "choices": [v]}}
            for k, v in attrs.items()]
    return out


def relation(a: str, b: str, kind: str) -> dict:
    return {"type": "relation", "from_id": a, "to_id": b, "direction": "right", "labels": [kind]}


def results() -> list[list[dict]]:
    a, b, _ = TEXTS
    return [
        region(a, "s1", "Experts", "SOURCE", source_type="anonymous")
        + region(a, "c1", "it is highly likely to rain", "CLAIM", check_worthiness="check_worthy", claim_type="prediction")
        + region(a, "h1", "highly likely", "HEDGE", hedge_strength="moderate")
        + region(a, "c2", "40% of roads were closed", "CLAIM", claim_type="statistic")  # worthiness left unset
        + region(a, "s2", "The mayor", "SOURCE")
        + [relation("s1", "c1", "attributed_to"), relation("h1", "c1", "qualifies"), relation("s2", "c2", "attributed_to")],
        region(b, "s1", "北京 officials", "SOURCE", source_type="official_body")
        + region(b, "c1", "3 new cases", "CLAIM", check_worthiness="not_check_worthy")
        + region(b, "c2", "the figure is probably too low", "CLAIM", check_worthiness="unsure")
        + region(b, "h1", "probably", "HEDGE") + region(b, "x1", "ritic", "SOURCE")  # off token boundaries
        + [relation("h1", "c2", "qualifies")],
        [],
    ]


def write_snapshots(ws: Workspace, second_named: int = 2) -> None:
    """Two annotations per task: the admin's accepted one and user 2's; `second_named` is the completed_by user 2
    gives theirs (Label Studio takes any: who saved it is updated_by)."""
    ws.save_config(WorkspaceConfig(project_id=1))
    record_admin(ws, 1)  # user 1 saved the accepted annotations as the workspace's admin: its accepts are reviews
    rows, copies = [], []
    for i, (text, result) in enumerate(zip(TEXTS, results())):
        article_id = hashlib.sha256(text.encode()).hexdigest()[:16]
        data = {"text": text, "title": f"Article {i}", "byline": "", "published": "2024-10-03", "url": "",
                "publisher": "example.org", "article_id": article_id, "content_hash": f"h{i}", "schema_version": 1}
        stamp = f"2024-10-03T10:00:0{i}.000000Z"
        common = {"pull_id": "p", "event": "created", "task_id": i + 1, "task_updated_at": stamp, "article_id": article_id,
                  "content_hash": f"h{i}", "was_cancelled": False, "ground_truth": False, "created_at": stamp,
                  "updated_at": stamp, "regions_kept": 0, "regions_edited": 0, "regions_deleted": 0,
                  "regions_added": 0, "offset_errors": 0}
        rows.append({**common, "annotation_id": 10 * i + 1, "completed_by": 1, "updated_by": 1, "lead_time": 30.0,
                     "review": "accept",
                     "result": json.dumps(result + [ACCEPT], ensure_ascii=False)})
        rows.append({**common, "annotation_id": 10 * i + 2, "completed_by": second_named, "updated_by": 2, "lead_time": 12.5,
                     "review": None,
                     "result": json.dumps(result[:1], ensure_ascii=False)})
        copies.append({"pull_id": "p", "task_id": i + 1, "task_updated_at": stamp, "article_id": article_id,
                       "content_hash": f"h{i}", "data": json.dumps(data, ensure_ascii=False),
                       "model_version": "curation-rules-1.2", "prediction": "[]"})
    snapshots.write(ws, 1, "p", rows, copies)


def small_version(root: Path, name: str = "small", version: str = "1.0.0", **options) -> Exported:
    ws = Workspace(root / "ws")
    if not (ws.dir / "snapshots").exists():
        write_snapshots(ws)
    return export(ws, name, version=version, root=root / "datasets", ratios=(1.0, 0.0, 0.0), **options)
