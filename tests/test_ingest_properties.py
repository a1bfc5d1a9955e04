"""Ingest properties (hypothesis): the normalised text and its paragraph offsets hold for any input."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from curation.ingest import ingest, make_article, parse_text
from curation.ingest.normalize import normalize_text, paragraph_offsets
from curation.models import Article
from tests.strategies import PIECES, messy_text

CONTROLS = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n", "\t"}
COMBINING = ["\u0301", "\u0308", "\u0323", "\u3099"]
any_text = st.one_of(
    messy_text,
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(PIECES + COMBINING), st.text(max_size=3)), max_size=60).map("".join),
)
# Prose without markup: letters, digits, emoji, CJK, combining marks, spaces, tabs and line breaks.
clean_text = st.lists(
    st.one_of(
        st.characters(categories=["L", "M", "N"]),
        st.sampled_from([" ", "\t", "\n", "\r\n", "😀", "👨‍👩‍👧", "北", "é", "e\u0301", ".", ","]),
    ),
    max_size=100,
).map("".join)


def assert_normalised(text: str) -> None:
    assert "\r" not in text and unicodedata.is_normalized("NFC", text)
    assert not CONTROLS & set(text)
    assert "\n\n\n" not in text and text == text.strip()
    assert all(line == line.strip() for line in text.split("\n"))


def assert_paragraphs_cover(article: Article) -> None:
    chunks = [article.text[p.start : p.end] for p in article.paragraphs]
    assert all(chunk and chunk == chunk.strip() and "\n\n" not in chunk for chunk in chunks)
    assert "\n\n".join(chunks) == article.text  # nothing between paragraphs but the break


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_normalised_text_is_nfc_lf_without_controls_and_paragraphs_point_into_it(raw):
    text, _ = normalize_text(raw)
    assert_normalised(text)
    for p in paragraph_offsets(text):
        assert 0 <= p.start < p.end <= len(text)
        chunk = text[p.start : p.end]
        assert chunk == chunk.strip() and "\n\n" not in chunk


@settings(max_examples=300, deadline=None)
@given(clean_text)
def test_prose_passes_through_intact_and_normalising_twice_changes_nothing(raw):
    text, warnings = normalize_text(raw)
    def letters(s: str) -> str:
        return unicodedata.normalize("NFC", "".join(s.split()))

    assert letters(text) == letters(raw)
    assert warnings == ()
    assert normalize_text(text) == (text, ())


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_every_article_has_normalised_text_and_exact_paragraph_offsets(raw):
    for build in (lambda: make_article(raw, source_path="m.txt"), lambda: parse_text(raw, source_path="p.txt")):
        try:
            article = build()
        except ValueError:  # nothing left after normalisation (or only a header)
            continue
        assert_normalised(article.text)
        assert_paragraphs_cover(article)


@settings(max_examples=60, deadline=None)
@given(any_text.filter(lambda s: "\x00" not in s), st.sampled_from(["\n", "\r\n", "\r"]))
def test_reingesting_a_file_gives_the_same_ids_wherever_it_lives(raw, newline):
    data = raw.replace("\n", newline).encode("utf-8")

    def ingest_copy(name: str) -> list[tuple[str, ...]]:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return [
                (i.article_id, i.content_hash, i.text) if isinstance(i, Article) else (i.message,)
                for i in ingest([path])
            ]

    first = ingest_copy("a.txt")
    assert first == ingest_copy("a.txt") == ingest_copy("elsewhere/b.txt")
