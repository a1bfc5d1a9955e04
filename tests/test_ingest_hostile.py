"""Ingest under hostile or odd input: every resource is bounded, every bad item is one
Problem naming the file (and line), the rest of the batch goes through, and whatever the
input hid or got wrong is said in a warning rather than swallowed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from curation.ingest import ingest
from curation.ingest.article import MAX_FIELD_CHARS
from curation.ingest.jsonl import MAX_JSON_DEPTH
from curation.ingest.markdown import MAX_YAML_ALIASES
from curation.models import Article, Problem

ROOT = Path(__file__).resolve().parents[1]


def run(*paths: Path) -> tuple[list[Article], list[Problem], list[Problem]]:
    """(articles, errors, warnings)."""
    items = list(ingest(paths))
    problems = [i for i in items if isinstance(i, Problem)]
    return (
        [i for i in items if isinstance(i, Article)],
        [p for p in problems if p.severity == "error"],
        [p for p in problems if p.severity == "warning"],
    )


def ingest_in_child(paths: list[Path], *, prefix: list[str] = (), memory_mb: int | None = None) -> list[dict]:
    """Ingest in a separate process (optionally under an address-space limit or another
    privilege set); its items as dicts. A crash or a blown limit fails the test there."""
    script = (
        "import json, resource, sys\n"
        f"if {memory_mb!r}: resource.setrlimit(resource.RLIMIT_AS, ({memory_mb!r} << 20, {memory_mb!r} << 20))\n"
        "from curation.ingest import ingest\n"
        "for item in ingest(sys.argv[1:]):\n"
        "    print(json.dumps({'kind': type(item).__name__, **item.model_dump(mode='json', include={'path', 'line', 'message', 'severity', 'source_path', 'source_line', 'title', 'text'})}))\n"
    )
    done = subprocess.run(
        [*prefix, sys.executable, "-c", script, *map(str, paths)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


# --- 1. YAML front matter: aliases, nesting, non-scalar values ---------------------------------------


def billion_laughs(levels: int) -> str:
    """The classic: each level a list of nine aliases of the one before, so `levels` levels
    stand for 9**levels strings from a few hundred bytes."""
    names = "abcdefghij"[:levels]
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]" for prev, name in zip(names, names[1:])]
    return "\n".join([*lines, f"title: *{names[-1]}", "---", "", "The body of the article.", ""])


def test_billion_laughs_front_matter_is_refused_within_a_small_memory_bound(tmp_path):
    """Before: 31 s, 4.2 GB RSS, a 312-million-character title, no error. Now one error naming the
    file and line, in a child limited to 1.5 GB of address space (the old code dies there)."""
    laughs = tmp_path / "laughs.md"
    laughs.write_text(billion_laughs(8))
    assert laughs.stat().st_size < 400  # the was 353 bytes
    good = tmp_path / "next.md"
    good.write_text("# Next article\n\nIt is still ingested.\n")
    items = ingest_in_child([laughs, good], memory_mb=1536)
    assert [i["kind"] for i in items] == ["Problem", "Article"]
    assert items[0]["path"] == str(laughs) and items[0]["severity"] == "error"
    assert items[0]["line"] == 4  # the 17th alias, on the third level: the file's line, counting the "---"
    assert f"more than {MAX_YAML_ALIASES} aliases" in items[0]["message"]
    assert items[1]["title"] == "Next article"


def test_a_few_yaml_aliases_are_still_fine(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\nauthor: &who Jane Doe\nbyline: *who\ntitle: Aliases are allowed\n---\n\nBody.\n")
    (article,), errors, _ = run(path)
    assert errors == [] and (article.title, article.byline) == ("Aliases are allowed", "Jane Doe")


def test_deeply_nested_yaml_is_refused_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.md"
    path.write_text("---\ntitle: ok\nextra: " + "[" * 5_000 + "]" * 5_000 + "\n---\n\nBody.\n")
    _, (error,), _ = run(path)
    assert error.path == str(path) and error.line == 3 and "nested more than" in error.message


def test_front_matter_metadata_must_be_one_value(tmp_path):
    path = tmp_path / "list.md"
    path.write_text("---\ntitle: [a, b]\n---\n\nBody.\n")
    _, (error,), _ = run(path)
    assert error.message == "field 'title' must be a string, a number or a date, got list"


# --- 2. JSON nesting depth and metadata length -------------------------------------------------------


def nested(depth: int) -> str:
    """A JSON object whose deepest value sits `depth` levels down (the object itself is level 1)."""
    return json.dumps({"text": f"Nested {depth} deep.", "extra": json.loads("[" * (depth - 1) + "]" * (depth - 1))})


def test_deeply_nested_json_is_one_error_and_the_rest_go_through(tmp_path):
    """Before: RecursionError, a traceback, nothing from the file."""
    path = tmp_path / "deep.jsonl"
    path.write_text(
        json.dumps({"text": "First fine article."}) + "\n"
        + '{"text": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
        + nested(MAX_JSON_DEPTH) + "\n"
        + nested(MAX_JSON_DEPTH + 1) + "\n"
        + json.dumps({"text": "Brackets in strings do not count: " + "[{" * 500}) + "\n"
    )
    articles, errors, _ = run(path)
    assert [a.source_line for a in articles] == [1, 3, 5]
    assert [(e.path, e.line) for e in errors] == [(str(path), 2), (str(path), 4)]
    assert all(e.message.startswith(f"JSON nested more than {MAX_JSON_DEPTH} levels deep") for e in errors)


def test_over_long_metadata_is_an_error_naming_field_file_and_line(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(
        json.dumps({"text": "Title at the limit.", "title": "T" * MAX_FIELD_CHARS}) + "\n"
        + json.dumps({"text": "Title over the limit.", "title": "T" * (MAX_FIELD_CHARS + 1)}) + "\n"
        + json.dumps({"text": "Byline far over.", "author": "A" * 1_000_000}) + "\n"
    )
    articles, errors, _ = run(path)
    assert [a.source_line for a in articles] == [1] and len(articles[0].title) == MAX_FIELD_CHARS
    assert [(e.line, e.message) for e in errors] == [
        (2, f"field 'title' is {MAX_FIELD_CHARS + 1:,} characters, over the {MAX_FIELD_CHARS:,} limit"),
        (3, f"field 'byline' is 1,000,000 characters, over the {MAX_FIELD_CHARS:,} limit"),
    ]


def test_over_long_markdown_heading_title_is_an_error(tmp_path):
    path = tmp_path / "long.md"
    path.write_text("# " + "word " * 1_000 + "\n\nBody.\n")
    _, (error,), _ = run(path)
    assert error.path == str(path) and error.message.startswith("field 'title' is 4,999 characters")


# --- 3. a bad file, link or folder is a problem for that item only ------------------------------------


def write_article(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Headline\n\n{body}\n")


def test_symlink_loop_dangling_link_and_fifo_are_one_line_each(tmp_path):
    """Before: the looping link aborted the whole walk with a traceback; the dangling link was
    skipped in silence."""
    write_article(tmp_path / "a.txt", "First good body.")
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    (tmp_path / "dangling.md").symlink_to("gone.md")
    os.mkfifo(tmp_path / "pipe.txt")
    write_article(tmp_path / "z" / "last.txt", "Last good body.")
    articles, errors, _ = run(tmp_path)
    assert [Path(a.source_path).name for a in articles] == ["a.txt", "last.txt"]
    assert [(Path(e.path).name, e.message) for e in errors] == [
        ("dangling.md", "broken symbolic link (-> gone.md: no such file or directory); skipped"),
        ("loop.txt", "symbolic link loop (-> loop.txt); skipped"),
        ("pipe.txt", "not a regular file (a FIFO, socket or device); skipped"),
    ]


def test_bad_paths_named_explicitly(tmp_path):
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    write_article(tmp_path / "ok.txt", "Good body.")
    paths = [tmp_path / "loop.txt", tmp_path / "pipe.txt", tmp_path / "missing.txt", tmp_path / "ok.txt"]
    articles, errors, _ = run(*paths)
    assert [a.source_path for a in articles] == [str(tmp_path / "ok.txt")]
    assert [(Path(e.path).name, e.message.split(" (")[0].split(";")[0]) for e in errors] == [
        ("loop.txt", "symbolic link loop"),
        ("pipe.txt", "not a regular file"),
        ("missing.txt", "no such file or directory"),
    ]


def without_file_permission_override() -> list[str]:
    """A command prefix that makes permission bits bind. Root reads a chmod-000 folder anyway
    (CAP_DAC_OVERRIDE), so as root the child runs with every capability dropped: uid 0
    still, which keeps the root-owned interpreter reachable, but subject to the mode bits."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux): cannot drop CAP_DAC_OVERRIDE to test an unreadable folder")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]


