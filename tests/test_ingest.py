"""Ingest: the two plain-text shapes, Markdown, HTML, JSONL, bad input, de-duplication."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

from hypothesis import given, settings

from curation.ingest import ingest, parse_text
from curation.ingest.normalize import normalize_text, paragraph_offsets
from curation.models import Article, Problem
from tests.conftest import BENCHMARKS, EXAMPLE_ARTICLE, ROOT, need
from tests.strategies import messy_text

EXAMPLES = ROOT / "examples" / "articles"


def run(*paths: Path, **kw) -> tuple[list[Article], list[Problem]]:
    items = list(ingest(paths, **kw))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def test_example_article_header_and_trailer_are_peeled_off():
    (article,), problems = run(need(EXAMPLE_ARTICLE))
    assert problems == []
    assert article.title == "N. Korean Soldiers 'Highly Likely' Killed in Ukraine – Seoul"
    assert article.byline == "AFP"
    assert article.published == dt.date(2024, 10, 8)
    assert article.url == (
        "https://www.themoscowtimes.com/2024/10/08/n-korean-soldiers-highly-likely-killed-in-ukraine-seoul-a86607"
    )
    assert article.publisher == "themoscowtimes.com"
    assert article.text.startswith("North Korean soldiers are likely fighting in Ukraine")
    assert article.text.endswith("since Russia's 2022 invasion of Ukraine.")
    for junk in ("Pedro Pardo / AFP", "Original url", "themoscowtimes", "<u>", "By AFP"):
        assert junk not in article.text
    assert len(article.paragraphs) == 22
    assert all(article.text[p.start : p.end].strip() == article.text[p.start : p.end] for p in article.paragraphs)


def test_bbc_shape_headline_blank_line_body(tmp_path):
    path = tmp_path / "001.txt"
    path.write_text("Ad sales boost profit\n\nProfits jumped 76% in the quarter.\n\nThe firm said sales rose.\n")
    (article,), _ = run(path)
    assert article.title == "Ad sales boost profit"
    assert article.text == "Profits jumped 76% in the quarter.\n\nThe firm said sales rose."
    assert article.byline is None and article.published is None and article.url is None


def test_real_bbc_articles_all_ingest_with_titles():
    files = sorted(need(BENCHMARKS / "bbc-news").glob("*/*.txt"))
    articles, problems = run(*files)
    assert [p for p in problems if p.severity == "error"] == []
    assert len(articles) + len(problems) == len(files) == 200  # the corpus has exact duplicates: reported
    first = next(a for a in articles if a.source_path.endswith("business/001.txt"))
    assert first.title == "Ad sales boost Time Warner profit"
    assert first.text.startswith("Quarterly profits at US media giant TimeWarner")


def test_markdown_front_matter_and_markup_removed():
    (article,), _ = run(EXAMPLES / "vaccine-uptake.md")
    assert article.title == "Flu Vaccine Uptake Falls for Third Year Running"
    assert article.byline == "Priya Natarajan"
    assert article.published == dt.date(2026, 2, 3)
    assert article.publisher == "Example Health News"
    assert "**" not in article.text and "*largely driven*" not in article.text and "largely driven" in article.text
    assert "> " not in article.text and '"We suspect that some people' in article.text
    assert not article.text.startswith("#")


def test_html_main_text_without_boilerplate_or_script():
    (article,), _ = run(EXAMPLES / "river-flooding.html")
    assert article.title == "River Levels Expected to Peak on Sunday as Towns Brace for Floods"
    assert article.byline == "Tomás Ferreira"
    assert article.published == dt.date(2026, 1, 17)
    assert article.url == "https://valleycourier.example.com/2026/01/17/river-levels-peak-sunday"
    assert article.text.startswith("The River Alder is expected to reach")
    for junk in ("analytics", "Privacy", "All rights reserved", "Home |"):
        assert junk not in article.text
    assert len(article.paragraphs) == 6


def test_jsonl_fields_and_ids():
    articles, problems = run(EXAMPLES / "wire-stories.jsonl")
    assert problems == [] and len(articles) == 2
    first, second = articles
    assert first.external_id == "wire-2026-0412" and first.source_line == 1 and second.source_line == 2
    assert second.text.startswith("The country's wheat harvest")  # from `body`
    assert first.article_id != second.article_id
    assert first.publisher == "Example Wire"


def test_bad_inputs_are_named_and_the_batch_goes_on(tmp_path):
    (tmp_path / "good.txt").write_text("Headline\n\nA good body sentence that says something.\n")
    (tmp_path / "latin1.txt").write_bytes("Headline\n\nCaf\xe9 owners said so.\n".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("  \n\n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "big.txt").write_bytes(b"word " * 4_200_000)  # 21 MB
    (tmp_path / "lines.jsonl").write_text(
        '{"text": "First fine article about the budget."}\n{not json\n[1, 2]\n{"title": "no text"}\n'
        '{"text": 5}\n{"text": "Fifth line is fine too, officials said."}\n'
    )
    articles, problems = run(tmp_path)
    by_file = {(Path(p.path).name, p.line): p.message for p in problems}
    assert "not valid UTF-8: byte 0xe9" in by_file[("latin1.txt", 3)]
    assert "empty" in by_file[("empty.txt", None)]
    assert "binary" in by_file[("binary.txt", None)]
    assert "21.0 MB, over the 10.0 MB limit" in by_file[("big.txt", None)]
    assert "malformed JSON" in by_file[("lines.jsonl", 2)]
    assert "expected a JSON object" in by_file[("lines.jsonl", 3)]
    assert "missing required field 'text'" in by_file[("lines.jsonl", 4)]
    assert "must be a string" in by_file[("lines.jsonl", 5)]
    assert sorted((Path(a.source_path).name, a.source_line) for a in articles) == [
        ("good.txt", None), ("lines.jsonl", 1), ("lines.jsonl", 6)]
    assert all(p.severity == "error" for p in problems)


def test_control_characters_removed_emoji_and_cjk_kept_script_stripped(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text(
        "Headline\n\nBody\x07 with a bell 🎉 and 北朝鮮の兵士 text.\n\n"
        "<script>alert('x')</script>Officials said 3 < 4 and <b>bold</b> words &amp; more.\n"
    )
    (article,), problems = run(path)
    assert problems == []
    assert article.text == "Body with a bell 🎉 and 北朝鮮の兵士 text.\n\nOfficials said 3 < 4 and bold words & more."
    assert any("control character" in w for w in article.warnings)
    assert any("script" in w for w in article.warnings)


def test_duplicates_are_reported_not_silently_dropped(tmp_path):
    body = "Headline\n\nThe same article body, word for word.\n"
    (tmp_path / "a.txt").write_text(body)
    (tmp_path / "b.txt").write_text(body)
    articles, problems = run(tmp_path)
    assert len(articles) == 1
    (dup,) = problems
    assert dup.severity == "warning" and dup.path.endswith("b.txt") and "a.txt" in dup.message


def test_unknown_suffix_named_explicitly_is_a_problem_but_skipped_in_folders(tmp_path):
    (tmp_path / "notes.docx").write_text("x")
    assert run(tmp_path) == ([], [])
    _, (problem,) = run(tmp_path / "notes.docx")
    assert "unsupported file type '.docx'" in problem.message


def test_directory_walk_is_recursive_sorted_and_skips_hidden(tmp_path):
    for name in ("b/2.txt", "a/1.txt", ".hidden/3.txt", "c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"Headline {name}\n\nBody of {name} here.\n")
    articles, _ = run(tmp_path)
    assert [Path(a.source_path).relative_to(tmp_path).as_posix() for a in articles] == ["a/1.txt", "b/2.txt", "c.txt"]


def test_article_id_is_stable_and_content_hash_tracks_changes(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": "42", "text": "Version one of the story."}) + "\n")
    (v1,), _ = run(path)
    path.write_text(json.dumps({"id": "42", "text": "Version two of the story."}) + "\n")
    (v2,), _ = run(path)
    assert v1.article_id == v2.article_id
    assert v1.content_hash != v2.content_hash


@settings(max_examples=300, deadline=None)
@given(messy_text)
def test_normalised_text_is_nfc_lf_and_paragraphs_point_into_it(raw):
    text, _ = normalize_text(raw)
    assert "\r" not in text and unicodedata.is_normalized("NFC", text)
    assert not any(c in text for c in "\x00\x07\x85")
    for p in paragraph_offsets(text):
        chunk = text[p.start : p.end]
        assert chunk and chunk == chunk.strip() and "\n\n" not in chunk


@settings(max_examples=100, deadline=None)
@given(messy_text)
def test_reingest_gives_the_same_ids(raw):
    def identity(path: str) -> tuple[str, str, str] | str:
        try:
            a = parse_text(raw, source_path=path)
        except ValueError as exc:  # nothing left once the header is peeled off
            return str(exc)
        return a.article_id, a.content_hash, a.text

    assert identity("a.txt") == identity("elsewhere/b.txt")
