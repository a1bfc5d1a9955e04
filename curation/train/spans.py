"""SOURCE spans by a linear-chain CRF (python-crfsuite) over the tokens of each sentence.

Where the data has them, the tagger also learns PolNeAR's Cue and Content spans beside
Source (as CUE and CONTENT tags, never emitted as regions): joint tagging lets the
attribution frame around a source inform it (TAGS_CHOSEN_BY). Grouped cross-validation
(by article) chooses how spans are read off the tagger (DECODINGS) and gives the
held-aside span scores the calibration is fitted on.
"""

from __future__ import annotations

import ctypes
import os
import tempfile
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from curation import memory
from curation.evaluation.scores import PRF, match_spans, overlaps
from curation.models import Article, Document
from curation.preannotate.rules import RulePreannotator
from curation.preannotate.sentences import split_sentences
from curation.train import calibration
from curation.train.folds import folds
from curation.train.sentences import reliability_section
from curation.train.tagging import decode, decode_marginal, gold_tags, sentence_tokens, token_features

EMITTED = "SOURCE"
# Stochastic gradient descent with an L2 penalty, 100 epochs (passes over the training sequences in a shuffled
# order): by the 2-fold CV below (PolNeAR train) overlap + exact F1 1.355 at c2 1.0 (1.353 at 0.1, 1.351 at
# 0.01; 1.355 at 0.1 and 50 epochs) against 1.327 for L-BFGS (c1 0.05, c2 0.01, 100 passes), and it keeps two
# weight vectors where L-BFGS keeps nineteen (history, gradients, best weights): a training's peak RSS on the
# full public data 455 MB instead of 533 (the note of issue 11).
ALGORITHM = "l2sgd"
CRF_PARAMS = {"c2": 1.0, "feature.possible_transitions": True}
MAX_ITERATIONS = 100
SPAN_FOLDS = 2  # a CRF is the costliest model to cross-validate: 2 folds keep `curation train` under 10 minutes
# How spans are read off the tagger: None is the single best (Viterbi) path; a number t takes the runs of tokens
# whose marginal P(SOURCE) >= t. Chosen by the mean of the cross-validated overlap and exact F1: a lower t finds
# more sources (overlap F1) but draws their extents less exactly, and both are what an annotator corrects.
DECODINGS: tuple[float | None, ...] = (None, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2)
TAGS_CHOSEN_BY = ("3-fold CV by article on PolNeAR train, 50 iterations: Source+Cue+Content overlap F1 0.684, "
                  "Source alone 0.660 (the note of issue 11); both no longer fit the 10-minute training budget")
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
    bounds = split_sentences(text)
    for (start, end), tokens in zip(bounds, sentence_tokens(text, bounds, cuts)):
        if tokens:
            inside = [r for r in regions[bisect_left(starts, start):bisect_left(starts, end)] if r[1] <= end]
            yield tokens, token_features(text, tokens, inside)


def seed_shuffle(seed: int) -> None:
    """crfsuite's SGD shuffles the sequences with the C library's rand(), which nothing seeds: seed it, so the same
    data and seed give the same model whatever the process did before (another training, a test)."""
    try:
        ctypes.CDLL(None).srand(ctypes.c_uint(seed & 0xFFFFFFFF))
    except (OSError, AttributeError):  # no C library to ask: the order is that of this process's rand()
        pass


def _train(docs: Sequence[SpanDoc], rules: Sequence[Regions], labels: set[str], path: str, iterations: int,
           seed: int) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(algorithm=ALGORITHM, verbose=False)
    for d, regions in zip(docs, rules):
        gold = [g for g in d.gold if g[2] in labels]
        for tokens, features in sequences(d.text, regions):
            trainer.append(features, gold_tags(tokens, gold))
    trainer.set_params({**CRF_PARAMS, "max_iterations": iterations})
    seed_shuffle(seed)
    trainer.train(path)


def tag(tagger, text: str, regions: Regions, decodings: Sequence[float | None] = (None,)
        ) -> dict[float | None, list[tuple[int, int, float]]]:
    """(start, end, raw score) of the SOURCE spans the tagger finds in `text`, given the rules' regions, by each
    of `decodings` (see DECODINGS)."""
    found: dict[float | None, list[tuple[int, int, float]]] = {d: [] for d in decodings}
    known = set(tagger.labels())
    b_tag, i_tag = f"B-{EMITTED}", f"I-{EMITTED}"
    thresholds = [d for d in decodings if d is not None]
    for tokens, features in sequences(text, regions):
        if None in found:
            tags = tagger.tag(features)
            if any(t != "O" for t in tags):
                found[None] += [(s, e, score) for s, e, label, score in decode(tokens, tags, tagger.marginal)
                                if label == EMITTED]
        if not thresholds:
            continue
        if None not in found:
            tagger.set(features)
        n = len(tokens)
        begin = [tagger.marginal(b_tag, k) for k in range(n)] if b_tag in known else [0.0] * n
        inside = [tagger.marginal(i_tag, k) for k in range(n)] if i_tag in known else [0.0] * n
        for t in thresholds:
            found[t] += decode_marginal(tokens, begin, inside, t)
    return found


