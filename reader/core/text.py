"""Canonical document text and a line index mapping offsets to (line, column) and back."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from reader.core.line_starts import add_line_starts

if TYPE_CHECKING:
    from reader.core.spooled_text import SpooledText

# A document's canonical text: a str, or a huge text kept on disk (reader.core.spooled_text)
# that answers the same reads.
DocumentText: TypeAlias = "str | SpooledText"

_BOM = "\ufeff"


def canonicalize(raw: str) -> str:
    """The canonical form of a document's text: no leading BOM, every line break a single "\\n".

    This is the one place that decides what offsets count: every offset stored, exported or
    imported is a code point index into this string.

    Deliberately no Unicode normalisation (NFC/NFD): exchange formats such as W3C Web Annotation
    and REFI-QDA count code points in the file's own text, so recomposing "e" + U+0301 into "é"
    would shift every later offset and make our quotes disagree with other tools reading the
    same file.
    """
    return Canonicalizer().feed(raw, final=True)


class Canonicalizer:
    """`canonicalize` a piece at a time, for text decoded in chunks: the pieces it returns for
    the pieces of a text, fed in order, join to `canonicalize` of the whole text.

    A 22 MB file with CRLF line ends is then never held twice (once as decoded, once
    canonical). A "\r" ending a piece waits for the next one, which may begin with "\n".
    """

    __slots__ = ("_started", "_carriage_return")

    def __init__(self) -> None:
        self._started = False
        self._carriage_return = False

    def feed(self, piece: str, *, final: bool = False) -> str:
        """The canonical text of `piece`, the next piece of the text (`final`: the last)."""
        if self._carriage_return:
            piece = "\r" + piece
            self._carriage_return = False
        if not self._started and piece:
            self._started = True
            if piece.startswith(_BOM):
                piece = piece[1:]
        if not final and piece.endswith("\r"):
            piece = piece[:-1]
            self._carriage_return = True
        if "\r" not in piece:  # the common case on a 22 MB file: skip two full copies
            return piece
        return piece.replace("\r\n", "\n").replace("\r", "\n")


class LineIndex:
    """Line starts of a canonical text, for O(log n) offset <-> (line, column) conversion.

    Columns are code points from the line start. A text has `text.count("\\n") + 1` lines: an
    empty text has one empty line, and a text ending in "\\n" has an empty last line.
    """

    __slots__ = ("_text", "_starts")

    # Characters indexed between two calls of `pause`.
    PAUSE_EVERY = 256 * 1024

    _text: DocumentText

    def __init__(self, text: str, *, pause: Callable[[], None] | None = None) -> None:
        """Index `text`; `pause` is called after each `PAUSE_EVERY` characters (a thread
        indexing a large text in the background lets the app's own thread in there)."""
        self._text = text
        # A compact array of C ints rather than a list of Python ints: 500k lines cost 2 MB
        # instead of ~18 MB, and a str.find loop fills it in well under 0.3 s for 22 MB. Four
        # bytes a line while every offset fits them (texts under 4 G code points), else eight.
        starts = array("I" if len(text) < 2**32 else "q", [0])
        length = len(text)
        block_size = length if pause is None else self.PAUSE_EVERY
        for block_start in range(0, length, max(1, block_size)):
            if block_start:
                assert pause is not None
                pause()
            add_line_starts(starts, text, block_start, min(length, block_start + block_size))
        self._starts = starts

    @classmethod
    def of(cls, text: DocumentText, *, pause: Callable[[], None] | None = None) -> LineIndex:
        """The index of `text`; a SpooledText's line starts were found as it was written."""
        if isinstance(text, str):
            return cls(text, pause=pause)
        index = cls.__new__(cls)
        index._text, index._starts = text, text.line_starts
        return index

    @property
    def text(self) -> DocumentText:
        return self._text

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def _check_line(self, line: int) -> None:
        if not 0 <= line < len(self._starts):
            raise ValueError(f"line {line} is outside 0..{len(self._starts) - 1}")

    def _check_offset(self, offset: int) -> None:
        if not 0 <= offset <= len(self._text):
            raise ValueError(f"offset {offset} is outside 0..{len(self._text)}")

    def line_start(self, line: int) -> int:
        """Offset of the first character of `line`."""
        self._check_line(line)
        return self._starts[line]

    def line_end(self, line: int) -> int:
        """Offset of the "\\n" ending `line`, or len(text) for the last line."""
        self._check_line(line)
        if line + 1 < len(self._starts):
            return self._starts[line + 1] - 1
        return len(self._text)

    def line_text(self, line: int) -> str:
        """The text of `line` without its "\\n"."""
        return self._text[self.line_start(line) : self.line_end(line)]

    def line_of(self, offset: int) -> int:
        """The line containing `offset`; offset == len(text) belongs to the last line."""
        self._check_offset(offset)
        return bisect_right(self._starts, offset) - 1

    def to_line_col(self, offset: int) -> tuple[int, int]:
        """0-based (line, column in code points) of `offset`."""
        line = self.line_of(offset)
        return line, offset - self._starts[line]

    def to_offset(self, line: int, col: int) -> int:
        """Offset of (line, col); line is clamped to the text and col to the line's length."""
        line = min(max(line, 0), len(self._starts) - 1)
        start = self._starts[line]
        end = self.line_end(line)
        return min(max(start + col, start), end)
