"""Ingest: every kind of bad input gets a Problem naming the file (and line), and the batch goes on."""

from __future__ import annotations

import json
from pathlib import Path

from curation.ingest import ingest
from curation.models import Article, Problem


def run(*paths: Path, **kw) -> tuple[list[Article], list[Problem]]:
    items = list(ingest(paths, **kw))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def only_problem(path: Path, **kw) -> Problem:
    articles, problems = run(path, **kw)
    assert articles == [] and len(problems) == 1, problems
    assert problems[0].path == str(path) and problems[0].severity == "error"
    return problems[0]


def test_non_utf8_names_the_byte_offset_and_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Headline\n\nCaf\xe9 owners said so.\n".encode("latin-1"))
    problem = only_problem(path)
    assert problem.line == 3
    assert "not valid UTF-8: byte 0xe9 at byte offset 13 (line 3, byte 4 of the line)" in problem.message


def test_empty_and_whitespace_only_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text(" \n\t\n\u3000\n")
    (tmp_path / "blank.jsonl").write_text("\n  \n")
    for name in ("empty.txt", "blank.md", "blank.jsonl"):
        assert "file is empty (or only whitespace)" in only_problem(tmp_path / name).message


def test_binary_and_utf16_files(tmp_path):
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "late.txt").write_bytes(b"Headline\n\n" + b"x" * 20_000 + b"\x00 more")
    (tmp_path / "utf16.txt").write_bytes("Headline\n\nBody.".encode("utf-16"))
    (tmp_path / "image.jsonl").write_bytes(b"\x00\x01\x02" * 10)
    assert "binary data, not text: NUL byte at byte offset 8" in only_problem(tmp_path / "image.txt").message
    assert "NUL byte at byte offset 20010" in only_problem(tmp_path / "late.txt").message
    assert "UTF-16" in only_problem(tmp_path / "utf16.txt").message
    assert "binary data" in only_problem(tmp_path / "image.jsonl").message


def test_a_20_mb_file_is_refused_by_its_size_before_it_is_read(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        handle.truncate(20_000_000)  # sparse NULs: reading it would say "binary", not "too big"
    problem = only_problem(path)
    assert problem.message == (
        "file is 20.0 MB (20,000,000 bytes), over the 10.0 MB (10,000,000 bytes) limit (max_bytes)"
    )
    assert "2,000 bytes" in only_problem(path, max_bytes=2_000).message


def test_malformed_jsonl_lines_are_named_and_the_rest_go_through(tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_bytes(
        b'{"text": "First fine article about the budget."}\n'
        b"{not json\n"
        b"[1, 2]\n"
        b'{"title": "no text"}\n'
        b'{"text": 5}\n'
        b'{"text": "ok", "title": ["a"]}\n'
        b'{"text": "ok", "id": true}\n'
        b'{"text": "   "}\n'
        b'{"text": "caf\xe9"}\n'
        b"\n"
        b'{"text": "Eleventh line is fine too, officials said."}\n'
    )
    articles, problems = run(path)
    assert [a.source_line for a in articles] == [1, 11]
    by_line = {p.line: p.message for p in problems}
    assert all(p.path == str(path) and p.severity == "error" for p in problems)
    assert by_line[2].startswith("malformed JSON: Expecting property name")
    assert by_line[3] == "expected a JSON object, got list"
    assert by_line[4] == "missing required field 'text' (or 'body')"
    assert by_line[5] == "field 'text' must be a string, got int"
    assert by_line[6] == "field 'title' must be a string, got list"
    assert by_line[7] == "field 'id' must be a string or an integer, got bool"
    assert "no article text" in by_line[8]
    assert "not valid UTF-8: byte 0xe9" in by_line[9] and "line 9" in by_line[9]
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 9]


def test_an_oversized_jsonl_line_is_skipped_without_losing_the_next(tmp_path):
    path = tmp_path / "big.jsonl"
    big = json.dumps({"text": "word " * 3_000})
    path.write_text(json.dumps({"text": "Small one."}) + "\n" + big + "\n" + json.dumps({"text": "Small two."}) + "\n")
    articles, (problem,) = run(path, max_bytes=1_000)
    assert [a.text for a in articles] == ["Small one.", "Small two."]
    assert problem.line == 2 and f"line is 0.0 MB ({len(big) + 1:,} bytes), over the" in problem.message


def test_control_characters_removed_emoji_and_cjk_kept_script_stripped(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text(
        "Headline\n\nBody\x07 with a bell 🎉 and 北朝鮮の兵士 text\x1b.\n\n"
        "<script>alert('x')</script>Officials said 3 < 4 and <b>bold</b> words &amp; more.\n"
    )
    (article,), (warning,) = run(path)
    assert warning.severity == "warning" and warning.path == str(path)
    assert warning.message == "removed 1 script/style element(s); decoded 1 HTML entity; removed 2 control character(s)"
    assert article.text == "Body with a bell 🎉 and 北朝鮮の兵士 text.\n\nOfficials said 3 < 4 and bold words & more."
    assert "removed 2 control character(s)" in article.warnings
    assert "removed 1 script/style element(s)" in article.warnings
    assert "stripped 2 HTML tag(s)" in article.warnings


def test_html_in_jsonl_text_is_stripped_but_plain_angle_brackets_and_ampersands_are_not(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text(
        json.dumps({"text": "<p>Rates &lt; 5%</p><style>p{color:red}</style><p>rose</p>"}) + "\n"
        + json.dumps({"text": "If a < b and b > c, then AT&T and R&D&copy stay."}) + "\n"
    )
    (html_text, plain), _ = run(path)
    assert html_text.text == "Rates < 5%rose"
    assert any("script/style" in w for w in html_text.warnings)
    assert plain.text == "If a < b and b > c, then AT&T and R&D&copy stay." and plain.warnings == ()


def test_one_bad_file_does_not_stop_the_batch(tmp_path):
    (tmp_path / "a.txt").write_text("Headline\n\nFirst good body.\n")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe\xfa")
    (tmp_path / "c.md").write_text("---\ntitle: [\n---\nBody\n")
    (tmp_path / "d.txt").write_text("Headline\n\nLast good body.\n")
    articles, problems = run(tmp_path)
    assert [Path(a.source_path).name for a in articles] == ["a.txt", "d.txt"]
    assert [Path(p.path).name for p in problems] == ["b.txt", "c.md"]
