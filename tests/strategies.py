"""Hypothesis strategies for the text shapes that break offsets: CRLF, tabs, emoji, CJK,
bidi controls and marks, zero-width and other invisible characters, entities."""

from hypothesis import strategies as st

BIDI = ["\u202e", "\u202d", "\u202c", "\u2066", "\u2069", "\u200f", "\u200e", "\u061c"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\U000e0041", "\U0001f3f4\U000e0067\U000e007f"]
PIECES = [
    "a", "b", "Z", " ", ".", ",", '"', "'", "\n", "\r", "\r\n", "\t", "\n\n", "  ", "\x00", "\x07", "\x85",
    "é", "e\u0301", "😀", "👨‍👩‍👧", "🇰🇷", "北", "朝鮮", "。", "<b>", "</b>", "&amp;", ";", "<", ">", "&lt;script&gt;",
    "said", "Experts", "may", "May", "likely", "highly likely", "could not", "according to", "U.S.", "Mr.", "Oct. 3",
    " told ", "Kim Yong-hyun", ", he said", "is expected to", "3%", "$5bn", "שלום", "می", "\u212a",
    *BIDI, *INVISIBLE,
]

messy_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
