"""The built-in rule-based pre-annotator: fast, transparent, no model weights.

One scan of the lower-cased article finds the phrases of every word list; the
finders (sentences, hedge cues, attribution frames, claim signals) work from it
over the whole article; the results are then gathered sentence by sentence: every attribution frame gives a SOURCE and the CLAIM it reports; a
sentence without one gets a CLAIM when it looks check-worthy; relations join
them within the sentence.

Predictions are gathered as plain tuples and validated once, by pydantic, when
the `Document` is built from them (every span's fields, attributes and
`text[start:end] == span.text`): that is cheaper than building and validating
each `Span` on its own.
"""

from __future__ import annotations

from curation.models import Article, Document
from curation.preannotate.claims import ClaimAssessment, SignalIndex, assess, index_signals
from curation.preannotate.hedges import Cue, find_hedges
from curation.preannotate.lexicon import fold
from curation.preannotate.scan import scan
from curation.preannotate.relations import Link, Region, attributed_to, qualifies
from curation.preannotate.sentences import split_sentences
from curation.preannotate.sources import Attribution, find_attributions

RULES_VERSION = "1.2"
CLAIM_THRESHOLD = 0.5
_EDGE_QUOTES = "\"“”'‘’ "
_TRAILING = " \t\r\n.,;:!?\"“”'‘’"


def region(text: str, label: str, start: int, end: int, score: float, **attributes: str) -> Region:
    """A predicted span; its id is derived from label and offsets, so it is short, unique and deterministic."""
    return Region(f"{label[0].lower()}{start}-{end}", start, end, text[start:end], label, score, attributes)


def claim_region(text: str, start: int, end: int, claim: ClaimAssessment) -> Region:
    return region(text, "CLAIM", start, end, claim.score, check_worthiness=claim.worthiness,
                  claim_type=claim.claim_type)


def hedge_region(text: str, cue: Cue) -> Region:
    return region(text, "HEDGE", cue.start, cue.end, cue.score, hedge_strength=cue.strength)


def sentence_claim(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence without its closing punctuation and surrounding quotes."""
    core = text[start:end].rstrip(_TRAILING)
    lead = len(core) - len(core.lstrip(_EDGE_QUOTES))
    return start + lead, start + len(core)


class RulePreannotator:
    """CLAIM / HEDGE / SOURCE by lexicons and attribution frames; `model_version` names the rules version."""

    model_version = f"curation-rules-{RULES_VERSION}"

    def annotate(self, article: Article) -> Document:
        text = article.text
        low = fold(text)
        hits = scan(low)
        sentences = split_sentences(text)
        index = index_signals(text, low, hits)
        cues = iter(find_hedges(text, low, hits))
        cue = next(cues, None)
        regions: dict[str, Region] = {}
        links: list[Link] = []
        for (start, end), attributions in zip(sentences, find_attributions(text, sentences, low, hits)):
            claims = attributed_claims(text, index, attributions, regions, links) if attributions else []
            if not claims:
                c_start, c_end = sentence_claim(text, start, end)
                if c_end > c_start and (claim := assess(index, text, c_start, c_end, attributed=False)).score >= CLAIM_THRESHOLD:
                    claims.append(keep(regions, claim_region(text, c_start, c_end, claim)))
            while cue is not None and cue.start < end:
                if cue.start >= start:
                    hedge = keep(regions, hedge_region(text, cue))
                    if link := qualifies(hedge, claims):
                        links.append(link)
                cue = next(cues, None)
        return Document(
            article=article,
            model_version=self.model_version,
            sentences=[{"start": s, "end": e} for s, e in sentences],
            spans=[r._asdict() for r in sorted(regions.values(), key=lambda r: (r.start, r.end, r.label))],
            relations=[link._asdict() for link in dict.fromkeys(links)],
        )


def attributed_claims(text: str, index: SignalIndex, attributions: list[Attribution], regions: dict[str, Region],
                      links: list[Link]) -> list[Region]:
    """SOURCE regions of a sentence's attributions, and the CLAIMs they report (returned)."""
    claims = []
    for att in attributions:
        source = keep(regions, region(text, "SOURCE", *att.source, att.score, source_type=att.source_type))
        if att.content:
            claim = keep(regions, claim_region(text, *att.content, assess(index, text, *att.content, attributed=True)))
            claims.append(claim)
            links.append(attributed_to(source, claim))
    return claims


def keep(regions: dict[str, Region], candidate: Region) -> Region:
    """The region with the candidate's id: the first one predicted wins."""
    return regions.setdefault(candidate.id, candidate)
