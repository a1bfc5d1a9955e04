"""The trained pre-annotator: `--preannotator model:MODEL_DIR` (a folder `curation train` wrote).

Per sentence (the rules' splitter), two calibrated decisions from the sentence
models: check-worthy (CLAIM) and hedged (HEDGE); SOURCE spans from the CRF. The
spans a person would draw come from the rules where they have one: a CLAIM's extent
is the rules' claim in that sentence (the attributed content, or the sentence
without its closing punctuation), a HEDGE is the rules' cue, else the sentence's
word (or word pair) the hedge model weighs most. Attributes: check-worthiness from
the calibrated score, claim type and hedge strength from the rules, source type
from the source phrase. Relations: a SOURCE is attributed the nearest CLAIM of its
sentence; a HEDGE qualifies the claim it sits in or is next to.

Every region is validated like any prediction (the `Document` model).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

import numpy as np

from curation.models import Article, Document, Span
from curation.preannotate.claims import assess, index_signals, worthiness_label
from curation.preannotate.relations import Link, Region, attributed_to, qualifies
from curation.preannotate.rules import RulePreannotator, region, sentence_claim
from curation.preannotate.source_types import source_type
from curation.train import calibration
from curation.train.card import FILES, ModelError, read
from curation.train.features import N_FEATURES, _vectorizers, blocks, rule_words
from curation.train.spans import regions_of, tag

_WORD = re.compile(r"\w+")


class ModelPreannotator:
    """CLAIM / HEDGE / SOURCE from a trained MODEL_DIR; `model_version` names the model and its content hash."""

    def __init__(self, model_dir: str | Path) -> None:
        import pycrfsuite

        self.path = Path(model_dir)
        self.card = read(self.path)
        self.model_version = self.card["model_version"]
        self.models = self.card["models"]
        self.coef = {label: self._coefficients(label) for label in ("CLAIM", "HEDGE")}
        self.tagger = pycrfsuite.Tagger()
        try:
            self.tagger.open(str(self.path / FILES["SOURCE"]))
        except (OSError, ValueError) as exc:
            raise ModelError(f"{self.path / FILES['SOURCE']}: not a CRF model crfsuite can open ({exc})") from None
        self.rules = RulePreannotator()

    def _coefficients(self, label: str) -> np.ndarray:
        file = self.path / FILES[label]
        try:
            coef = np.load(file, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ModelError(f"{file}: not a readable weight array ({exc})") from None
        blocks = 3 if self.models[label]["use_rules"] else 2  # word, char (, rules) blocks of hashed features
        if coef.shape != (blocks * N_FEATURES,) or coef.dtype != np.float32:
            raise ModelError(f"{file}: weights of shape {coef.shape} {coef.dtype}, expected ({blocks * N_FEATURES},) float32")
        return coef

    def sentence_scores(self, label: str, X: list, rules_say: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(calibrated probability, positive decision) of each sentence for `label`; `X`: the feature blocks."""
        params, coef = self.models[label], self.coef[label]
        used = X if params["use_rules"] else X[:2]
        raw = sum(block @ coef[k * N_FEATURES:(k + 1) * N_FEATURES] for k, block in enumerate(used))
        p = calibration.apply(params["calibration"], raw + params["intercept"])
        positive = p >= params["threshold"]
        return p, (positive | rules_say) if params["combine_with_rules"] else positive

    def annotate(self, article: Article) -> Document:
        text = article.text
        ruled = self.rules.annotate(article)
        bounds = [(s.start, s.end) for s in ruled.sentences]
        spans = sorted(ruled.spans, key=lambda s: s.start)
        starts = [s.start for s in spans]
        inside = [[s for s in spans[bisect_left(starts, a):bisect_left(starts, b)] if s.end <= b] for a, b in bounds]
        regions: dict[str, Region] = {}
        links: list[Link] = []
        if bounds:
            texts = [text[a:b] for a, b in bounds]
            words = [rule_words(found) for found in inside]
            X = blocks(texts, words)
            p_claim, claims_on = self.sentence_scores("CLAIM", X, self.rules_say(inside, "CLAIM"))
            p_hedge, hedges_on = self.sentence_scores("HEDGE", X, self.rules_say(inside, "HEDGE"))
            sources = self.sources(text, ruled)
            index = None
            for k, ((a, b), found) in enumerate(zip(bounds, inside)):
                claims = []
                if claims_on[k]:
                    index = index or index_signals(text)
                    claims = self.claims(text, a, b, found, float(p_claim[k]), index, regions)
                for s, e, score in sources.get(k, []):
                    src = keep(regions, region(text, "SOURCE", s, e, score, source_type=source_type(text[s:e])))
                    if claim := nearest(src, claims):
                        links.append(attributed_to(src, claim))
                if hedges_on[k]:
                    for hedge in self.hedges(text, a, b, found, float(p_hedge[k]), regions):
                        if link := qualifies(hedge, claims):
                            links.append(link)
        return Document(
            article=article,
            model_version=self.model_version,
            sentences=ruled.sentences,
            spans=[r._asdict() for r in sorted(regions.values(), key=lambda r: (r.start, r.end, r.label))],
            relations=[link._asdict() for link in dict.fromkeys(links)],
        )

    @staticmethod
    def rules_say(inside: list[list[Span]], label: str) -> np.ndarray:
        return np.array([any(s.label == label for s in found) for found in inside])

    def sources(self, text: str, ruled: Document) -> dict[int, list[tuple[int, int, float]]]:
        """Calibrated SOURCE spans by sentence index."""
        decoding = self.models["SOURCE"]["decoding"]
        found = tag(self.tagger, text, regions_of(ruled), (decoding,))[decoding]
        if not found:
            return {}
        scores = calibration.apply(self.models["SOURCE"]["calibration"], [score for *_, score in found])
        ends = [s.end for s in ruled.sentences]
        by_sentence: dict[int, list[tuple[int, int, float]]] = {}
        for (s, e, _), score in zip(found, scores):
            by_sentence.setdefault(bisect_left(ends, e), []).append((s, e, round(float(score), 4)))
        return by_sentence

    def claims(self, text: str, a: int, b: int, found: list[Span], p: float, index, regions) -> list[Region]:
        """The rules' claims of the sentence, else the sentence without its closing punctuation; scored `p`."""
        extents = [(s.start, s.end, s.attributes.get("claim_type", "other")) for s in found if s.label == "CLAIM"]
        if not extents:
            c_start, c_end = sentence_claim(text, a, b)
            if c_end <= c_start:
                return []
            extents = [(c_start, c_end, assess(index, text, c_start, c_end, attributed=False).claim_type)]
        score = round(p, 4)
        return [keep(regions, region(text, "CLAIM", s, e, score, check_worthiness=worthiness_label(score),
                                     claim_type=kind)) for s, e, kind in extents]

    def hedges(self, text: str, a: int, b: int, found: list[Span], p: float, regions) -> list[Region]:
        """The rules' cues of the sentence, else its most hedge-like word or word pair; scored `p`."""
        score = round(p, 4)
        cues = [(s.start, s.end, s.attributes.get("hedge_strength", "moderate")) for s in found if s.label == "HEDGE"]
        if not cues and (cue := self.strongest_cue(text, a, b)):
            cues = [(*cue, "moderate" if score >= 0.5 else "weak")]
        return [keep(regions, region(text, "HEDGE", s, e, score, hedge_strength=strength)) for s, e, strength in cues]

    def strongest_cue(self, text: str, a: int, b: int) -> tuple[int, int] | None:
        """The word or word pair of text[a:b] that pushes the hedge model most (its word n-grams' summed weights)."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text, a, b)]
        candidates = words + [(words[i][0], words[i + 1][1]) for i in range(len(words) - 1)]
        if not candidates:
            return None
        weights = _unnormalised_words().transform([text[s:e] for s, e in candidates]) @ self.coef["HEDGE"][:N_FEATURES]
        best = int(np.argmax(weights))
        return candidates[best] if weights[best] > 0 else None


@lru_cache(maxsize=1)
def _unnormalised_words():
    """The word block's hashing without normalisation: a row's product with the weights is their plain sum."""
    from sklearn.base import clone

    return clone(_vectorizers()[0]).set_params(norm=None)


def keep(regions: dict[str, Region], candidate: Region) -> Region:
    return regions.setdefault(candidate.id, candidate)


def nearest(source: Region, claims: list[Region]) -> Region | None:
    """The claim of the sentence closest to the source (0 when they touch or overlap)."""
    if not claims:
        return None
    return min(claims, key=lambda c: (max(c.start - source.end, source.start - c.end, 0), c.start))


@lru_cache(maxsize=8)
def load(model_dir: str) -> ModelPreannotator:
    """One loaded model per folder per process (push and tasks may ask for it several times)."""
    return ModelPreannotator(model_dir)
