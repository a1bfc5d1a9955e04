"""Ingest: the two plain-text shapes, Markdown, HTML, JSONL, ids and hashes, de-duplication."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path

import pytest

from curation.ingest import ingest, parse_text
from curation.models import Article, Problem
from tests.conftest import BENCHMARKS, EXAMPLE_ARTICLE, ROOT, need

EXAMPLES = ROOT / "examples" / "articles"


def run(*paths: Path, **kw) -> tuple[list[Article], list[Problem]]:
    items = list(ingest(paths, **kw))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def paragraph_texts(article: Article) -> list[str]:
    return [article.text[p.start : p.end] for p in article.paragraphs]


# --- plain text: the wire-page dump ----------------------------------------------------


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
    for junk in ("Pedro Pardo / AFP", "Original url", "themoscowtimes", "<u>", "By AFP", "October 08", "Highly Likely"):
        assert junk not in article.text
    assert len(article.paragraphs) == 22
    assert "\n\n".join(paragraph_texts(article)) == article.text
    assert any("Pedro Pardo / AFP" in w for w in article.warnings)
    assert any("URL" in w for w in article.warnings)


@pytest.mark.parametrize(
    ("header", "title", "byline", "published"),
    [
        ("Rates Held Again\n\nBy Jane Doe and John Smith\n\nPublished: 8 October 2024", "Rates Held Again",
         "Jane Doe and John Smith", dt.date(2024, 10, 8)),
        ("Rates Held Again\n\nBy Jane Doe, Reuters\nUpdated 2024-10-08 14:30 GMT", "Rates Held Again",
         "Jane Doe, Reuters", dt.date(2024, 10, 8)),
        ("Rates Held Again\nBy the Associated Press\nOct. 8, 2024", "Rates Held Again", "Associated Press",
         dt.date(2024, 10, 8)),
        ("Rates Held Again\n\nTuesday, 8 October 2024 10:32 BST\n\nThe bank's tower. Photo: Reuters", "Rates Held Again",
         None, dt.date(2024, 10, 8)),
        ("Rates Held Again\n\nBY MARIA LINDQVIST\n\n(Image credit: Getty Images)\n\n10/08/2024", "Rates Held Again",
         "MARIA LINDQVIST", dt.date(2024, 10, 8)),
        ("Rates Held Again\n\nWritten by Ana Ruiz | 2024-10-08\n\nThe governor. Kim Hong-ji/Reuters", "Rates Held Again",
         "Ana Ruiz", dt.date(2024, 10, 8)),
    ],
)
def test_header_lines_in_common_forms_are_recognised(header, title, byline, published):
    body = "The central bank kept rates on hold, officials said.\n\nMarkets barely moved."
    article = parse_text(f"{header}\n\n{body}\n", source_path="h.txt")
    assert (article.title, article.byline, article.published) == (title, byline, published)
    assert article.text == body


@pytest.mark.parametrize(
    "prose",
    [
        "By the time the rain stopped, the river had risen two metres.",
        "By Tuesday, officials said the river had peaked",
        "Shares rose 5 / 10 analysts said",
        "May 2024 was the wettest month on record",
    ],
)
def test_prose_that_resembles_a_header_stays_in_the_text(prose):
    article = parse_text(f"Headline\n\n{prose}\n\nSecond paragraph.", source_path="p.txt")
    assert article.text == f"{prose}\n\nSecond paragraph."
    assert article.byline is None and article.published is None


def test_trailer_is_taken_only_when_it_is_a_url():
    kept = parse_text("Headline\n\nBody.\n\nSource: Ministry of Health figures, 2023.", source_path="s.txt")
    assert kept.text == "Body.\n\nSource: Ministry of Health figures, 2023." and kept.url is None
    sentence = parse_text("Headline\n\nBody.\n\nhttps://example.org has more", source_path="s.txt")
    assert sentence.text.endswith("https://example.org has more") and sentence.url is None
    labelled = parse_text("Headline\n\nBody.\n\nSource: https://news.example.org/a/b-1 23", source_path="s.txt")
    assert (labelled.text, labelled.url, labelled.publisher) == ("Body.", "https://news.example.org/a/b-123", "news.example.org")


def test_a_wrapped_first_paragraph_is_not_taken_for_a_title():
    article = parse_text("The first line of a wrapped\nparagraph goes on here.\n\nSecond.", source_path="w.txt")
    assert article.title is None
    assert article.text == "The first line of a wrapped\nparagraph goes on here.\n\nSecond."


def test_explicit_metadata_wins_over_the_header():
    article = parse_text("Headline\n\nBy AFP\n\nBody.", source_path="m.txt", byline="Reuters", url="https://x.org/1")
    assert (article.title, article.byline, article.url, article.publisher) == ("Headline", "Reuters", "https://x.org/1", "x.org")


def test_a_header_without_a_body_is_an_error(tmp_path):
    (tmp_path / "h.txt").write_text("Headline\n\nBy Jane Doe\n\nOctober 8, 2024\n")
    _, (problem,) = run(tmp_path / "h.txt")
    assert problem.severity == "error" and "no article body" in problem.message


# --- plain text: the BBC shape -----------------------------------------------------------


def test_bbc_shape_headline_blank_line_body(tmp_path):
    path = tmp_path / "001.txt"
    path.write_text("Ad sales boost profit\n\nProfits jumped 76% in the quarter.\n\nThe firm said sales rose.\n")
    (article,), _ = run(path)
    assert article.title == "Ad sales boost profit"
    assert article.text == "Profits jumped 76% in the quarter.\n\nThe firm said sales rose."
    assert article.byline is None and article.published is None and article.url is None
    assert article.warnings == ()


@pytest.mark.benchmarks
def test_all_bbc_articles_ingest_fast_with_titles():
    folder = need(BENCHMARKS / "bbc-news")
    files = sorted(folder.glob("*/*.txt"))
    started = time.perf_counter()
    articles, problems = run(*files)
    elapsed = time.perf_counter() - started
    assert len(files) == 200 and [p for p in problems if p.severity == "error"] == []
    assert len(articles) + len(problems) == 200  # the corpus has exact duplicates: reported as warnings
    assert all(a.title and a.text and a.warnings == () for a in articles)
    first = next(a for a in articles if a.source_path.endswith("business/001.txt"))
    assert first.title == "Ad sales boost Time Warner profit"
    assert first.text.startswith("Quarterly profits at US media giant TimeWarner")
    assert elapsed < 10, f"200 BBC files took {elapsed:.1f} s"


# --- Markdown, HTML, JSONL ---------------------------------------------------------------


def test_markdown_front_matter_and_markup_removed():
    (article,), _ = run(EXAMPLES / "vaccine-uptake.md")
    assert article.title == "Flu Vaccine Uptake Falls for Third Year Running"
    assert article.byline == "Priya Natarajan"
    assert article.published == dt.date(2026, 2, 3)
    assert article.publisher == "Example Health News"
    assert "**" not in article.text and "*largely driven*" not in article.text and "largely driven" in article.text
    assert "> " not in article.text and '"We suspect that some people' in article.text
    assert not article.text.startswith("#") and "Third Year Running" not in article.text


def test_markdown_without_front_matter_takes_the_first_h1(tmp_path):
    path = tmp_path / "a.markdown"
    path.write_text(
        "Intro line.\n\n# The &amp; Title\n\nSee [the report](https://x.org) ![chart](c.png) and `code` here.\n\n"
        "## Background\n\n- first point\n- second point\n"
    )
    (article,), _ = run(path)
    assert article.title == "The & Title"
    assert article.text == "Intro line.\n\nSee the report and code here.\n\nBackground\n\nfirst point\n\nsecond point"


def test_markdown_malformed_front_matter_names_the_line(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: ok\nauthor: [unclosed\n---\n\nBody.\n")
    _, (problem,) = run(path)
    assert problem.line == 3 and "malformed YAML front matter" in problem.message


def test_html_main_text_without_boilerplate_or_script():
    (article,), _ = run(EXAMPLES / "river-flooding.html")
    assert article.title == "River Levels Expected to Peak on Sunday as Towns Brace for Floods"
    assert article.byline == "Tomás Ferreira"
    assert article.published == dt.date(2026, 1, 17)
    assert article.url == "https://valleycourier.example.com/2026/01/17/river-levels-peak-sunday"
    assert article.publisher == "Valley Courier"
    assert article.text.startswith("The River Alder is expected to reach")
    for junk in ("analytics", "Privacy", "All rights reserved", "Home |", "<p>"):
        assert junk not in article.text
    assert len(article.paragraphs) == 6


def test_html_page_without_main_text_is_a_problem(tmp_path):
    (tmp_path / "empty.html").write_text("<html><head><script>x()</script></head><body>  </body></html>")
    _, (problem,) = run(tmp_path / "empty.html")
    assert "no main text" in problem.message


def test_jsonl_fields_and_ids():
    articles, problems = run(EXAMPLES / "wire-stories.jsonl")
    assert problems == [] and len(articles) == 2
    first, second = articles
    assert first.external_id == "wire-2026-0412" and first.source_line == 1 and second.source_line == 2
    assert first.article_id == "art_" + hashlib.sha256(b"id:wire-2026-0412").hexdigest()[:16]
    assert second.text.startswith("The country's wheat harvest")  # from `body`
    assert first.publisher == "Example Wire" and first.published == dt.date(2026, 4, 12)


def test_jsonl_optional_fields_and_lenient_values(tmp_path):
    path = tmp_path / "x.jsonl"
    records = [
        {"id": 7, "author": "Ana Ruiz", "text": "Integer ids are fine.", "url": "https://www.example.org/a"},
        {"text": "Unparseable metadata is dropped, with a warning.", "published": "sometime", "url": "example.org/b"},
    ]
    path.write_text("".join(json.dumps(r) + "\r\n" for r in records))
    (first, second), (warning,) = run(path)
    assert (warning.path, warning.line, warning.severity) == (str(path), 2, "warning")  # told, not silent
    assert "ignored date 'sometime'" in warning.message and "ignored url 'example.org/b'" in warning.message
    assert (first.external_id, first.byline, first.publisher) == ("7", "Ana Ruiz", "example.org")
    assert second.published is None and second.url is None and second.publisher is None
    assert any("'sometime'" in w for w in second.warnings) and any("'example.org/b'" in w for w in second.warnings)


# --- ids, hashes, de-duplication, order ----------------------------------------------------


def test_article_id_follows_the_identity_key(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps({"id": "42", "text": "A.", "url": "https://x.org/1"}) + "\n"
        + json.dumps({"text": "B.", "url": "https://x.org/1"}) + "\n"
        + json.dumps({"text": "  C.\r\n"}) + "\n"
    )
    by_id, by_url, by_text = run(path)[0]
    key = lambda s: "art_" + hashlib.sha256(s.encode()).hexdigest()[:16]  # noqa: E731
    assert by_id.article_id == key("id:42")
    assert by_url.article_id == key("url:https://x.org/1")
    assert by_text.article_id == key("text:C.")


def test_content_hash_is_over_text_and_metadata(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": "42", "text": "Version one.", "title": "T", "published": "2024-10-08"}) + "\n")
    (v1,), _ = run(path)
    canonical = {"text": "Version one.", "title": "T", "byline": None, "published": "2024-10-08", "url": None,
                 "publisher": None, "language": "en"}
    assert v1.content_hash == hashlib.sha256(
        json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    path.write_text(json.dumps({"id": "42", "text": "Version two.", "title": "T", "published": "2024-10-08"}) + "\n")
    (v2,), _ = run(path)
    assert v1.article_id == v2.article_id and v1.content_hash != v2.content_hash


def test_duplicates_are_reported_not_silently_dropped(tmp_path):
    body = "Headline\n\nThe same article body, word for word.\n"
    (tmp_path / "a.txt").write_text(body)
    (tmp_path / "b.txt").write_text(body.replace("\n", "\r\n"))  # same article once normalised
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"title": "Headline", "text": "The same article body, word for word."}) + "\n"
        + json.dumps({"text": "Another one."}) + "\n" + json.dumps({"text": "Another one."}) + "\n"
    )
    articles, problems = run(tmp_path)
    assert [(Path(a.source_path).name, a.source_line) for a in articles] == [("a.txt", None), ("c.jsonl", 2)]
    assert [(Path(p.path).name, p.line, p.severity) for p in problems] == [
        ("b.txt", None, "warning"), ("c.jsonl", 1, "warning"), ("c.jsonl", 3, "warning")]
    assert problems[0].message == f"duplicate of {tmp_path / 'a.txt'}; skipped"
    assert problems[2].message == f"duplicate of {tmp_path / 'c.jsonl'}:2; skipped"


def test_directory_walk_is_recursive_sorted_and_skips_hidden(tmp_path):
    for name in ("b/2.txt", "a/1.md", ".hidden/3.txt", "a/.4.txt", "c.txt", "d.htm", "notes.docx", "B.TXT"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"Headline {name}\n\nBody of {name} here.\n")
    (tmp_path / "d.htm").write_text("<html><body><article><p>" + "A paragraph of the page. " * 10 + "</p></article></body></html>")
    first = [(Path(a.source_path).relative_to(tmp_path).as_posix()) for a in run(tmp_path)[0]]
    assert first == ["B.TXT", "a/1.md", "b/2.txt", "c.txt", "d.htm"]
    assert [a.source_path for a in run(tmp_path)[0]] == [str(tmp_path / p) for p in first]  # deterministic


def test_paths_given_explicitly_keep_their_order_and_a_single_path_works(tmp_path):
    for name in ("x.txt", "y.txt"):
        (tmp_path / name).write_text(f"Headline\n\nBody of {name}.\n")
    assert [Path(a.source_path).name for a in run(tmp_path / "y.txt", tmp_path / "x.txt")[0]] == ["y.txt", "x.txt"]
    assert [Path(a.source_path).name for a in ingest(str(tmp_path / "x.txt"))] == ["x.txt"]


def test_unknown_suffix_named_explicitly_is_a_problem_but_skipped_in_folders(tmp_path):
    (tmp_path / "notes.docx").write_text("x")
    assert run(tmp_path) == ([], [])
    _, (problem,) = run(tmp_path / "notes.docx")
    assert "unsupported file type '.docx'" in problem.message and problem.path.endswith("notes.docx")
    _, (missing,) = run(tmp_path / "nope.txt")
    assert "no such file" in missing.message
