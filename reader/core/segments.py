"""Sentence and paragraph boundaries around an offset, computed locally on demand."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from reader.core.lazy_regex import LazyPattern
from reader.core.text import DocumentText

if TYPE_CHECKING:
    from reader.core.spooled_text import SpooledText

# A text with no blank lines at all (500k lines of verse) must not cost a walk over the whole
# document per key press: a line starting at or after each multiple of _PARAGRAPH_SCAN starts a
# new paragraph. The cuts depend only on the text, so every query sees the same paragraphs.
_PARAGRAPH_SCAN = 1 << 18

# A paragraph with no sentence end for this many code points (a 1 MB line of tokens) is cut
# into pseudo-sentences at the first whitespace after every multiple of _CHUNK from its start.
# The cut points depend only on the paragraph, so spans and motions stay consistent, and no
# query ever scans more than about one chunk of candidates.
_CHUNK = 1 << 14

# `regex` patterns (the stdlib `re` has no reverse search), compiled on first use.
_NON_WHITESPACE = LazyPattern(r"\S")
_LAST_NON_WHITESPACE = LazyPattern(r"(?r)\S")
_CUT_POINT = LazyPattern(r"(?<=\S)\s")
_BLANK_LINE = LazyPattern(r"[^\S\n]*+")
# How a document separates paragraphs is decided once per text from these counts (stdlib `re`:
# they scan the whole text once, and the caller's text is the same object on every key press).
_SEPARATOR = LazyPattern(r"(?<=\S)[^\S\n]*\n(?:[^\S\n]*\n)+(?=[^\S\n]*\S)", stdlib=True)
_NON_BLANK_LINE = LazyPattern(r"^[^\S\n]*\S", re.MULTILINE, stdlib=True)
# Hard-wrapped prose keeps its lines under about 80 columns; a line this long is a paragraph
# that an editor or a web page soft-wraps.
_LONG_LINE = LazyPattern(r"[^\n]{120,}", stdlib=True)
_HEADING = LazyPattern(r" {0,3}#{1,6}(?:[^\S\n]|$)")
# Numbered markers stop at three digits so a wrapped line starting "2015. The" is still prose.
_LIST_MARKER = LazyPattern(r"[^\S\n]*+(?:[-*+•]|\d{1,3}[.)])[^\S\n]+(?=\S)")

# The Arabic semicolon ؛ ends a sentence too: Arabic prose runs long chains of clauses joined by
# و, and ؛ is where its writers (and readers selecting with `s`) take the sentence to end.
_TERMINATORS = ".!?…؟؛۔"
_CLOSERS = "\"'”’)]»"
_OPENERS = "\"'“‘([«"
# French sets a closing guillemet off with a (narrow) no-break space: "Bien sûr. »".
_END = rf"[{re.escape(_TERMINATORS)}]+(?:[{re.escape(_CLOSERS)}]|[ \u00a0\u202f]+»)*(?=\s)"
_CANDIDATE = LazyPattern(_END)
_SPACE_AND_OPENERS = LazyPattern(rf"[\s{re.escape(_OPENERS)}]*+")
_WORD = LazyPattern(r"\S{0,40}")
_CANDIDATE_REVERSED = LazyPattern("(?r)" + _END)

# Titles come before a name, so "Dr. Haddad" never ends a sentence.
_TITLES = frozenset(
    "Dr Mr Mrs Ms Mme Mlle Messrs Prof Sr St Mt Gen Col Capt Lt Sgt Maj Adm Rev Fr Hon Sen Rep "
    "Gov Pres Amb Sec".split()
)
# Latin abbreviations that introduce more text rather than end it.
_CONTINUING = frozenset("e.g i.e cf vs viz a.k.a".split())
# Abbreviations followed by a number: "No. 5", "Res. 2254", "para. 3", "3 Jan. 2016".
_BEFORE_NUMBER = frozenset(
    "no nos res art arts para paras p pp vol vols fig figs ch op jan feb mar apr jun jul aug "
    "sep sept oct nov dec".split()
)
_INITIALISM = LazyPattern(r"(?:\p{L}\.)+\p{L}")
# Parts of names that can end a sentence but more often continue it: "Acme Inc. Board".
_NAME_PARTS = frozenset("Inc Ltd Co Corp Jr Bros Dept Univ Govt Intl".split())
# After an initialism ("U.S."), a capitalised word usually continues the name ("U.S. Senate");
# only these common sentence openers suggest a new sentence ("... by the U.N. The Council ...").
_SENTENCE_OPENERS = frozenset(
    "The This That These Those It Its He She They We I You In On At As A An But And However "
    "Yet So Then There Here His Her Their Our My After Before When While If Although Since "
    "Meanwhile Moreover Furthermore Nevertheless Thus Therefore Such No One Some Many Most "
    "All Both Each Other".split()
)


@dataclass(frozen=True, slots=True)
class _Paragraph:
    start: int  # first non-whitespace character
    end: int  # just after the last non-whitespace character
    body: int  # where sentence ends may begin: after a list marker, else `start`
    heading: bool  # a heading line is one sentence, whatever punctuation it holds


def _check_offset(text: DocumentText, offset: int) -> None:
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside 0..{len(text)}")


def _line_start(text: DocumentText, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _line_end(text: DocumentText, line_start: int) -> int:
    end = text.find("\n", line_start)
    return len(text) if end == -1 else end


def _is_blank(text: DocumentText, start: int, end: int) -> bool:
    return _BLANK_LINE.fullmatch(text, start, end) is not None


def _is_heading(text: DocumentText, start: int, end: int) -> bool:
    return _HEADING.match(text, start, end) is not None


def _is_list_item(text: DocumentText, start: int, end: int) -> bool:
    return _LIST_MARKER.match(text, start, end) is not None


def _count(pattern: LazyPattern, text: DocumentText, end: int) -> int:
    return sum(1 for _ in pattern.finditer(text, 0, end))


_STYLE_SAMPLE = 2_000_000
"""Characters of a text `lines_are_paragraphs` looks at, at most."""

def lines_are_paragraphs(text: DocumentText) -> bool:
    """Whether every line break separates paragraphs in `text`, not only blank lines.

    Web copy and word processors put one paragraph per line, often with no blank line at all,
    or only one after a title: read as blank-line blocks, the whole text would be one paragraph.
    So lines are paragraphs when the text has no blank-line separator, or when its blocks hold
    many lines each and most lines are long (soft-wrapped paragraphs, not hard-wrapped prose,
    whose short lines do need the blank lines to tell paragraphs apart).
    """
    if isinstance(text, str):
        return _str_lines_are_paragraphs(text)
    # A huge text on disk: its answer lives as long as it does. (In the str's cache it kept a
    # closed document's temporary file open, and on disk, until three more texts were read.)
    known = _SPOOLED_STYLE.get(text)
    if known is None:
        known = _SPOOLED_STYLE[text] = _lines_are_paragraphs(text)
    return known


# A few texts: the open panes' (a closed document's text should not be kept alive for long).
@lru_cache(maxsize=4)
def _str_lines_are_paragraphs(text: str) -> bool:
    return _lines_are_paragraphs(text)


_SPOOLED_STYLE: weakref.WeakKeyDictionary[SpooledText, bool] = weakref.WeakKeyDictionary()


def _lines_are_paragraphs(text: DocumentText) -> bool:
    end = len(text)
    if end > _STYLE_SAMPLE:
        # A text's paragraph style shows in its first two million characters; counting on
        # through a 20 MB text took over a second at the first sentence key, for that answer.
        # (Counted up to there, not in a copy: `endpos` ends the text for a pattern as a slice
        # would, and a huge text on disk is then read a window at a time.)
        cut = text.rfind("\n", 0, _STYLE_SAMPLE)
        end = cut if cut > 0 else _STYLE_SAMPLE
    lines = _count(_NON_BLANK_LINE, text, end)
    if lines <= 1:
        return False
    separators = _count(_SEPARATOR, text, end)
    if separators == 0:
        return True
    few_separators = lines > 2 * (separators + 1)
    return few_separators and 2 * _count(_LONG_LINE, text, end) > lines


def _crosses_cut(line_start: int, next_line_start: int) -> bool:
    """Whether a paragraph cut (a multiple of _PARAGRAPH_SCAN) lies in (line_start, next]."""
    return next_line_start // _PARAGRAPH_SCAN > line_start // _PARAGRAPH_SCAN


def _paragraph_of_line(text: DocumentText, line_start: int) -> _Paragraph | None:
    """The paragraph a line belongs to, or None for a blank line."""
    line_end = _line_end(text, line_start)
    if _is_blank(text, line_start, line_end):
        return None
    heading = _is_heading(text, line_start, line_end)
    first, last = line_start, line_end
    if not heading and not lines_are_paragraphs(text):
        # Back to a line that starts the paragraph: the text's first line, a line after a blank
        # or heading line, or a list item (whose wrapped continuation lines belong to it).
        while first > 0 and not _is_list_item(text, first, _line_end(text, first)):
            previous = _line_start(text, first - 1)
            if (
                _crosses_cut(previous, first)
                or _is_blank(text, previous, first - 1)
                or _is_heading(text, previous, first - 1)
            ):
                break
            first = previous
        current = line_start
        while last < len(text):
            following = last + 1
            following_end = _line_end(text, following)
            if (
                _crosses_cut(current, following)
                or _is_blank(text, following, following_end)
                or _is_heading(text, following, following_end)
                or _is_list_item(text, following, following_end)
            ):
                break
            current, last = following, following_end
    start_match = _NON_WHITESPACE.search(text, first, last)
    end_match = _LAST_NON_WHITESPACE.search(text, first, last)
    assert start_match is not None and end_match is not None  # the line is not blank
    start: int = start_match.start()
    end: int = end_match.end()
    body = start
    if not heading:
        marker = _LIST_MARKER.match(text, first, last)
        if marker is not None:
            body = marker.end()
    return _Paragraph(start, end, body, heading)


def _paragraph_containing(text: DocumentText, offset: int) -> _Paragraph | None:
    """The paragraph whose lines contain `offset`, or None when its line is blank."""
    return _paragraph_of_line(text, _line_start(text, offset))


def _paragraph_after(text: DocumentText, offset: int) -> _Paragraph | None:
    match = _NON_WHITESPACE.search(text, offset)
    return None if match is None else _paragraph_containing(text, match.start())


def _paragraph_before(text: DocumentText, offset: int) -> _Paragraph | None:
    match = _LAST_NON_WHITESPACE.search(text, 0, offset)
    return None if match is None else _paragraph_containing(text, match.start())


def _paragraph_near(text: DocumentText, offset: int) -> _Paragraph | None:
    """The paragraph containing `offset`, else the next one, else the previous one."""
    return (
        _paragraph_containing(text, offset)
        or _paragraph_after(text, offset)
        or _paragraph_before(text, offset)
    )


# --- sentences inside one paragraph -------------------------------------------------------


def _next_word(text: DocumentText, position: int, end: int) -> str:
    """The word starting at the first non-space, non-opening-quote character at `position`."""
    skipped = _SPACE_AND_OPENERS.match(text, position, end)
    assert skipped is not None  # both patterns can match the empty string
    word = _WORD.match(text, skipped.end(), end)
    assert word is not None
    found: str = word.group()
    return found


def _is_sentence_end(text: DocumentText, paragraph: _Paragraph, start: int, end: int) -> bool:
    """Whether the terminator run text[start:end], followed by whitespace, ends a sentence."""
    word = _next_word(text, end, paragraph.end)
    first = word[:1]
    if first.islower():
        # "the U.N. envoy", "etc. and", '"Why?" she asked': lowercase continues the sentence.
        return False
    if text[start:end] != ".":
        return True
    token_start = start
    while token_start > paragraph.start and start - token_start < 40:
        if text[token_start - 1].isspace():
            break
        token_start -= 1
    token = text[token_start:start].lstrip(_OPENERS)
    if token in _TITLES or token.lower() in _CONTINUING:
        return False
    if first.isdigit() and token.lower() in _BEFORE_NUMBER:
        return False
    if len(token) == 1 and token.isupper():
        return False  # an initial: "J. Smith"
    name_like = token in _NAME_PARTS or _INITIALISM.fullmatch(token) is not None
    if name_like and (first.isdigit() or word.rstrip(",;:") not in _SENTENCE_OPENERS):
        return False
    return True


def _cut_point(text: DocumentText, paragraph: _Paragraph, index: int) -> int | None:
    """The pseudo-sentence end for chunk `index` (>= 1) of a very long paragraph."""
    begin = paragraph.start + index * _CHUNK
    if begin >= paragraph.end:
        return None
    # A chunk with no whitespace at all has no cut: the search stays within one chunk.
    match = _CUT_POINT.search(text, begin, min(paragraph.end, begin + _CHUNK))
    return None if match is None else int(match.start())


def _previous_end(text: DocumentText, paragraph: _Paragraph, position: int) -> int | None:
    """The last sentence end E with E <= position (text[E] is the whitespace after it)."""
    floor: int | None = None
    index = (position - paragraph.start) // _CHUNK
    while index >= 1 and floor is None:
        cut = _cut_point(text, paragraph, index)
        if cut is not None and cut <= position:
            floor = cut
        index -= 1
    if paragraph.heading:
        return floor
    low = max(paragraph.body, floor or 0)
    high = min(paragraph.end, position + 1)  # text[E] must be visible to the (?=\s)
    for match in _CANDIDATE_REVERSED.finditer(text, low, high):
        if _is_sentence_end(text, paragraph, match.start(), match.end()):
            found: int = match.end()
            return found
    return floor


def _following_end(text: DocumentText, paragraph: _Paragraph, start: int) -> int:
    """End of the sentence beginning at `start`: its first sentence end, else the paragraph end."""
    ceiling: int | None = None
    index = max(1, (start - paragraph.start) // _CHUNK)
    while ceiling is None and paragraph.start + index * _CHUNK < paragraph.end:
        cut = _cut_point(text, paragraph, index)
        if cut is not None and cut > start:
            ceiling = cut
        index += 1
    if not paragraph.heading:
        high = paragraph.end if ceiling is None else ceiling + 1
        for match in _CANDIDATE.finditer(text, max(start, paragraph.body), high):
            if _is_sentence_end(text, paragraph, match.start(), match.end()):
                found: int = match.end()
                return found
    return paragraph.end if ceiling is None else ceiling


def _start_after(text: DocumentText, end: int) -> int:
    """The first non-whitespace character after a sentence end (one exists in the paragraph)."""
    match = _NON_WHITESPACE.search(text, end)
    assert match is not None
    start: int = match.start()
    return start


def _sentence_in(text: DocumentText, paragraph: _Paragraph, offset: int) -> tuple[int, int]:
    """The sentence containing `offset`, or the next one when `offset` is between sentences."""
    offset = min(max(offset, paragraph.start), paragraph.end)
    previous = _previous_end(text, paragraph, offset)
    start = paragraph.start if previous is None else _start_after(text, previous)
    return start, _following_end(text, paragraph, start)


def _sentence_before(text: DocumentText, paragraph: _Paragraph, start: int) -> int | None:
    """The start of the sentence before the one starting at `start`, within the paragraph."""
    if start <= paragraph.start:
        return None
    end = _previous_end(text, paragraph, start - 1)  # the end just before `start`
    if end is None:
        return paragraph.start
    earlier = _previous_end(text, paragraph, end - 1)
    return paragraph.start if earlier is None else _start_after(text, earlier)


# --- public API ---------------------------------------------------------------------------


def paragraph_span(text: DocumentText, offset: int) -> tuple[int, int]:
    """The paragraph around `offset`, without surrounding whitespace.

    Paragraphs are separated by blank lines, headings and list items, or by every line break
    in a text that keeps one paragraph per line (see `lines_are_paragraphs`).

    Between paragraphs this is the next paragraph (the previous one at the end of the text);
    a text with no paragraph at all gives the empty span (offset, offset).
    """
    _check_offset(text, offset)
    paragraph = _paragraph_near(text, offset)
    if paragraph is None:
        return offset, offset
    return paragraph.start, paragraph.end


def next_paragraph_start(text: DocumentText, offset: int) -> int:
    """The first paragraph start after `offset`, or len(text)."""
    _check_offset(text, offset)
    paragraph = _paragraph_containing(text, offset) or _paragraph_after(text, offset)
    if paragraph is None:
        return len(text)
    if paragraph.start > offset:
        return paragraph.start
    following = _paragraph_after(text, paragraph.end)
    if following is None:
        return len(text)
    # A paragraph cut short by _PARAGRAPH_SCAN may report a start behind us: move on anyway.
    return following.start if following.start > offset else _start_after(text, paragraph.end)


def previous_paragraph_start(text: DocumentText, offset: int) -> int:
    """The last paragraph start before `offset`, or 0."""
    _check_offset(text, offset)
    paragraph = _paragraph_containing(text, offset) or _paragraph_before(text, offset)
    while paragraph is not None:
        if paragraph.start < offset:
            return paragraph.start
        paragraph = _paragraph_before(text, paragraph.start)
    return 0


def sentence_span(text: DocumentText, offset: int) -> tuple[int, int]:
    """The sentence around `offset`, without surrounding whitespace.

    Between sentences (or paragraphs) this is the next sentence, or the previous one at the end
    of the text; a text with no sentence at all gives the empty span (offset, offset).
    """
    _check_offset(text, offset)
    paragraph = _paragraph_near(text, offset)
    if paragraph is None:
        return offset, offset
    return _sentence_in(text, paragraph, offset)


def next_sentence_start(text: DocumentText, offset: int) -> int:
    """The first sentence start after `offset`, or len(text)."""
    _check_offset(text, offset)
    paragraph = _paragraph_containing(text, offset) or _paragraph_after(text, offset)
    while paragraph is not None:
        if paragraph.start > offset:
            return paragraph.start
        start, end = _sentence_in(text, paragraph, offset)
        if start > offset:
            return start
        if end < paragraph.end:
            return _start_after(text, end)
        paragraph = _paragraph_after(text, paragraph.end)
    return len(text)


def previous_sentence_start(text: DocumentText, offset: int) -> int:
    """The last sentence start before `offset`, or 0."""
    _check_offset(text, offset)
    paragraph = _paragraph_containing(text, offset) or _paragraph_before(text, offset)
    if paragraph is None:
        return 0
    if offset > paragraph.start:
        start, _ = _sentence_in(text, paragraph, offset)
        if start < offset:
            return start
        before = _sentence_before(text, paragraph, start)
        if before is not None:
            return before
    previous = _paragraph_before(text, paragraph.start)
    if previous is None:
        return 0
    return _sentence_in(text, previous, previous.end)[0]


def iter_sentences(text: DocumentText, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of the sentences overlapping [start, end), in order (none for an empty range)."""
    _check_offset(text, start)
    _check_offset(text, end)
    if start > end:
        raise ValueError(f"range start {start} is after its end {end}")
    paragraph = _paragraph_containing(text, start) or _paragraph_after(text, start)
    if paragraph is None or start == end:
        return
    span = _sentence_in(text, paragraph, start)
    while span[0] < end:
        if span[1] > start:
            yield span
        if span[1] < paragraph.end:
            following = _start_after(text, span[1])
            span = following, _following_end(text, paragraph, following)
            continue
        next_paragraph = _paragraph_after(text, paragraph.end)
        if next_paragraph is None:
            return
        paragraph = next_paragraph
        span = paragraph.start, _following_end(text, paragraph, paragraph.start)
