"""Word lists compiled into prefix-tree regexes.

Python's `re` tries alternatives one by one, so a 100-word alternation costs
100 attempts at every position; factoring the words into a trie makes it one
character-class dispatch per position. This is what keeps the rules faster than
a tokenizer pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


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
