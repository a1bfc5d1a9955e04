"""The rule pre-annotator: sentences, hedges, sources, claims, relations, offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.models import Article, Document
from curation.preannotate import Preannotator, available, get_preannotator, register
from curation.preannotate.claims import index_signals, kinds_of, signals_in
from curation.preannotate.hedges import HEDGE_CUES, find_hedges
from curation.preannotate.lexicon import fold
from curation.preannotate.sentences import split_sentences
from curation.preannotate.sources import find_attributions
from curation.preannotate.source_types import source_type
from tests.conftest import EXAMPLE_ARTICLE, need
from tests.strategies import messy_text


def article(text: str) -> Article:
    return Article(article_id="a", content_hash="h", text=text, source_path="t.txt")


def annotate(text: str) -> Document:
    return get_preannotator("rules").annotate(article(text))


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_survive_news_abbreviations_and_initials():
    text = ("N. Korean officers were killed near Donetsk on Oct. 3, officials said. Mr. Kim told U.S. officials "
            "it was true. Gen. Robert Guéi met George W. Bush at 3 p.m. Monday. The U.S. The end.")
    assert sentences(text) == [
        "N. Korean officers were killed near Donetsk on Oct. 3, officials said.",
        "Mr. Kim told U.S. officials it was true.",
        "Gen. Robert Guéi met George W. Bush at 3 p.m. Monday.",
        "The U.S.",
        "The end.",
    ]


def test_trailing_abbreviations_end_a_sentence_only_before_an_opener():
    assert sentences("Shares in Apple Inc. rose. Apple Inc. The firm said so.") == [
        "Shares in Apple Inc. rose.", "Apple Inc.", "The firm said so."]


def test_sentences_end_inside_quotes_and_never_cross_lines():
    text = '"We assess it is likely," he said. "It was true." Then more\n\nA new paragraph\nwithout a stop! Really?'
    assert sentences(text) == ['"We assess it is likely," he said.', '"It was true."', "Then more",
                               "A new paragraph", "without a stop!", "Really?"]


def test_sentences_with_crlf_tabs_and_cjk_stops():
    text = "One.\r\n\r\n\tTwo is here.  北朝鮮。南です。"
    assert sentences(text) == ["One.", "Two is here.", "北朝鮮。", "南です。"]


def hedges(text: str) -> list[str]:
    return [text[c.start:c.end] for c in find_hedges(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It is highly likely that the report was true.", ["highly likely"]),
        ("North Korea is expected to send more soldiers.", ["is expected to"]),
        ("Some were believed already killed.", ["believed"]),
        ("The vote took place in May. Theresa May said so.", []),
        ("May 5 was warm, but it may rain.", ["may"]),
        ("He could not attend, but prices could rise.", ["could"]),
        ("An unlikely outcome.", ["unlikely"]),
        ("Come as soon as possible; it is not possible. A possible cause.", ["possible"]),
        ("They believe in God. They believe it was true.", ["believe"]),
        ("She claimed the title. She claimed that it rained.", ["claimed"]),
        ("He considered resigning. It is considered safe.", ["is considered"]),
        ("Police arrested the suspect. We suspect foul play.", ["suspect"]),
        ("There is no doubt. Doubts remain.", ["Doubts"]),
        ("The damage was assessed. We assess that it grew.", ["assess"]),
        ("The car is relatively cheap and costs roughly $5.", []),
    ],
)
def test_hedge_cues_and_their_disambiguation(text, expected):
    assert hedges(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Some critics say the law failed.", ["Some"]),
        ("In many countries the law failed.", ["many"]),
        ("Many believe the law failed.", ["Many", "believe"]),
        ("Some 500 people came, with many shells and some cars.", []),
    ],
)
def test_vague_quantifiers_are_hedges_only_in_weasel_position(text, expected):
    assert hedges(text) == expected


def test_hedge_lexicon_is_a_plain_list_of_lowercase_phrases():
    assert isinstance(HEDGE_CUES, list) and all(isinstance(c, str) and c == c.lower() for c in HEDGE_CUES)
    assert {"highly likely", "likely", "believed", "is expected to", "could", "may", "might", "reportedly",
            "allegedly", "appears to", "suggests", "possibly", "potential"} <= set(HEDGE_CUES)


def attributions(text: str) -> list[tuple[str, str, str | None]]:
    found = find_attributions(text, split_sentences(text))
    return [(text[a.source[0]:a.source[1]], a.source_type, text[a.content[0]:a.content[1]] if a.content else None)
            for per_sentence in found for a in per_sentence]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Experts said that moving troops was the next step.",
         [("Experts", "anonymous", "moving troops was the next step")]),
        ("Troops were moved to the border, Seoul's defense minister said Tuesday.",
         [("Seoul's defense minister", "official_body", "Troops were moved to the border")]),
        ("Seoul's defense minister, Kim Yong-hyun, told lawmakers that the report was true.",
         [("Seoul's defense minister, Kim Yong-hyun", "named_person", "the report was true")]),
        ('"It is crucial to learn," said Lim Eul-chul, a professor at Seoul\'s Institute for Far Eastern Studies.',
         [("Lim Eul-chul, a professor at Seoul's Institute for Far Eastern Studies", "named_person",
           "It is crucial to learn")]),
        ("Ukrainian media have reported that six officers were killed.",
         [("Ukrainian media", "media", "six officers were killed")]),
        ("According to a report by the transport authority, 14 cables were corroded.",
         [("a report by the transport authority", "document", "14 cables were corroded")]),
        ('"The plan will fail," he said.', [("he", "named_person", "The plan will fail")]),
        ("Trump lawyer Marc Kasowitz said the filing was false.",
         [("Trump lawyer Marc Kasowitz", "named_person", "the filing was false")]),
        ("Sen. David Perdue (R-Ga.) said the vote was rigged.",
         [("Sen. David Perdue (R-Ga.)", "named_person", "the vote was rigged")]),
        ("Trump visited Ohio on Monday, saying she was unfit to serve.",
         [("Trump", "named_person", "she was unfit to serve")]),
        ("Contrary to his claim that people would learn nothing, the filing was public.",
         [("his", "named_person", "people would learn nothing, the filing was public")]),
        ("PENCE: Gennifer Flowers will not be attending the debate.",
         [("PENCE", "named_person", "Gennifer Flowers will not be attending the debate")]),
        ("Experts have long said missiles are deployed there — something both governments have denied.",
         [("Experts", "anonymous", "missiles are deployed there"), ("both governments", "official_body", None)]),
        # Only where and when it was said follows the verb: the claim is the clause before the source.
        ("The harvest could fall by 18 percent this year, the agriculture ministry said in a report on Monday.",
         [("the agriculture ministry", "official_body", "The harvest could fall by 18 percent this year")]),
        ("The bridge is safe for cars, the engineer told reporters at a news conference on Tuesday.",
         [("the engineer", "anonymous", "The bridge is safe for cars")]),
        # A conjunction opens the clause but is part of neither the source nor the claim before it.
        ("Traders believe bread prices may rise by the summer, although economists at the central bank said the "
         "effect would be small.",
         [("Traders", "anonymous", "bread prices may rise by the summer"),
          ("economists at the central bank", "anonymous", "the effect would be small")]),
    ],
)
def test_source_frames_in_both_orders(text, expected):
    assert attributions(text) == expected


def test_a_preposition_does_not_start_a_source():
    assert attributions("In Washington, officials said the talks had failed.") == [
        ("officials", "anonymous", "the talks had failed")]


@pytest.mark.parametrize(
    ("phrase", "kind"),
    [("Ukrainian media", "media"), ("senior officials", "anonymous"), ("the Trump campaign", "organisation"),
     ("a new Quinnipiac poll", "document"), ("Seoul's defense minister", "official_body"), ("she", "named_person")],
)
def test_source_types(phrase, kind):
    assert source_type(phrase) == kind


def relation_texts(doc: Document) -> set[tuple[str, str, str]]:
    by_id = {s.id: s for s in doc.spans}
    return {(by_id[r.from_id].text, r.type, by_id[r.to_id].text) for r in doc.relations}


def test_relations_join_source_and_hedge_to_the_claim():
    doc = annotate("Analysts said the plant is likely to close by 2027.")
    assert relation_texts(doc) == {
        ("Analysts", "attributed_to", "the plant is likely to close by 2027"),
        ("likely", "qualifies", "the plant is likely to close by 2027"),
    }


def test_a_hedge_in_the_frame_qualifies_the_adjacent_claim_of_its_sentence_only():
    doc = annotate("Officials reportedly said the plant will close in 2027. Prices may rise 5% next year.")
    assert relation_texts(doc) == {
        ("Officials", "attributed_to", "the plant will close in 2027"),
        ("reportedly", "qualifies", "the plant will close in 2027"),
        ("may", "qualifies", "Prices may rise 5% next year"),
    }


def test_check_worthy_sentences_get_a_typed_scored_claim_and_chatter_does_not():
    doc = annotate("Unemployment rose to 7.5% in March, the highest since 2009. Thank you all, I think we should go.")
    (claim,) = [s for s in doc.spans if s.label == "CLAIM"]
    assert claim.text == "Unemployment rose to 7.5% in March, the highest since 2009"
    assert claim.attributes == {"check_worthiness": "check_worthy", "claim_type": "statistic"}
    assert 0.6 <= claim.score <= 1.0


def test_signal_words_inside_a_longer_scanned_phrase_still_count():
    assert set(kinds_of("more likely")) == {"comparison", "prediction"}
    text = "It is more likely to fall."
    assert {"comparison", "prediction"} <= signals_in(index_signals(text, fold(text)), 0, len(text))


def test_span_ids_are_unique_short_and_derived_from_label_and_offsets():
    doc = annotate("Experts said the plant may close. Officials said it may not.")
    ids = [s.id for s in doc.spans]
    assert len(set(ids)) == len(ids)
    assert all(s.id == f"{s.label[0].lower()}{s.start}-{s.end}" for s in doc.spans)


def example_body() -> str:
    """The example article's body: the paragraphs between the photo caption and 'Original url:'."""
    paragraphs = [p.strip() for p in need(EXAMPLE_ARTICLE).read_text(encoding="utf-8").split("\n\n") if p.strip()]
    start = next(i for i, p in enumerate(paragraphs) if p.endswith("/ AFP")) + 1
    end = next(i for i, p in enumerate(paragraphs) if p.startswith("Original url:"))
    return "\n\n".join(paragraphs[start:end])


