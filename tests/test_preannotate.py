"""The rule pre-annotator: sentences, hedges, sources, claims, relations, offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from curation.ingest import ingest, make_article
from curation.models import Article, Document
from curation.preannotate import Preannotator, available, get_preannotator, register
from curation.preannotate.hedges import find_hedges
from curation.preannotate.sentences import split_sentences
from curation.preannotate.sources import find_attributions
from tests.conftest import EXAMPLE_ARTICLE, need
from tests.strategies import messy_text


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_survive_news_abbreviations():
    text = ('N. Korean officers were killed near Donetsk on Oct. 3, officials said. Mr. Kim told U.S. officials '
            'it was true. The U.S. The end.')
    assert sentences(text) == [
        "N. Korean officers were killed near Donetsk on Oct. 3, officials said.",
        "Mr. Kim told U.S. officials it was true.",
        "The U.S.",
        "The end.",
    ]


def test_sentences_end_inside_quotes_and_never_cross_paragraphs():
    text = '"We assess it is likely," he said. "It was true." Then more\n\nA new paragraph without a stop'
    assert sentences(text) == ['"We assess it is likely," he said.', '"It was true."', "Then more",
                               "A new paragraph without a stop"]


def hedges(text: str) -> list[str]:
    return [text[c.start:c.end] for c in find_hedges(text, 0, len(text))]


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
    ],
)
def test_hedge_cues_and_their_disambiguation(text, expected):
    assert hedges(text) == expected


def attributions(text: str) -> list[tuple[str, str, str | None]]:
    return [(text[a.source[0]:a.source[1]], a.source_type, text[a.content[0]:a.content[1]] if a.content else None)
            for a in find_attributions(text, 0, len(text))]


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
    ],
)
def test_source_frames_in_both_orders(text, expected):
    assert attributions(text) == expected


def test_relations_join_source_and_hedge_to_the_claim():
    article = make_article("Analysts said the plant is likely to close by 2027.", source_path="t.txt")
    doc = get_preannotator("rules").annotate(article)
    by_id = {s.id: s for s in doc.spans}
    pairs = {(by_id[r.from_id].text, r.type, by_id[r.to_id].text) for r in doc.relations}
    assert pairs == {
        ("Analysts", "attributed_to", "the plant is likely to close by 2027"),
        ("likely", "qualifies", "the plant is likely to close by 2027"),
    }


def test_example_article_gets_the_hedges_and_sources_a_reader_expects():
    (article,) = [a for a in ingest([need(EXAMPLE_ARTICLE)]) if isinstance(a, Article)]
    doc = get_preannotator("rules").annotate(article)
    hedge_texts = {s.text for s in doc.spans if s.label == "HEDGE"}
    source_texts = {s.text for s in doc.spans if s.label == "SOURCE"}
    assert {"likely", "believed", "highly likely", "is expected to", "could", "might"} <= hedge_texts
    assert {"Seoul's defense minister", "Seoul's defense minister, Kim Yong-hyun", "Ukrainian media", "Experts",
            "Analysts", "Lim Eul-chul, a professor at Seoul's Institute for Far Eastern Studies", "he", "Kim",
            "South Korea"} <= source_texts
    claims = [s for s in doc.spans if s.label == "CLAIM"]
    assert any(c.text.startswith("six North Korean military officers were killed") for c in claims)
    assert all(0.0 <= s.score <= 1.0 for s in doc.spans)
    assert doc.model_version == "curation-rules-1.0"


@settings(max_examples=300, deadline=None)
@given(messy_text)
def test_annotate_any_text_gives_valid_offsets(raw):
    article = Article(article_id="a", content_hash="h", text=raw, source_path="t.txt")
    doc = get_preannotator("rules").annotate(article)  # Document validates text[start:end] == span.text
    for s in doc.spans:
        assert raw[s.start:s.end] == s.text and s.text
    for sent in doc.sentences:
        assert raw[sent.start:sent.end].strip() == raw[sent.start:sent.end]


def test_a_registered_preannotator_is_used_by_name():
    class Nothing:
        model_version = "nothing-0"

        def annotate(self, article: Article) -> Document:
            return Document(article=article, model_version=self.model_version)

    register("nothing", Nothing)
    assert "nothing" in available() and "rules" in available()
    annotator = get_preannotator("nothing")
    assert isinstance(annotator, Preannotator) and annotator.model_version == "nothing-0"
    with pytest.raises(KeyError, match="unknown pre-annotator 'missing'"):
        get_preannotator("missing")
