"""Hypothesis strategies for the text shapes that break offsets: CRLF, tabs, emoji, CJK."""

from hypothesis import strategies as st

PIECES = [
    "a", "b", "Z", " ", ".", ",", '"', "'", "\n", "\r", "\r\n", "\t", "\n\n", "  ", "\x00", "\x07", "\x85",
    "é", "e\u0301", "😀", "👨‍👩‍👧", "🇰🇷", "北", "朝鮮", "。", "<b>", "</b>", "&amp;", ";", "<", ">",
    "said", "Experts", "may", "May", "likely", "highly likely", "could not", "according to", "U.S.", "Mr.", "Oct. 3",
    " told ", "Kim Yong-hyun", ", he said", "is expected to", "3%", "$5bn",
]

messy_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
