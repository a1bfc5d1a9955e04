"""The shape of every command's `--json` document: the contract scripts rely on, written once.

docs/cli.md shows these; tests check each command's real output against them. Notation: a dict lists its keys
(`"*"` stands for any key, e.g. a label or a state); a key ending in `?` may be null; `[x]` is a list of x; a leaf
names the JSON type: int, number (int or float), str, bool, any. New keys may be added; none is removed or renamed
without a new major version of curation.
"""

from __future__ import annotations

from typing import Any

PROBLEM = {"path": "str", "line?": "int", "message": "str", "severity": "str"}  # severity: error | warning
ROWS = [{"*": "any"}]  # the rows of a table the command prints, one key per column

SHAPES: dict[str, Any] = {
    "tasks": {"output": "str", "format": "str", "tasks": "int", "problems": [PROBLEM]},
    "push": {"project_id": "int", "url": "str", "imported": "int", "unchanged": "int",
             "superseded": [{"article_id": "str", "old_task_id": "int"}],
             "duplicates": [{"article_id": "str", "kept": "int", "left": ["int"], "annotated": ["int"]}],
             "removed": ["int"], "problems": [PROBLEM],
             "stories?": {"linked": "int", "skipped": "int", "copies_imported": "int", "revisions": "int",
                          "tasks_showing_copies": ["int"], "learnt_from_project": "int", "settled": ["str"]}},
    "push --predictions-only": {"project_id": "int", "url": "str", "model_version": "str", "added": "int",
                                "current": "int", "not_in_project": ["str"], "problems": [PROBLEM]},
    "pull": {"project_id": "int", "pull_id": "str", "tasks_checked": "int", "tasks_fetched": "int",
             "events": {"created": "int", "updated": "int", "deleted": "int"}, "offset_errors": ["str"],
             "set_aside": ["str"]},
    "status": {"project_id": "int", "pulled_at": "str", "live": "bool",
               "tasks": {"new": "int", "in_progress?": "int", "annotated": "int", "reviewed": "int", "rejected": "int",
                         "skipped": "int"},  # in_progress: null unless --live
               "annotators": {"*": {"submitted": "int", "skipped": "int"}},  # keyed by name
               "self_accepted_not_reviewed": "int", "waiting_for_overlap?": "int",  # null unless --live
               "stories": {"stories": "int", "articles": "int", "copies": "int", "copies_without_task": "int",
                           "revisions": "int"}},
    "server status": {"url": "str", "running": "bool", "version?": "str", "pid?": "int", "database": "str",
                      "projects?": "int", "workspace": "str"},
    "server prune": [{"path": "str", "workspace?": "str", "removed": "bool", "reason": "str", "megabytes": "number"}],
    "export": {"name": "str", "version": "str", "path": "str", "parent?": "str",
               "articles": {"train": "int", "validation": "int", "test": "int"}, "tasks": {"*": "int"},
               "excluded_annotations": {"*": "int"}, "changes?": {"added": "int", "removed": "int", "changed": "int"},
               "hub?": {"repo": "str", "url": "str", "tag": "str", "status": "str"},
               "stories": {"stories": "int", "copies_included": "int", "copies_left_out": "int", "min_per_split": "int",
                           "empty_splits": ["str"]}},
    "convert": {"out": "str", "format": "str", "articles": {"*": "int"}, "misaligned_spans": "int"},  # articles by split
    "publish": {"repo": "str", "tag": "str", "status": "str", "files": {"*": "int"}},  # status: uploaded | already published | dry run; files: bytes by path
    "versions": [{"version": "str", "created_at": "str", "articles": "int", "parent?": "str"}],
    "diff": {"name": "str", "from": "str", "to": "str",
             "articles": {"added": ["str"], "removed": ["str"], "changed": ["str"]},
             "labels": {"*": {"from": "int", "to": "int"}}},
    "verify": [{"name": "str", "version": "str", "ok": "bool", "problems": ["str"]}],
    "agreement": {"tasks": "int", "problems": "any", "spans": ROWS, "pairs": ROWS, "alpha": ROWS, "kappa": ROWS,
                  "relations": ROWS, "versus_final": ROWS},
    "disagreements": [{"task_id": "int", "link?": "str", "annotators": ["str"], "agreement": "number",
                       "regions": [{"label": "str", "start": "int", "end": "int", "text": "str",
                                    "marked_by": ["str"], "not_marked_by": ["str"]}],
                       "choices": [{"field": "str", "region": "any", "values": {"*": "any"}}]}],
    "report": {"page": "str"},
    "adjudicate": [{"task_id": "int", "predictions_added": "int", "link": "str"}],
    "evaluate": [{"model_version": "str", "corpus": "str", "label": "str", "match": "str", "precision": "number",
                  "recall": "number", "f1": "number", "tp": "int", "fp": "int", "fn": "int", "n": "int",
                  "how": "str"}],  # how: scored | cross-validated (a model's out-of-fold figure on its training corpus)
    "evaluate --reviewed": {"tasks": "int", "model_versions": ["str"], "spans": ROWS, "regions": {"*": "int"},
                            "lead_time": ROWS},
    "evaluate --reviewed --preannotator": {"shown": {"*": "any"}, "rerun": ROWS},  # shown: as evaluate --reviewed
    "train": {"format": "str", "format_version": "int", "name": "str", "model_version": "str",
              "schema": {"name": "str", "version": "int"}, "labels": ["str"], "features": "any", "models": "any",
              "files": {"*": {"sha256": "str", "bytes": "int"}}, "libraries": {"*": "str"}, "training": "any",
              "evaluation": "any", "not": ["str"]},  # the model card, model.json
    "team add": {"email": "str", "role": "str", "user_id": "int", "password?": "str", "token?": "str"},
    "team list": [{"email": "str", "name?": "str", "role": "str", "active": "bool", "user_id": "int",
                   "pseudonym": "str", "annotations": "int", "reviews": "int", "self_accepts": "int", "skips": "int"}],
    "review": {"tab": "int", "tasks": [{"task_id": "int", "reason": "str", "annotators": ["str"],
                                        "predictions_added": "int", "link": "str"}]},
    "preannotators": [{"name": "str", "model_version?": "str", "entry_point?": "str", "package?": "str",
                       "error?": "str"}],
}

_TYPES = {"int": (int,), "number": (int, float), "str": (str,), "bool": (bool,)}


def mismatches(value: Any, shape: Any, where: str = "$") -> list[str]:
    """Where `value` departs from `shape` (empty when it conforms); extra keys are departures too."""
    if isinstance(shape, str):
        if shape == "any":
            return []
        ok = isinstance(value, _TYPES[shape]) and (shape == "bool" or not isinstance(value, bool))
        return [] if ok else [f"{where}: expected {shape}, got {type(value).__name__}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        return [m for i, item in enumerate(value) for m in mismatches(item, shape[0], f"{where}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where}: expected an object, got {type(value).__name__}"]
    if "*" in shape:
        return [m for key, item in value.items() for m in mismatches(item, shape["*"], f"{where}.{key}")]
    keys = {key.rstrip("?"): key for key in shape}
    found = [f"{where}: unexpected key {key!r}" for key in value.keys() - keys.keys()]
    found += [f"{where}: missing key {key!r}" for key in keys.keys() - value.keys()]
    for key, spelled in keys.items():
        if key in value and not (value[key] is None and spelled.endswith("?")):
            found += mismatches(value[key], shape[spelled], f"{where}.{key}")
    return found