@dataclass
class Held:
    """Out-of-fold results of one decoding: span counts, and each span's score, rightness and group."""

    exact: PRF = PRF(0, 0, 0)
    overlap: PRF = PRF(0, 0, 0)
    scores: list[float] = field(default_factory=list)
    right: list[bool] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        return {"exact": _prf(self.exact), "overlap": _prf(self.overlap)}


def _cross_validate(data: SpanSet, rules: list[Regions], labels: set[str], seed: int, iterations: int,
                    say: Callable[[str], None]) -> dict[float | None, Held] | None:
    """Out-of-fold results of every decoding in DECODINGS; None without 2 groups."""
    import pycrfsuite

    splits = list(folds([d.group for d in data.docs], seed, SPAN_FOLDS))
    if not splits:
        return None
    held = {d: Held() for d in DECODINGS}
    with tempfile.TemporaryDirectory() as tmp:
        for k, (train_idx, test_idx) in enumerate(splits, 1):
            say(f"SOURCE ({'+'.join(sorted(labels))}): fold {k}/{len(splits)}")
            path = os.path.join(tmp, f"fold{k}.crfsuite")
            _train([data.docs[i] for i in train_idx], [rules[i] for i in train_idx], labels, path, iterations, seed)
            memory.release()
            tagger = pycrfsuite.Tagger()
            tagger.open(path)
            for i in test_idx:
                d = data.docs[i]
                gold = [(s, e) for s, e, label in d.gold if label == EMITTED]
                for decoding, found in tag(tagger, d.text, rules[i], DECODINGS).items():
                    h, predicted = held[decoding], [(s, e) for s, e, _ in found]
                    h.exact += match_spans(predicted, gold, exact=True)
                    h.overlap += match_spans(predicted, gold, exact=False)
                    h.scores += [score for *_, score in found]
                    h.right += [any(overlaps((s, e), g) for g in gold) for s, e, _ in found]
                    h.groups += [d.group] * len(found)
            tagger.close()
    return held


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
    labels = {EMITTED, *data.extra_labels}
    section: dict = {"documents": len(data.docs), "spans": sum(1 for d in data.docs for g in d.gold if g[2] == EMITTED),
                     "groups": len({d.group for d in data.docs}), "tags_chosen_by": TAGS_CHOSEN_BY}
    # The final CRF first, on the emptiest heap of the training (the folds leave freed memory scattered in it);
    # the cross-validation, which chooses only how spans are read off the tagger, after it.
    say(f"SOURCE: training the CRF ({'+'.join(sorted(labels))}) on {len(data.docs)} documents")
    _train(data.docs, rules, labels, path, iterations, seed)
    memory.release()
    held = _cross_validate(data, rules, labels, seed, iterations, say)
    memory.release()  # before calibration imports scikit-learn
    if held:
        decoding = max(DECODINGS, key=lambda d: (held[d].overlap.f1 + held[d].exact.f1, -DECODINGS.index(d)))
        chosen = held[decoding]
        mapping = calibration.fit(chosen.scores, chosen.right, fallback=calibration.IDENTITY)
        section |= {
            "selection": [{"decoding": "viterbi" if d is None else f"P(SOURCE) >= {d}", "cv": held[d].figures()}
                          for d in DECODINGS],
            "cross_validation": {"folds": min(SPAN_FOLDS, section["groups"]), "grouped_by": "article",
                                 "model": chosen.figures(), "rules": rules_figures(data, rules)},
            **reliability_section(chosen.scores, chosen.right, chosen.groups, seed, calibration.IDENTITY),
        }
    else:
        decoding, mapping = None, calibration.IDENTITY
        section["selection"] = "not cross-validated: fewer than 2 documents"
    params = {"tags": sorted(labels), "algorithm": ALGORITHM, "max_iterations": iterations, **CRF_PARAMS, "decoding": decoding,
              "calibration": mapping}
    return params, section
