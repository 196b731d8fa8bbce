"""Cursor motions over a document's canonical text: characters, words, document edges.

Every function takes the text and a code-point offset and returns an offset in `0..len(text)`
that is a grapheme cluster boundary, so the cursor never sits inside an emoji sequence or
between a letter and its combining marks. Work is proportional to the distance moved, never to
the document.

Words follow vi's `w` and `b`: a word is a run of word characters (letters, marks, digits,
connectors, in any script) or a run of other non-blank characters (punctuation, symbols);
whitespace, including line breaks, separates words and is skipped.
"""

from __future__ import annotations

from reader.core.graphemes import (
    is_grapheme_boundary,
    next_grapheme_boundary,
    previous_grapheme_boundary,
)
from reader.core.lazy_regex import LazyPattern
from reader.core.text import DocumentText

_WORD = LazyPattern(r"\w+|[^\w\s]+")
_WORD_REVERSED = LazyPattern(r"(?r)\w+|[^\w\s]+")
# How far back `previous_word_start` looks before widening to the whole text.
_LOOKBACK = 65536


def _clamp(text: DocumentText, offset: int) -> int:
    return min(max(offset, 0), len(text))


def snap_to_boundary(text: DocumentText, offset: int) -> int:
    """`offset` clamped to the text, moved back to the start of the cluster it falls inside."""
    offset = _clamp(text, offset)
    if is_grapheme_boundary(text, offset):
        return offset
    return previous_grapheme_boundary(text, offset)


def next_character(text: DocumentText, offset: int) -> int:
    """One grapheme cluster to the right (a line break counts as one)."""
    return next_grapheme_boundary(text, _clamp(text, offset))


def previous_character(text: DocumentText, offset: int) -> int:
    """One grapheme cluster to the left."""
    return previous_grapheme_boundary(text, _clamp(text, offset))


def next_word_start(text: DocumentText, offset: int) -> int:
    """Start of the next word after the one at `offset` (len(text) when there is none)."""
    offset = _clamp(text, offset)
    current = _WORD.match(text, offset)
    position = current.end() if current is not None else offset
    following = _WORD.search(text, position)
    if following is None:
        return len(text)
    start: int = following.start()
    if not is_grapheme_boundary(text, start):
        # A word starting inside a cluster (after a joiner): move on to the cluster's end.
        start = next_grapheme_boundary(text, start)
    return start


def previous_word_start(text: DocumentText, offset: int) -> int:
    """Start of the word containing `offset - 1`, or of the previous word (0 when none)."""
    offset = _clamp(text, offset)
    low = max(0, offset - _LOOKBACK)
    while True:
        found = _WORD_REVERSED.search(text, low, offset)
        if found is not None and (found.start() > low or low == 0):
            return snap_to_boundary(text, found.start())
        if low == 0:
            return 0
        # The word may reach back past the window (or none is inside it): widen.
        low = max(0, low - _LOOKBACK * 16)


def word_end(text: DocumentText, offset: int) -> int:
    """End (exclusive) of the word at `offset`, or of the next word if `offset` is on a blank."""
    offset = _clamp(text, offset)
    found = _WORD.search(text, offset)
    if found is None:
        return len(text)
    end: int = found.end()
    if not is_grapheme_boundary(text, end):
        end = next_grapheme_boundary(text, end)
    return end


def word_span(text: DocumentText, offset: int) -> tuple[int, int]:
    """The word under `offset` as [start, end); an empty span at `offset` on a blank."""
    offset = _clamp(text, offset)
    current = _WORD.match(text, offset)
    if current is None:
        return offset, offset
    start = offset
    if offset > 0:
        before = _WORD_REVERSED.match(text, max(0, offset - _LOOKBACK), offset)
        # Only extend left when the characters before belong to the same kind of word.
        if before is not None and _WORD.match(text, before.start()).end() >= current.end():
            start = before.start()
    return snap_to_boundary(text, start), word_end(text, offset)