def test_an_unreadable_sub_folder_is_one_error_and_the_rest_ingest(tmp_path):
    """Before: PermissionError, a traceback, nothing ingested."""
    write_article(tmp_path / "a" / "first.txt", "First good body.")
    write_article(tmp_path / "locked" / "secret.txt", "Never read.")
    (tmp_path / "locked" / "unreadable.txt").write_text("Headline\n\nNot readable either.\n")
    write_article(tmp_path / "open" / "last.txt", "Last good body.")
    (tmp_path / "open" / "unreadable.txt").write_text("Headline\n\nNot readable.\n")
    (tmp_path / "open" / "unreadable.txt").chmod(0)
    (tmp_path / "locked").chmod(0)
    try:
        items = ingest_in_child([tmp_path], prefix=without_file_permission_override())
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [(i["kind"], Path(i.get("source_path") or i["path"]).name, i.get("message")) for i in items] == [
        ("Article", "first.txt", None),
        ("Problem", "locked", "cannot read folder: permission denied; skipped"),
        ("Article", "last.txt", None),
        ("Problem", "unreadable.txt", "cannot open: permission denied"),
    ]


# --- 4. NUL bytes: per JSONL line ----------------------------------------------------------------------


def test_a_nul_byte_condemns_its_jsonl_line_only(tmp_path):
    """Before: a NUL in the first 8 KB rejected the whole file, its valid lines lost."""
    path = tmp_path / "nul.jsonl"
    first, bad = json.dumps({"text": "First fine article."}).encode() + b"\n", b'{"text": "a NUL \x00 inside"}\n'
    path.write_bytes(first + bad + json.dumps({"text": "Third fine article."}).encode() + b"\n")
    articles, errors, _ = run(path)
    assert [a.source_line for a in articles] == [1, 3]
    offset = len(first) + bad.index(b"\x00")
    assert [(e.line, e.message) for e in errors] == [(2, f"binary data, not text: NUL byte at byte offset {offset}")]


