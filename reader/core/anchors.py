"""Anchors: a passage as position plus exact quote and context, and the checks on them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.core.graphemes import is_grapheme_boundary

CONTEXT_LENGTH = 32


class AnchorError(ValueError):
    """A span that cannot be a passage: empty, outside the text, or splitting a grapheme."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


def make_anchor(text: str, start: int, end: int) -> Anchor:
    """The anchor of `text[start:end]`, refusing spans no passage can have."""
    if not 0 <= start <= len(text) or not 0 <= end <= len(text):
        raise AnchorError(f"span {start}-{end} is outside the text (0-{len(text)})")
    if end <= start:
        raise AnchorError(f"span {start}-{end} is empty")
    for edge in (start, end):
        if not is_grapheme_boundary(text, edge):
            raise AnchorError(f"offset {edge} splits a character (grapheme cluster)")
    return Anchor(
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
    )


def quote_still_at(text: str, start: int, end: int, quote: str) -> bool:
    """Whether a stored passage still reads the same in (a new version of) its document."""
    return 0 <= start < end <= len(text) and text[start:end] == quote


def find_quote(text: str, quote: str, occurrence: int = 1) -> int:
    """The start offset of the `occurrence`-th (from 1) exact occurrence of `quote`, or -1."""
    if not quote or occurrence < 1:
        return -1
    position = -1
    for _ in range(occurrence):
        position = text.find(quote, position + 1)
        if position < 0:
            return -1
    return position


def _quote_pattern(quote: str) -> re.Pattern[str] | None:
    words = quote.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words))


def find_quote_span(text: str, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
    """The span of the `occurrence`-th (from 1) match of `quote`, or None.

    Any run of whitespace in the quote matches any run of whitespace in the text, and the
    quote's leading and trailing whitespace is ignored, so a sentence copied from a PDF viewer
    or a hard-wrapped text ("the old\\nmarket") is found in text that reads "the old market",
    and the other way round. Occurrences may overlap, as with `find_quote`.
    """
    pattern = _quote_pattern(quote)
    if pattern is None or occurrence < 1:
        return None
    position = 0
    span: tuple[int, int] | None = None
    for _ in range(occurrence):
        match = pattern.search(text, position)
        if match is None:
            return None
        span = match.span()
        position = span[0] + 1
    return span
