"""Markdown articles: optional YAML front matter, `# Title`, prose without markup."""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt

from curation.ingest.article import make_article
from curation.models import Article

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_md = MarkdownIt("commonmark")


def inline_text(children: list) -> str:
    """Visible text of an inline token: link text kept, images and markup dropped."""
    out = []
    for tok in children:
        if tok.type in ("text", "code_inline", "html_inline"):
            out.append(tok.content)
        elif tok.type == "softbreak":
            out.append(" ")
        elif tok.type == "hardbreak":
            out.append("\n")
    return "".join(out)


def blocks(markdown: str) -> tuple[str | None, list[str]]:
    """(first h1, the other text blocks in order)."""
    title, paragraphs, heading = None, [], None
    for tok in _md.parse(markdown):
        if tok.type == "heading_open":
            heading = tok.tag
        elif tok.type == "inline":
            text = inline_text(tok.children or [])
            if heading == "h1" and title is None:
                title = text
            else:
                paragraphs.append(text)
            heading = None
        elif tok.type in ("fence", "code_block", "html_block"):
            paragraphs.append(tok.content)
    return title, paragraphs


def parse_markdown(raw: str, *, source_path: str) -> Article:
    meta: dict = {}
    if m := _FRONT_MATTER.match(raw):
        loaded = yaml.safe_load(m[1])
        meta = loaded if isinstance(loaded, dict) else {}
        raw = raw[m.end() :]
    title, paragraphs = blocks(raw)
    return make_article(
        "\n\n".join(paragraphs),
        source_path=source_path,
        title=meta.get("title") or title,
        byline=meta.get("author") or meta.get("byline"),
        published=meta.get("date") or meta.get("published"),
        url=meta.get("url"),
        publisher=meta.get("publisher"),
        language=meta.get("language", "en"),
        external_id=meta.get("id"),
    )