def test_a_binary_file_named_jsonl_is_still_one_error(tmp_path):
    path = tmp_path / "image.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\n\x01\n" * 1_000)
    _, errors, _ = run(path)
    assert [(e.line, e.message) for e in errors] == [(None, "binary data, not text: NUL byte at byte offset 8")]


# --- 5. warnings instead of silence ------------------------------------------------------------------


def test_broken_front_matter_read_as_body_is_said(tmp_path):
    """Before: both merged silently into the text."""
    (tmp_path / "unclosed.md").write_text("---\ntitle: Never closed\nauthor: Jane\n\nBody text.\n")
    (tmp_path / "scalar.md").write_text("---\njust a sentence\n---\n\nBody text.\n")
    (tmp_path / "rule.md").write_text("---\n\nA horizontal rule first, then prose.\n")
    articles, errors, warnings = run(tmp_path)
    assert errors == [] and len(articles) == 3
    assert [(Path(w.path).name, w.message) for w in warnings] == [
        ("scalar.md", "the block between the '---' lines is YAML str, not key: value pairs: read it as Markdown, no front matter"),
        ("unclosed.md", "starts with '---' but no closing '---' line: read it all as Markdown, no front matter"),
    ]
    assert articles[2].text.startswith("title: Never closed")  # kept, visibly, not lost


