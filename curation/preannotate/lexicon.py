"""Word lists compiled into prefix-tree regexes, and the lower-cased view they run on.

Python's `re` tries alternatives one by one, so a 100-word alternation costs
100 attempts at every position; factoring the words into a trie makes it one
character-class dispatch per position. Matching a lower-cased copy of the text
instead of using IGNORECASE is another 3x. Together they keep the rules faster
than a tokenizer pass.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def fold(text: str) -> str:
    """`text` lower-cased with every character in place, so offsets into it are offsets into `text`.

    str.lower() changes the length of a few characters ("İ" -> "i̇"); those texts
    get ASCII-only lower-casing, which is all the (ASCII) word lists need.
    """
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def trie_regex(phrases: Iterable[str]) -> str:
    """A non-capturing regex matching exactly `phrases`, longest first; a space matches any whitespace."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for word_index, word in enumerate(phrase.split()):
            for ch in (" " if word_index else "") + word:
                node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(trie)


def _emit(node: dict) -> str:
    ends = "" in node
    branches = []
    for ch in sorted(k for k in node if k):
        piece = r"\s+" if ch == " " else re.escape(ch)
        branches.append(piece + _emit(node[ch]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
    if len(branches) == 1 and not ends:
        return body
    return body + ("?" if ends else "")


def words(block: str) -> list[str]:
    """The '|'-separated phrases of a word-list literal, whitespace-normalised."""
    return [" ".join(w.split()) for w in block.split("|") if w.strip()]
