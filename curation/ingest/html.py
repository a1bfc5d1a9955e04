"""HTML pages: main-text extraction with trafilatura (navigation, scripts and page
boilerplate out; title, author, date, URL and site name from its metadata)."""

from __future__ import annotations

import json

import trafilatura

from curation.ingest.article import make_article
from curation.ingest.normalize import PARAGRAPH_BREAK, normalize_text
from curation.models import Article

EXTRACTED = "extracted the main text with trafilatura: markup, scripts and page boilerplate removed"


def parse_html(raw: str, *, source_path: str) -> Article:
    extracted = trafilatura.extract(
        raw, output_format="json", with_metadata=True, include_comments=False, include_tables=False
    )
    if not extracted:
        raise ValueError("no main text found in the HTML page")
    page = json.loads(extracted)
    lines = [line for line in page.get("text", "").split("\n") if line.strip()]
    title = page.get("title")
    if lines and title and lines[0].strip() == title.strip():
        lines = lines[1:]  # trafilatura repeats the <h1> headline as the first line
    return make_article(
        # trafilatura gives one paragraph a line, as text: what looks like a tag in it
        # was written with entities and is shown on the page, so it stays.
        normalize_text(PARAGRAPH_BREAK.join(lines), markup=False),
        source_path=source_path,
        title=title,
        byline=page.get("author"),
        published=page.get("date"),
        url=page.get("source"),
        publisher=page.get("source-hostname"),  # trafilatura's name for the site name
        language=page.get("language") or "en",
        warnings=[EXTRACTED],
        metadata_is_text=True,
    )
