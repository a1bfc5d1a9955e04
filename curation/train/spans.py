"""SOURCE spans by a linear-chain CRF (python-crfsuite) over the tokens of each sentence.

The tagger can also learn PolNeAR's Cue and Content spans beside Source (as CUE and
CONTENT tags, never emitted as regions): joint tagging lets the attribution frame
around a source inform it. Whether it does is measured by grouped cross-validation
(by article), which also gives the held-aside span scores the calibration is fitted on.
"""

from __future__ import annotations

import os
import tempfile
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from curation.evaluation.scores import PRF, match_spans, overlaps
from curation.models import Article, Document
from curation.preannotate.rules import RulePreannotator
from curation.preannotate.sentences import split_sentences
from curation.train import calibration
from curation.train.folds import folds
from curation.train.sentences import reliability_section
from curation.train.tagging import decode, gold_tags, sentence_tokens, token_features

EMITTED = "SOURCE"
CRF_PARAMS = {"c1": 0.05, "c2": 0.01, "feature.possible_transitions": True}
MAX_ITERATIONS = 50  # L-BFGS passes: a time budget (training < 10 minutes on one core), not a tuned value
SPAN_FOLDS = 3  # a CRF is the costliest model to cross-validate: 3 folds keep `curation train` under 10 minutes
Spans = list[tuple[int, int, str]]
Regions = list[tuple[int, int, str]]  # the rules' regions of a text, (start, end, label), sorted


@dataclass
class SpanDoc:
    """A text with gold spans (start, end, tag label) and the group it is cross-validated by."""

    name: str
    text: str
    gold: Spans
    group: str


@dataclass
class SpanSet:
    docs: list[SpanDoc] = field(default_factory=list)
    extra_labels: tuple[str, ...] = ()  # tag labels beyond SOURCE some docs carry (CUE, CONTENT)


def regions_of(doc: Document) -> Regions:
    return sorted((s.start, s.end, s.label) for s in doc.spans)


def rules_regions(text: str, name: str = "-") -> Regions:
    """The rules' regions of a training text: plain tuples, a fraction of a `Document`'s memory."""
    return regions_of(RulePreannotator().annotate(Article(article_id=name, content_hash="-", text=text, source_path=name)))


def sequences(text: str, regions: Regions) -> Iterator[tuple[list[tuple[int, int]], list[list[str]]]]:
    """(tokens, features) of every sentence of `text`, tokens cut at the rules' region boundaries."""
    starts = [r[0] for r in regions]
    cuts = sorted({o for s, e, _ in regions for o in (s, e)})
    for start, end in split_sentences(text):
        tokens = sentence_tokens(text, start, end, cuts)
        if tokens:
            inside = [r for r in regions[bisect_left(starts, start):bisect_left(starts, end)] if r[1] <= end]
            yield tokens, token_features(text, tokens, inside)


def _train(docs: Sequence[SpanDoc], rules: Sequence[Regions], labels: set[str], path: str, iterations: int) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for d, regions in zip(docs, rules):
        gold = [g for g in d.gold if g[2] in labels]
        for tokens, features in sequences(d.text, regions):
            trainer.append(features, gold_tags(tokens, gold))
    trainer.set_params({**CRF_PARAMS, "max_iterations": iterations})
    trainer.train(path)


def tag(tagger, text: str, regions: Regions) -> list[tuple[int, int, float]]:
    """(start, end, raw score) of the SOURCE spans the tagger finds in `text`, given the rules' regions."""
    found = []
    for tokens, features in sequences(text, regions):
        tags = tagger.tag(features)
        if any(t != "O" for t in tags):
            found += [(s, e, score) for s, e, label, score in decode(tokens, tags, tagger.marginal) if label == EMITTED]
    return found


def _cross_validate(data: SpanSet, rules: list[Regions], labels: set[str], seed: int, iterations: int,
                    say: Callable[[str], None]) -> tuple[dict, list[float], list[bool]] | None:
    import pycrfsuite

    splits = list(folds([d.group for d in data.docs], seed, SPAN_FOLDS))
    if not splits:
        return None
    exact = overlap = PRF(0, 0, 0)
    scores, right, groups = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (train_idx, test_idx) in enumerate(splits, 1):
            say(f"SOURCE ({'+'.join(sorted(labels))}): fold {k}/{len(splits)}")
            path = os.path.join(tmp, f"fold{k}.crfsuite")
            _train([data.docs[i] for i in train_idx], [rules[i] for i in train_idx], labels, path, iterations)
            tagger = pycrfsuite.Tagger()
            tagger.open(path)
            for i in test_idx:
                d = data.docs[i]
                found = tag(tagger, d.text, rules[i])
                gold = [(s, e) for s, e, label in d.gold if label == EMITTED]
                predicted = [(s, e) for s, e, _ in found]
                exact += match_spans(predicted, gold, exact=True)
                overlap += match_spans(predicted, gold, exact=False)
                scores += [score for *_, score in found]
                right += [any(overlaps((s, e), g) for g in gold) for s, e, _ in found]
                groups += [d.group] * len(found)
            tagger.close()
    return {"exact": _prf(exact), "overlap": _prf(overlap)}, scores, right, groups


def _prf(s: PRF) -> dict:
    return {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4)}


def rules_figures(data: SpanSet, rules: list[Regions]) -> dict:
    exact = overlap = PRF(0, 0, 0)
    for d, regions in zip(data.docs, rules):
        gold = [(s, e) for s, e, label in d.gold if label == EMITTED]
        predicted = [(s, e) for s, e, label in regions if label == EMITTED]
        exact += match_spans(predicted, gold, exact=True)
        overlap += match_spans(predicted, gold, exact=False)
    return {"exact": _prf(exact), "overlap": _prf(overlap)}


def train(data: SpanSet, path: str, seed: int, say: Callable[[str], None],
          iterations: int = MAX_ITERATIONS) -> tuple[dict, dict]:
    """Train the tagger into `path`; (its params, its card section)."""
    say(f"SOURCE: the rules over {len(data.docs)} documents")
    rules = [rules_regions(d.text, d.name) for d in data.docs]
    variants = [{EMITTED}] + ([{EMITTED, *data.extra_labels}] if data.extra_labels else [])
    section: dict = {"documents": len(data.docs), "spans": sum(1 for d in data.docs for g in d.gold if g[2] == EMITTED),
                     "groups": len({d.group for d in data.docs})}
    tried = []
    for labels in variants:
        result = _cross_validate(data, rules, labels, seed, iterations, say)
        if result is None:
            break
        tried.append((labels, *result))
    if tried:
        labels, figures, scores, right, groups = max(tried, key=lambda t: (t[1]["overlap"]["f1"], -len(t[0])))
        mapping = calibration.fit(scores, right, fallback=calibration.IDENTITY)
        section |= {
            "selection": [{"tags": sorted(t[0]), "cv": t[1]} for t in tried],
            "cross_validation": {"folds": min(SPAN_FOLDS, section["groups"]), "grouped_by": "article",
                                 "model": figures, "rules": rules_figures(data, rules)},
            **reliability_section(scores, right, groups, seed, calibration.IDENTITY),
        }
    else:
        labels, mapping = {EMITTED}, calibration.IDENTITY
        section["selection"] = "not cross-validated: fewer than 2 documents"
    say(f"SOURCE: training the CRF ({'+'.join(sorted(labels))}) on {len(data.docs)} documents")
    _train(data.docs, rules, labels, path, iterations)
    params = {"tags": sorted(labels), "max_iterations": iterations, **CRF_PARAMS, "calibration": mapping}
    return params, section
