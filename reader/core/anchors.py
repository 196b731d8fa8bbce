"""Anchors: a passage as position plus exact quote and context, and the checks on them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from reader.core.graphemes import is_grapheme_boundary
from reader.core.lazy_regex import LazyPattern
from reader.core.text import DocumentText

CONTEXT_LENGTH = 32
# A quote found more often than this (a one-word passage in a long text) is looked for no
# further: the context decides among these, and past them a guess would be no better.
_MAX_OCCURRENCES = 1000
# Context characters that must match around an occurrence for it to be taken as the passage:
# a space and a full stop agree around any two places.
_MIN_CONTEXT = 8
# A quote at least this long found once is the passage wherever its surroundings went (whole
# paragraphs reordered); a shorter one ("No.", a name) found once in other surroundings is
# another place that says the same, and must agree with the passage's context like any other.
_DISTINCT_QUOTE = CONTEXT_LENGTH


class AnchorError(ValueError):
    """A span that cannot be a passage: empty, outside the text, or splitting a grapheme."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


def make_anchor(text: DocumentText, start: int, end: int) -> Anchor:
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


def quote_still_at(text: DocumentText, start: int, end: int, quote: str) -> bool:
    """Whether a stored passage still reads the same in (a new version of) its document."""
    return 0 <= start < end <= len(text) and text[start:end] == quote


def find_quote(text: DocumentText, quote: str, occurrence: int = 1) -> int:
    """The start offset of the `occurrence`-th (from 1) exact occurrence of `quote`, or -1."""
    if not quote or occurrence < 1:
        return -1
    position = -1
    for _ in range(occurrence):
        position = text.find(quote, position + 1)
        if position < 0:
            return -1
    return position


def _common_suffix(first: str, second: str) -> int:
    count = 0
    for a, b in zip(reversed(first), reversed(second), strict=False):
        if a != b:
            break
        count += 1
    return count


def _common_prefix(first: str, second: str) -> int:
    count = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        count += 1
    return count


def relocate(
    text: DocumentText, start: int, end: int, quote: str, prefix: str = "", suffix: str = ""
) -> tuple[int, int] | None:
    """Where a passage's quote is in a new version of its text, or None when that is unclear.

    The quote must occur exactly, or failing that with its whitespace changed (a
    re-extraction that wraps lines differently: "the old\nmarket" is "the old market"); the
    span returned is then the new text's, which may be longer or shorter than the quote.
    Where it occurs once, that is the place if the quote is long enough to be that passage or
    its surroundings still match the stored `prefix` and `suffix` in more than a few
    characters; where it occurs more often, the occurrence whose surroundings match best, if
    they match in more than a few characters and better than around every other. A quote no
    longer there, or only at places that look alike, is left for the user to place: a passage
    drawn over the wrong words misleads more than one marked as needing attention.
    """
    if quote_still_at(text, start, end, quote):
        return start, end
    if not quote:
        return None
    occurrences = _exact_occurrences(text, quote)
    loose = not occurrences
    if loose:
        occurrences = _loose_occurrences(text, quote)
    if not occurrences:
        return None

    # Around a loose match the context is compared as words; the common part is never longer
    # than the stored context, however much of the text is read.
    squash = _squash if loose else str
    wanted_before, wanted_after = squash(prefix), squash(suffix)

    def context_match(found: tuple[int, int]) -> int:
        before = text[max(0, found[0] - len(prefix) - _SLACK) : found[0]]
        after = text[found[1] : found[1] + len(suffix) + _SLACK]
        return _common_suffix(squash(before), wanted_before) + _common_prefix(
            squash(after), wanted_after
        )

    # (A passage stored with less context than that, at the very start of a short text, can
    # only be asked to agree with what it has.)
    enough = min(_MIN_CONTEXT, len(prefix) + len(suffix))
    if len(occurrences) == 1:
        found = occurrences[0]
        if len(quote) >= _DISTINCT_QUOTE or context_match(found) >= enough:
            return found
        return None
    scored = sorted(((context_match(found), found) for found in occurrences), reverse=True)
    (best, found), (runner_up, _) = scored[0], scored[1]
    if best < _MIN_CONTEXT or best == runner_up:
        return None
    return found


# Context read beyond the stored length when whitespace may have changed around a passage.
_SLACK = 8
_WHITESPACE_RUN = re.compile(r"\s+")


def _squash(text: str) -> str:
    """Every run of whitespace as one space: context compared as words, not as line breaks."""
    return _WHITESPACE_RUN.sub(" ", text)


def _exact_occurrences(text: DocumentText, quote: str) -> list[tuple[int, int]]:
    occurrences: list[tuple[int, int]] = []
    position = text.find(quote)
    while position >= 0 and len(occurrences) < _MAX_OCCURRENCES:
        if is_grapheme_boundary(text, position) and is_grapheme_boundary(
            text, position + len(quote)
        ):
            occurrences.append((position, position + len(quote)))
        position = text.find(quote, position + 1)
    return occurrences


def _loose_occurrences(text: DocumentText, quote: str) -> list[tuple[int, int]]:
    """The quote's matches with any run of whitespace for any run of whitespace (as
    `find_quote_span`); its own leading and trailing whitespace kept out of the span."""
    pattern = _quote_pattern(quote)
    if pattern is None:
        return []
    occurrences: list[tuple[int, int]] = []
    for match in pattern.finditer(text):
        if is_grapheme_boundary(text, match.start()) and is_grapheme_boundary(text, match.end()):
            occurrences.append(match.span())
        if len(occurrences) == _MAX_OCCURRENCES:
            break
    return occurrences