def test_example_article_gets_the_hedges_sources_and_claims_a_reader_expects():
    doc = annotate(example_body())
    hedge_texts = {s.text for s in doc.spans if s.label == "HEDGE"}
    source_texts = {s.text for s in doc.spans if s.label == "SOURCE"}
    claims = [s.text for s in doc.spans if s.label == "CLAIM"]
    assert {"likely", "believed", "highly likely", "is expected to", "expected to", "could", "might"} <= hedge_texts
    assert {"Seoul's defense minister", "Seoul's defense minister, Kim Yong-hyun", "Ukrainian media", "Experts",
            "Analysts", "Lim Eul-chul, a professor at Seoul's Institute for Far Eastern Studies", "he", "Kim",
            "South Korea"} <= source_texts
    assert not {"some", "many", "various"} & {t.lower() for t in hedge_texts}  # not weasels here
    assert "six North Korean military officers were killed in a Ukrainian missile attack on Russian-occupied " \
           "territory near Donetsk on Oct. 3" in claims
    assert "Pyongyang has sent thousands of containers of weapons to Russia for use in Ukraine" in claims
    assert "North Korean missiles are being deployed in Ukraine by Russian forces" in claims
    assert not any("said" in c.split() for c in claims)  # the reporting frame stays out of the claim
    assert ("Ukrainian media", "attributed_to", "six North Korean military officers were killed in a Ukrainian "
            "missile attack on Russian-occupied territory near Donetsk on Oct. 3") in relation_texts(doc)
    assert doc.model_version == get_preannotator("rules").model_version


@settings(max_examples=300, deadline=None)
@given(st.one_of(messy_text, st.text(max_size=200)))
def test_annotate_any_text_gives_valid_offsets(raw):
    doc = annotate(raw)  # Document validates text[start:end] == span.text, unique ids and relation ends
    for s in doc.spans:
        assert raw[s.start:s.end] == s.text and s.text and 0.0 <= s.score <= 1.0
    for sent in doc.sentences:
        piece = raw[sent.start:sent.end]
        assert piece and piece.strip() == piece and "\n" not in piece
    starts = [s.start for s in doc.sentences]
    assert starts == sorted(starts)


def test_a_registered_preannotator_is_used_by_name():
    class Nothing:
        model_version = "nothing-0"

        def annotate(self, article: Article) -> Document:
            return Document(article=article, model_version=self.model_version)

    register("nothing", Nothing)
    assert "nothing" in available() and "rules" in available()
    annotator = get_preannotator("nothing")
    assert isinstance(annotator, Preannotator) and annotator.model_version == "nothing-0"
    assert get_preannotator("rules").model_version.startswith("curation-rules-")
    with pytest.raises(KeyError, match="unknown pre-annotator 'missing'"):
        get_preannotator("missing")
