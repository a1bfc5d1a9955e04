"""Markdown articles: optional YAML front matter, `# Title`, prose without markup.

CommonMark semantics: entities and backslash escapes are characters of the text
("&lt;script&gt;" is the text "<script>"), raw HTML is markup and is removed."""

from __future__ import annotations

import re
from collections import Counter

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from curation.ingest.article import make_article
from curation.ingest.normalize import PARAGRAPH_BREAK, NormalizedText, markup_notes, normalize_text, strip_markup
from curation.ingest.read import InputError
from curation.models import Article

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_OPENING_RULE = re.compile(r"\A---[ \t]*\r?\n")
_SPACE_RUNS = re.compile(r"[ \t]{2,}")
_HIDDEN_OPEN = re.compile(r"<(script|style|noscript|template)\b", re.IGNORECASE)
_md = MarkdownIt("commonmark").disable("text_join")  # keep entity tokens apart, to count them

# Front matter is a handful of scalars: a few aliases are plenty, and the bounds stop a
# "billion laughs" document (8 levels of 9 aliases) and a stack-deep nesting before they cost anything.
MAX_YAML_ALIASES = 16
MAX_YAML_DEPTH = 20


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with at most MAX_YAML_ALIASES aliases and MAX_YAML_DEPTH levels."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise InputError(f"YAML front matter uses more than {MAX_YAML_ALIASES} aliases (*name); refused", event.start_mark.line + 2)
        self.depth += 1
        if self.depth > MAX_YAML_DEPTH:
            raise InputError(f"YAML front matter is nested more than {MAX_YAML_DEPTH} levels deep; refused", event.start_mark.line + 2)
        try:
            return super().compose_node(parent, index)  # type: ignore[no-untyped-call]
        finally:
            self.depth -= 1


def front_matter(raw: str) -> tuple[dict, str, list[str]]:
    """(YAML front matter, the Markdown after it, warnings); ({}, raw, ...) when there is none."""
    m = _FRONT_MATTER.match(raw)
    if not m:
        unclosed = ["starts with '---' but no closing '---' line: read it all as Markdown, no front matter"]
        return {}, raw, unclosed if _OPENING_RULE.match(raw) and ":" in raw.partition("\n\n")[0] else []
    loader = BoundedLoader(m[1])
    try:
        meta = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else None  # +1 for 1-based, +1 for the opening '---'
        raise InputError(f"malformed YAML front matter: {getattr(exc, 'problem', None) or exc}", line) from None
    finally:
        loader.dispose()
    if isinstance(meta, dict):
        return meta, raw[m.end() :], []
    # Anything but a mapping is not front matter: '---' can also be a rule over a setext heading.
    return {}, raw, [f"the block between the '---' lines is YAML {type(meta).__name__}, not key: value pairs: read it as Markdown, no front matter"]


def inline_text(children: list[Token], removed: Counter[str]) -> str:
    """Visible text of an inline token: link text kept, images and inline HTML dropped
    (a <script> or <style> element with its content)."""
    out, hidden = [], None
    for tok in children:
        if tok.type == "html_inline":
            if hidden is None and (m := _HIDDEN_OPEN.match(tok.content)):
                hidden = m[1].lower()
            elif hidden and tok.content.lower().startswith("</" + hidden):
                hidden = None
                removed["hidden"] += 1
            elif hidden is None:
                removed["tags"] += 1
        elif hidden:
            continue
        elif tok.type in ("text", "text_special", "code_inline"):
            removed["entities"] += tok.info == "entity"
            out.append(tok.content)
        elif tok.type == "softbreak":
            out.append(" ")
        elif tok.type == "hardbreak":
            out.append("\n")
    return _SPACE_RUNS.sub(" ", "".join(out))  # a dropped image leaves two spaces


def blocks(markdown: str, removed: Counter[str]) -> tuple[str | None, list[str]]:
    """(first h1, the other text blocks in order)."""
    title, paragraphs, heading = None, [], None
    for tok in _md.parse(markdown):
        if tok.type == "heading_open":
            heading = tok.tag
        elif tok.type == "inline":
            text = inline_text(tok.children or [], removed)
            if heading == "h1" and title is None:
                title = text
            else:
                paragraphs.append(text)
            heading = None
        elif tok.type == "html_block":
            paragraphs.append(strip_markup(tok.content, removed))
        elif tok.type in ("fence", "code_block"):
            paragraphs.append(tok.content)
    return title, paragraphs


def parse_markdown(raw: str, *, source_path: str) -> Article:
    """An Article from Markdown; front matter (title, author/byline, date/published, url,
    publisher, language, id) wins over the first `# ` heading for the title."""
    meta, markdown, warnings = front_matter(raw)
    removed = Counter[str]()
    title, paragraphs = blocks(markdown, removed)
    text, notes = normalize_text(PARAGRAPH_BREAK.join(paragraphs), markup=False)
    return make_article(
        NormalizedText(text, (*warnings, *markup_notes(removed), *notes)),
        source_path=source_path,
        title=meta.get("title") or title,
        byline=meta.get("author") or meta.get("byline"),
        published=meta.get("date") or meta.get("published"),
        url=meta.get("url"),
        publisher=meta.get("publisher"),
        language=meta.get("language") or "en",
        external_id=meta.get("id"),
        metadata_is_text=True,
    )
