"""The built-in rule-based pre-annotator: fast, transparent, no model weights.

Per sentence: hedge cues from the lexicon, attribution frames (SOURCE + the
content they report, which becomes a CLAIM), and — for unattributed sentences —
a CLAIM when the sentence looks check-worthy. Relations join them within the
sentence.
"""

from __future__ import annotations

from curation.models import Article, Document, Relation, Sentence, Span
from curation.preannotate.claims import assess
from curation.preannotate.hedges import find_hedges
from curation.preannotate.sentences import split_sentences
from curation.preannotate.sources import find_attributions

RULES_VERSION = "1.0"
CLAIM_THRESHOLD = 0.5
_QUOTES = "\"“”'‘’"
_TRAILING = " \t\n.,;:!?" + _QUOTES


def _span(text: str, label: str, start: int, end: int, score: float, **attributes: str) -> Span:
    return Span(id=f"{label[0].lower()}{start}-{end}", start=start, end=end, text=text[start:end], label=label,
                score=score, attributes=attributes)


def _sentence_claim(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence without its closing punctuation and surrounding quotes."""
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    while start < end and text[start] in _QUOTES + " ":
        start += 1
    return start, end


def _claim(text: str, start: int, end: int, *, attributed: bool) -> Span:
    quoted = start > 0 and text[start - 1] in _QUOTES
    claim = assess(text, start, end, attributed=attributed, quoted=quoted)
    return _span(text, "CLAIM", start, end, claim.score, check_worthiness=claim.worthiness, claim_type=claim.claim_type)


class RulePreannotator:
    """CLAIM / HEDGE / SOURCE by lexicons and attribution frames; `model_version` names the rules version."""

    model_version = f"curation-rules-{RULES_VERSION}"

    def annotate(self, article: Article) -> Document:
        text = article.text
        sentences, spans, relations = [], {}, []
        for s_start, s_end in split_sentences(text):
            sentences.append(Sentence(start=s_start, end=s_end))
            claims: list[Span] = []
            for att in find_attributions(text, s_start, s_end):
                source = _span(text, "SOURCE", *att.source, att.score, source_type=att.source_type)
                spans.setdefault(source.id, source)
                if att.content:
                    claim = _claim(text, *att.content, attributed=True)
                    claims.append(spans.setdefault(claim.id, claim))
                    relations.append(Relation(from_id=source.id, to_id=claim.id, type="attributed_to"))
            if not claims:
                c_start, c_end = _sentence_claim(text, s_start, s_end)
                if c_end > c_start and (claim := _claim(text, c_start, c_end, attributed=False)).score >= CLAIM_THRESHOLD:
                    claims.append(spans.setdefault(claim.id, claim))
            for cue in find_hedges(text, s_start, s_end):
                if any(cue.start < s.end and s.start < cue.end for s in spans.values() if s.label == "SOURCE"):
                    continue
                hedge = _span(text, "HEDGE", cue.start, cue.end, cue.score, hedge_strength=cue.strength)
                spans.setdefault(hedge.id, hedge)
                target = next((c for c in claims if c.start <= cue.start and cue.end <= c.end), None)
                if target:
                    relations.append(Relation(from_id=hedge.id, to_id=target.id, type="qualifies"))
        unique_relations = list(dict.fromkeys(relations))
        return Document(article=article, model_version=self.model_version, sentences=tuple(sentences),
                        spans=tuple(sorted(spans.values(), key=lambda s: (s.start, s.end, s.label))),
                        relations=tuple(unique_relations))
