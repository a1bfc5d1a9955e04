"""Markdown articles: optional YAML front matter, `# Title`, prose without markup."""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from curation.ingest.article import make_article
from curation.ingest.normalize import PARAGRAPH_BREAK
from curation.ingest.read import InputError
from curation.models import Article

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_SPACE_RUNS = re.compile(r"[ \t]{2,}")
_md = MarkdownIt("commonmark")


def front_matter(raw: str) -> tuple[dict, str]:
    """(YAML front matter, the Markdown after it); ({}, raw) when there is none."""
    m = _FRONT_MATTER.match(raw)
    if not m:
        return {}, raw
    try:
        meta = yaml.safe_load(m[1])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else None  # +1 for 1-based, +1 for the opening '---'
        raise InputError(f"malformed YAML front matter: {getattr(exc, 'problem', None) or exc}", line) from None
    # Anything but a mapping is not front matter: '---' can also be a rule over a setext heading.
    return (meta, raw[m.end() :]) if isinstance(meta, dict) else ({}, raw)


def inline_text(children: list[Token]) -> str:
    """Visible text of an inline token: link text kept, images and markup dropped."""
    out = []
    for tok in children:
        if tok.type in ("text", "text_special", "code_inline", "html_inline"):
            out.append(tok.content)
        elif tok.type == "softbreak":
            out.append(" ")
        elif tok.type == "hardbreak":
            out.append("\n")
    return _SPACE_RUNS.sub(" ", "".join(out))  # a dropped image leaves two spaces


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
    """An Article from Markdown; front matter (title, author/byline, date/published, url,
    publisher, language, id) wins over the first `# ` heading for the title."""
    meta, markdown = front_matter(raw)
    title, paragraphs = blocks(markdown)
    return make_article(
        PARAGRAPH_BREAK.join(paragraphs),
        source_path=source_path,
        title=meta.get("title") or title,
        byline=meta.get("author") or meta.get("byline"),
        published=meta.get("date") or meta.get("published"),
        url=meta.get("url"),
        publisher=meta.get("publisher"),
        language=meta.get("language") or "en",
        external_id=meta.get("id"),
    )