def test_an_unparseable_published_is_a_warning_naming_file_and_line(tmp_path):
    path = tmp_path / "dates.jsonl"
    path.write_text(json.dumps({"text": "Fine."}) + "\n" + json.dumps({"text": "Dated.", "published": "31/31/2024"}) + "\n")
    (first, second), errors, (warning,) = run(path)
    assert errors == [] and second.published is None
    assert str(warning) == f"{path}:2: warning: ignored date '31/31/2024': not a full date"


ENCODED = "Attackers type &lt;script&gt;alert(1)&lt;/script&gt; into forms, the report said."
SHOWN = "Attackers type <script>alert(1)</script> into forms, the report said."
KEPT = "kept markup-like text '<script>' as text, not markup (escape it wherever the text is rendered as HTML)"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.txt", f"Headline\n\n{ENCODED}\n"),
        ("a.md", f"# Headline\n\n{ENCODED}\n"),
        ("a.jsonl", json.dumps({"text": ENCODED}) + "\n"),
        ("a.html", f"<html><body><article><h1>Headline</h1><p>{ENCODED} {'More words here. ' * 8}</p>"
                   f"<p>{'A second paragraph of prose. ' * 6}</p></article></body></html>"),
    ],
)
def test_entity_encoded_markup_is_shown_as_text_with_a_warning(tmp_path, name, content):
    """Entities stand for the characters a reader sees, in every format (CommonMark, HTML, and
    ftfy's reading of plain text): the text says "<script>", kept as text, never stripped as
    markup (before: lost from .html and .md) nor silently left for a renderer to run."""
    path = tmp_path / name
    path.write_text(content)
    (article,), errors, (warning,) = run(path)
    assert errors == [] and SHOWN in article.text
    assert KEPT in warning.message
    if name != "a.html":  # trafilatura decodes an HTML page's entities itself
        assert "decoded 4 HTML entities" in warning.message


def test_real_markup_in_markdown_is_removed_with_its_script(tmp_path):
    path = tmp_path / "m.md"
    path.write_text("# T\n\nSome <b>bold</b> and <script>steal()</script> text, `<code>` kept.\n")
    (article,), _, (warning,) = run(path)
    assert article.text == "Some bold and text, <code> kept."  # raw HTML is markup; a code span is text
    assert warning.message == (
        "removed 1 script/style element(s); "  # stripped tags are routine: not in it
        "kept markup-like text '<code>' as text, not markup (escape it wherever the text is rendered as HTML)"
    )


def test_bidi_overrides_and_zero_width_characters(tmp_path):
    """Removed when they reorder or hide text, kept where writing needs them; a warning either way."""
    path = tmp_path / "bidi.jsonl"
    path.write_text(
        json.dumps({"text": "Access \u202eevil\u202c granted, cl\u200daim split, zero\u200bwidth, soft\u00adhyphen."}) + "\n"
        + json.dumps({"text": "Family 👨\u200d👩\u200d👧 emoji and Persian می\u200cخواهم stay."}) + "\n"
        + json.dumps({"text": "Hebrew mark \u200fשלום kept."}) + "\n"
    )
    (hidden, emoji, marked), errors, warnings = run(path)
    assert errors == []
    assert hidden.text == "Access evil granted, claim split, zerowidth, softhyphen."
    assert emoji.text == "Family 👨\u200d👩\u200d👧 emoji and Persian می\u200cخواهم stay."
    assert marked.text == "Hebrew mark \u200fשלום kept."
    assert [(w.line, w.message) for w in warnings] == [
        (1, "removed 5 invisible formatting character(s) (U+202E, U+202C, U+200B, U+00AD, U+200D): "
            "bidi controls, zero-width or tag characters"),
        (3, "kept 1 bidi mark(s) (U+200F): zero-width, needed by right-to-left text"),
    ]


def test_a_title_spelled_with_entities_keeps_its_markup_like_text(tmp_path):
    """The parser already decoded it: a second markup pass would strip the "<b>" it spells."""
    (tmp_path / "a.md").write_text("# Why &lt;b&gt; matters\n\nBody one.\n")
    (tmp_path / "b.txt").write_text("Why &lt;b&gt; matters\n\nBody two.\n")
    articles, errors, _ = run(tmp_path)
    assert errors == [] and [a.title for a in articles] == ["Why <b> matters", "Why <b> matters"]
