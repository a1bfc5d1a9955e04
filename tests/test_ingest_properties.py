"""Ingest properties (hypothesis): the normalised text and its paragraph offsets hold for any input."""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from curation.ingest import ingest, make_article, parse_jsonl_line, parse_markdown, parse_text
from curation.ingest.normalize import normalize_text, paragraph_offsets
from curation.models import Article
from tests.strategies import BIDI, INVISIBLE, PIECES, messy_text

CONTROLS = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n", "\t"}
# What must never survive: bidi embeddings/overrides/isolates, zero-width space, word joiner,
# soft hyphen, BOM, tag characters outside an emoji flag, joiners between Latin letters.
REMOVED = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200b\u2060\u00ad\ufeff]"
    "|(?<![\U0001f3f4\U000e0020-\U000e007f])[\U000e0000-\U000e007f]"
    "|(?<=[A-Za-z0-9])[\u200c\u200d]+(?=[A-Za-z0-9])"
)
ENTITY_OR_TAG = re.compile(r"&#?[A-Za-z0-9]+;|</?[A-Za-z]")
COMBINING = ["\u0301", "\u0308", "\u0323", "\u3099"]
any_text = st.one_of(
    messy_text,
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(PIECES + COMBINING), st.text(max_size=3)), max_size=60).map("".join),
)
# Characters real writing needs, kept: emoji ZWJ sequences, ZWNJ in Persian, bidi marks in RTL text.
NEEDED = ["👨\u200d👩\u200d👧", "می\u200cخواهم", "\u200fשלום", "🏴\U000e0067\U000e0062\U000e007f"]
needed_invisible = st.lists(st.sampled_from([*NEEDED, " ", "\n", "\r\n", "\t", "word", "北"]), max_size=20).map("".join)
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
    assert REMOVED.search(text) is None
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
    builders = (
        lambda: make_article(raw, source_path="m.txt"),
        lambda: parse_text(raw, source_path="p.txt"),
        lambda: parse_markdown(raw, source_path="p.md"),
        lambda: parse_jsonl_line(json.dumps({"text": raw}), source_path="p.jsonl", source_line=1),
    )
    for build in builders:
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


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_normalising_twice_changes_nothing_unless_entities_spelled_markup_or_entities(raw):
    """Idempotent on the text (bidi, zero-width, CRLF, tabs, emoji, CJK included), except where
    decoding left an entity or tag-like text behind ("&amp;lt;", "&lt;b&gt;"), kept as text."""
    once = normalize_text(raw).text
    if ENTITY_OR_TAG.search(once) is None:
        assert normalize_text(once).text == once


@settings(max_examples=200, deadline=None)
@given(needed_invisible)
def test_invisible_characters_writing_needs_are_kept(raw):
    text, warnings = normalize_text(raw)
    assert all(piece in text for piece in NEEDED if piece in raw)
    assert not any(w.startswith("removed") for w in warnings)
    assert any("bidi mark" in w for w in warnings) == ("\u200f" in text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", " ", "1", *BIDI, *INVISIBLE]), max_size=40).map("".join))
def test_what_is_removed_is_said(raw):
    text, warnings = normalize_text(raw)
    removed = [w for w in warnings if w.startswith("removed") and "invisible" in w]
    assert bool(removed) == (REMOVED.search(raw.removeprefix("\ufeff")) is not None)
