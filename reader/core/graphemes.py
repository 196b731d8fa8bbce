"""Grapheme cluster boundaries near an offset, so a selection edge never splits a character."""

from __future__ import annotations

# The stdlib `re` has no \X: these are `regex` patterns, compiled on first use.
from reader.core.lazy_regex import LazyPattern
from reader.core.text import DocumentText

# How far from the offset we look. Work is proportional to this, never to the document: a 1 MB
# single line costs the same as a short one. Only a single cluster longer than this (a wall of
# combining marks, a run of thousands of flag letters) is segmented approximately.
_WINDOW = 1024

_CLUSTER = LazyPattern(r"\X")

# A position p is certainly a cluster boundary when the character before it is an ordinary one
# (Grapheme_Cluster_Break Other, Control or LF: nothing can attach to it from the right except
# Extend/ZWJ/SpacingMark) and the character at p is not one of those attaching kinds. Hangul
# jamo, regional indicators, Prepend, ZWJ and Extend/Linker (Indic conjuncts, GB9c) are all
# excluded from the left side, so the rules that look further back can never join across p.
# Searching backwards for such a pair gives a place where \X can start and agree with a
# segmentation of the whole text.
_SAFE_LEFT = r"[\p{Grapheme_Cluster_Break=Other}\p{Grapheme_Cluster_Break=Control}\n]"
_ATTACHING = (
    r"\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}"
    r"\p{Grapheme_Cluster_Break=SpacingMark}"
)
_SAFE_PAIR_REVERSED = LazyPattern(rf"(?r){_SAFE_LEFT}(?=[^{_ATTACHING}])")


def _check_offset(text: DocumentText, offset: int) -> None:
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside 0..{len(text)}")


def _anchor_at_or_before(text: DocumentText, offset: int) -> int:
    """A position <= offset where a cluster certainly starts (approximate only past _WINDOW)."""
    if offset <= 0:
        return 0
    low = max(0, offset - _WINDOW)
    match = _SAFE_PAIR_REVERSED.search(text, low, min(len(text), offset + 1))
    if match is not None:
        anchor: int = match.end()
        return anchor
    return low


def _cluster_ends(text: DocumentText, anchor: int, until: int) -> list[int]:
    """Cluster end offsets from `anchor`, up to and including the first end >= `until`."""
    ends: list[int] = []
    # endpos bounds the work; decisions before endpos do not depend on what lies beyond it.
    endpos = min(len(text), until + _WINDOW)
    for match in _CLUSTER.finditer(text, anchor, endpos):
        end: int = match.end()
        ends.append(end)
        if end >= until:
            break
    return ends


def is_grapheme_boundary(text: DocumentText, offset: int) -> bool:
    """Whether `offset` falls between two grapheme clusters (0 and len(text) always do)."""
    _check_offset(text, offset)
    if offset == 0 or offset == len(text):
        return True
    # Two ASCII characters are always two clusters, but CR LF: no ASCII character attaches to
    # another (the cursor moving through an English text never needs the `regex` module).
    pair = text[offset - 1 : offset + 1]
    if pair.isascii():
        return pair != "\r\n"
    anchor = _anchor_at_or_before(text, offset)
    if anchor == offset:
        return True
    return offset in _cluster_ends(text, anchor, offset)


def next_grapheme_boundary(text: DocumentText, offset: int) -> int:
    """The first cluster boundary strictly after `offset` (len(text) at the end)."""
    _check_offset(text, offset)
    if offset >= len(text):
        return len(text)
    # An ASCII character (but CR, which LF joins) ends its cluster unless the next character
    # attaches to it, and no ASCII character does: most of most documents, answered without
    # segmenting (or loading the `regex` module for the cursor of the first screen).
    if text[offset].isascii() and text[offset] != "\r" and text[offset + 1 : offset + 2].isascii():
        return offset + 1
    anchor = _anchor_at_or_before(text, offset)
    for end in _cluster_ends(text, anchor, offset + 1):
        if end > offset:
            return end
    return len(text)


def previous_grapheme_boundary(text: DocumentText, offset: int) -> int:
    """The last cluster boundary strictly before `offset` (0 at the start)."""
    _check_offset(text, offset)
    if offset <= 0:
        return 0
    anchor = _anchor_at_or_before(text, offset - 1)
    best = anchor
    for end in _cluster_ends(text, anchor, offset):
        if end < offset:
            best = end
    return best


def snap_span(text: DocumentText, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) outward so neither edge splits a grapheme cluster."""
    _check_offset(text, start)
    _check_offset(text, end)
    if start > end:
        raise ValueError(f"span start {start} is after its end {end}")
    if not is_grapheme_boundary(text, start):
        start = previous_grapheme_boundary(text, start)
    if not is_grapheme_boundary(text, end):
        end = next_grapheme_boundary(text, end)
    return start, end
