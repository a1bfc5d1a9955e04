"""Who reviewed a dataset version, for its manifest and card: pseudonyms only, never a name or an id."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import polars as pl

from curation.sync.review import RULES

if TYPE_CHECKING:
    from curation.export.select import Selection


def review_provenance(selection: Selection, salt: bytes) -> dict[str, Any]:
    """Articles per rule that made them reviewed, articles per (pseudonymous) reviewer, and the accept
    decisions ignored because no reviewer saved them."""
    from curation.export.pseudonyms import pseudonym  # here: the export package's card imports this module

    chosen = selection.chosen
    by_rule = Counter(chosen["rule"].to_list()) if chosen.height else Counter()
    reviewed_by = chosen.filter(pl.col("rule").is_in(["accept", "ground_truth"]))["saver"].to_list() if chosen.height else []
    return {"articles_by_rule": {rule: by_rule.get(rule, 0) for rule in RULES},
            "articles_by_reviewer": dict(sorted(Counter(pseudonym(salt, who).replace("annotator-", "reviewer-", 1)
                                                        for who in reviewed_by).items())),
            "self_accepts_ignored": selection.self_accepts}


def sentence(review: dict[str, Any]) -> str:
    """The card's line on it."""
    rules = ", ".join(f"{n} by {rule.replace('_', ' ')}" for rule, n in review["articles_by_rule"].items())
    people = len(review["articles_by_reviewer"])
    return (f"Articles reviewed: {rules}; {people} reviewer{'s' if people != 1 else ''} (pseudonymous counts in "
            f"`manifest.json`, `review.articles_by_reviewer`); {review['self_accepts_ignored']} accept decisions "
            "that no reviewer made (an annotator accepting their own work) were ignored.")