def follow_offset(old_text: DocumentText, new_text: DocumentText, offset: int) -> int:
    """Where `offset` of `old_text` is in `new_text`: before the same words if they can be
    found (see `relocate`), else the same offset, kept inside the new text."""
    words = old_text[offset : offset + CONTEXT_LENGTH]
    before = old_text[max(0, offset - CONTEXT_LENGTH) : offset]
    found = relocate(new_text, offset, offset + len(words), words, before, "") if words else None
    if found is not None:
        return found[0]
    offset = min(offset, len(new_text))
    while offset > 0 and not is_grapheme_boundary(new_text, offset):
        offset -= 1
    return offset


def _quote_pattern(quote: str) -> LazyPattern | None:
    words = quote.split()
    if not words:
        return None
    # (A LazyPattern also reads a huge document's SpooledText.)
    return LazyPattern(r"\s+".join(re.escape(word) for word in words), stdlib=True)


def find_quote_span(text: DocumentText, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
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


@dataclass(frozen=True)
class FuzzyPlacement:
    """Where a quote was found approximately, and how alike: `score` 1.0 is the same text."""

    start: int
    end: int
    score: float


# Below this likeness a "match" is some other passage that shares words with the quote.
FUZZY_THRESHOLD = 0.75
_SEED_PIECES = 5
_MAX_SEED_HITS = 200
_MAX_CANDIDATES = 40


def _likeness(first: str, second: str) -> float:
    if not first and not second:
        return 1.0
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()


def fuzzy_quote_span(
    text: DocumentText, quote: str, prefix: str = "", suffix: str = "", hint: int | None = None,
    threshold: float = FUZZY_THRESHOLD,
) -> FuzzyPlacement | None:
    """The place in `text` most like `quote` (edited since: words changed, added or dropped), as
    dom-anchor-text-quote does for Hypothesis, or None when nothing is alike enough.

    Pieces of the quote found exactly propose places; at each, the text aligned with the quote
    (difflib) gives the span and its likeness, and the stored `prefix`/`suffix` and nearness to
    `hint` decide between places equally alike. The span never splits a grapheme cluster.
    """
    if not quote.strip() or not text:
        return None
    length = len(quote)
    piece = max(3, min(16, length // 4 or 1))
    votes: dict[int, int] = {}
    offsets = sorted({round(i * (length - piece) / (_SEED_PIECES - 1))
                      for i in range(_SEED_PIECES)}) if length > piece else [0]
    for offset in offsets:
        seed = quote[offset : offset + piece]
        if not seed.strip():
            continue
        position = text.find(seed)
        hits = 0
        while position >= 0 and hits < _MAX_SEED_HITS:
            bucket = max(0, position - offset)
            votes[bucket] = votes.get(bucket, 0) + 1
            hits += 1
            position = text.find(seed, position + 1)
    if not votes:
        return None
    candidates = sorted(votes, key=lambda place: -votes[place])[:_MAX_CANDIDATES]
    slack = length // 4 + 8
    best: tuple[float, float, int, FuzzyPlacement] | None = None
    for place in candidates:
        low = max(0, place - slack)
        window = text[low : place + length + slack]
        matcher = difflib.SequenceMatcher(None, quote, window, autojunk=False)
        blocks = [block for block in matcher.get_matching_blocks() if block.size]
        if not blocks:
            continue
        solid = [block for block in blocks if block.size >= 3] or blocks
        starts = {low + first.b - shift for first in (blocks[0], solid[0])
                  for shift in (0, min(first.a, first.b))}
        ends = {low + last.b + last.size + grow for last in (blocks[-1], solid[-1])
                for grow in (0, min(length - last.a - last.size, len(window) - last.b - last.size))}
        spans = {_widen_to_graphemes(text, first, last)
                 for first in starts for last in ends if first < last}
        if not spans:
            continue
        scored = [(_likeness(quote, text[first:last]), first, last) for first, last in spans]
        top = max(score for score, _first, _last in scored)
        # An edge character changed ("Return" for "return") costs as much as one dropped: of
        # spans about as alike, the one as long as the quote keeps its edges.
        score, start, end = min(
            (item for item in scored if item[0] >= top - 0.03),
            key=lambda item: (abs(item[2] - item[1] - length), -item[0]))
        if score < threshold:
            continue
        context = 0.0
        if prefix:
            context += _likeness(prefix, text[max(0, start - len(prefix)) : start])
        if suffix:
            context += _likeness(suffix, text[end : end + len(suffix)])
        nearness = -abs(start - hint) if hint is not None else 0
        key = (round(score, 3), context, nearness, FuzzyPlacement(start, end, round(score, 2)))
        if best is None or key[:3] > best[:3]:
            best = key
    return best[3] if best is not None else None


def _widen_to_graphemes(text: DocumentText, start: int, end: int) -> tuple[int, int]:
    while start > 0 and not is_grapheme_boundary(text, start):
        start -= 1
    while end < len(text) and not is_grapheme_boundary(text, end):
        end += 1
    return start, end
