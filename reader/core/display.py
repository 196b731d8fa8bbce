"""How document text reaches a terminal: safe characters, cell widths, soft wrap, rows on screen.

`printable` is the one place that decides how a character that could command the terminal is
shown. The mapping is one code point to one code point, so `len(printable(s)) == len(s)` and an
offset into the document is the same offset into what is displayed:

| input | shown as |
| --- | --- |
| C0 controls U+0000-U+001F (NUL, BEL, ESC, ...) | Control Pictures U+2400-U+241F (``␀ ␇ ␛``) |
| TAB U+0009 | one space (kept as a tab with ``keep_tabs=True``: the document view expands it) |
| LF U+000A | ``␤`` (kept with ``keep_newlines=True``) |
| DEL U+007F | ``␡`` |
| C1 controls U+0080-U+009F (CSI, OSC, NEL, ...) | U+FFFD ``�`` |
| bidi embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069 | ``¦`` |
| LINE / PARAGRAPH SEPARATOR U+2028 / U+2029 | ``␤`` / ``¶`` |
| lone surrogates U+D800-U+DFFF (undecodable bytes) | U+FFFD ``�`` |
| ZERO WIDTH JOINER U+200D not between two emoji | ZERO WIDTH SPACE U+200B (still invisible) |

So no escape sequence can start: ESC and the single-byte C1 introducers (CSI U+009B, OSC U+009D,
...) never reach the terminal, which means a document cannot retitle the terminal, write the
clipboard (OSC 52) or clear the screen. The bidi overrides and isolates are made visible because
a terminal that implements bidi would reorder the text around them and could hide or disguise
it ("Trojan Source"). Zero-width characters that shape text (ZWJ in emoji, ZWNJ in Persian,
combining marks, LRM/RLM) are kept: they take no cell in Rich's measure and in the terminal's,
so they cannot break the layout. The exception is a joiner between ordinary letters: Rich (and so
Textual) counts the character after any joiner as zero cells, as in an emoji sequence, while a
terminal draws it; such a joiner becomes an equally invisible zero width space, so what Textual
measures is what the terminal draws.

Soft wrapping is greedy: a row breaks after the last whitespace that fits (one space right after
a full row hangs past its last cell, so callers wrap one cell narrower than the screen and show
it), or, in a word longer
than the row (or in CJK text without spaces), before the first grapheme cluster that does not
fit. Because the decision for a row depends only on text from the row's start, wrapping can
resume from any row start: a 1 MB line is wrapped a screen at a time, never whole per keypress.

`RowLayout` holds the rows of a whole document at one width (what a scrolling view needs), and
`LineCells` the columns within long lines when wrap is off. Neither imports Textual.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import islice
from typing import Any, NamedTuple, TypeVar

from rich.cells import get_character_cell_size, split_graphemes

from reader.core.lazy_regex import LazyPattern
from reader.core.text import DocumentText, LineIndex

_V = TypeVar("_V")

TAB_SIZE = 4
"""Tab stops, in cells, used when the document view expands a tab."""

_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_TABLE: dict[int, str] = {
    **_CONTROL_PICTURES,
    0x09: " ",
    0x0A: "\u2424",
    0x7F: "\u2421",
    **{code: "\ufffd" for code in range(0x80, 0xA0)},
    **{code: "\u00a6" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    0x2028: "\u2424",
    0x2029: "\u00b6",
    **{code: "\ufffd" for code in range(0xD800, 0xE000)},
}
_TABLE_KEEP_TABS = {**_TABLE, 0x09: "\t"}
_TABLE_KEEP_NEWLINES = {**_TABLE, 0x0A: "\n"}
_TABLE_KEEP_BOTH = {**_TABLE, 0x09: "\t", 0x0A: "\n"}

# Anything the tables change. A search is much cheaper than translate() on the common clean row.
# (Compiled when a text first holds a character str.isprintable refuses: its class reaches past
# U+00FF, which `re` builds a 64 K-entry map for, a millisecond of every start-up otherwise.)
_UNSAFE = LazyPattern(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]", stdlib=True
)


# A joiner that does not join two emoji (allowing VS16 or a skin tone after the first).
_LONE_JOINER = LazyPattern(
    r"(?<!\p{Extended_Pictographic}[\uFE0F\U0001F3FB-\U0001F3FF]?)\u200d"
    r"|\u200d(?!\p{Extended_Pictographic})"
)


def printable(text: str, *, keep_tabs: bool = False, keep_newlines: bool = False) -> str:
    """`text` with every terminal-commanding character replaced by a visible symbol.

    One code point in, one code point out (see the module docstring for the table), so offsets
    into `text` are offsets into the result. Use it for document text, titles, file names and
    notifications alike.
    """
    if text.isprintable():  # every character the tables change is a Unicode "other" or
        return text  # "separator" (control, format, surrogate, line or paragraph separator)
    if "\u200d" in text:
        text = _LONE_JOINER.sub("\u200b", text)
    if _UNSAFE.search(text) is None:
        return text
    if keep_tabs:
        table = _TABLE_KEEP_BOTH if keep_newlines else _TABLE_KEEP_TABS
    else:
        table = _TABLE_KEEP_NEWLINES if keep_newlines else _TABLE
    return text.translate(table)


@cache
def _narrow_ranges() -> tuple[tuple[int, int], ...]:
    """The code points that take exactly one cell once made printable, as sorted ranges.

    Rich's widths below U+3400 (above it nearly everything narrow is rare or wide), plus the
    controls and invisibles that `printable` turns into one-cell symbols. Tab is not in it.
    """
    ranges: list[tuple[int, int]] = [(0x00, 0x08), (0x0A, 0x1F), (0x7F, 0x9F)]
    ranges += [(0x2028, 0x202E), (0x2066, 0x2069)]
    # Rich's table lists only the code points that are not one cell wide: walking its entries
    # takes well under a millisecond, asking for 13,000 widths one by one took ~20 ms of start-up.
    # The table is private to Rich (a release may drop or change it): then ask for each width.
    not_narrow = [(0x7F, 0x9F), (0xD800, 0xDFFF)]
    try:
        from rich.cells import load_cell_table  # type: ignore[attr-defined]

        not_narrow += [(low, high) for low, high, width in load_cell_table("auto").widths
                       if width != 1 and high >= 0x20 and low < 0x3400]
    except (ImportError, AttributeError, TypeError, ValueError):  # not this Rich's
        not_narrow += [(code, code) for code in range(0x20, 0x3400)
                       if get_character_cell_size(chr(code)) != 1]
    start = 0x20
    for low, high in sorted(not_narrow):
        if low > start:
            ranges.append((start, min(low, 0x3400) - 1))
        start = max(start, high + 1)
        if start >= 0x3400:
            break
    if start < 0x3400:
        ranges.append((start, 0x33FF))
    return tuple(sorted(ranges))


def _class_of(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges)


_COMMON_BLOCKS = ((0x0000, 0x06FF), (0x2000, 0x206F))
"""Latin, Greek, Cyrillic, Armenian, Hebrew and Arabic letters, and general punctuation
(curly quotes, dashes, the ellipsis): what the rows of most documents past ASCII hold."""


# The first code point that is not one-cell ASCII (a tab, or anything past ASCII), if any.
_NOT_NARROW_ASCII = LazyPattern("[^\x00-\x08\x0a-\x7f]", stdlib=True)


@cache
def _not_narrow() -> LazyPattern:
    """The first code point that is not one cell wide (wide, zero-width, a tab), if any.

    Compiled when a text first goes past the common blocks: its class (from Rich's width
    table) is large, about 2 ms to compile, and most documents' first screens need none of it.
    """
    return LazyPattern(f"[^{_class_of(_narrow_ranges())}]", stdlib=True)


@cache
def _not_common_narrow() -> LazyPattern:
    """The first code point that is not a one-cell one of `_COMMON_BLOCKS`, if any: a tenth of
    `_not_narrow`'s class, as quick to compile, and what a European text's rows rarely leave."""
    common = [(max(low, block_low), min(high, block_high))
              for low, high in _narrow_ranges() for block_low, block_high in _COMMON_BLOCKS
              if low <= block_high and high >= block_low]
    return LazyPattern(f"[^{_class_of(common)}]", stdlib=True)


def _first_not_narrow(text: DocumentText, start: int = 0, end: int | None = None) -> Any:
    """The first code point of `text[start:end]` that does not take exactly one cell, if any.

    Each pattern finds where the next, larger one must start: everything before its match is
    one cell wide (each class is a part of the next one's narrow code points), and what it
    matches inside the blocks it knows is not.
    """
    end = len(text) if end is None else end
    found = _NOT_NARROW_ASCII.search(text, start, end)
    if found is None or text[found.start()] == "\t":
        return found
    found = _not_common_narrow().search(text, found.start(), end)
    if found is None:
        return found
    code = ord(text[found.start()])
    if any(low <= code <= high for low, high in _COMMON_BLOCKS):
        return found
    return _not_narrow().search(text, found.start(), end)


_ENCODED_AT_MOST = 16 * 1024
"""Longer spans are not copied to be encoded (see `is_simple`): the patterns scan them in place."""


def is_simple(text: DocumentText, start: int = 0, end: int | None = None) -> bool:
    """Whether every code point of `text[start:end]` takes exactly one cell once printable.

    True for nearly all Latin, Greek, Cyrillic, Hebrew and Arabic prose without marks: such a
    text can be measured with len() and wrapped with str.rfind.
    """
    stop = len(text) if end is None else end
    if isinstance(text, str) and stop - start <= _ENCODED_AT_MOST:
        piece = text[start:stop]
        # Every code point cp1252 encodes is one cell once printable, but the tab (a test holds
        # Rich's widths to that): English and most Western text, curly quotes and dashes
        # included, is settled without the width patterns, which take a millisecond to build.
        try:
            piece.encode("cp1252")
        except UnicodeEncodeError:
            pass
        else:
            return "\t" not in piece
    return _first_not_narrow(text, start, end) is None


def cluster_cells(
    display: str, start_col: int = 0, tab_size: int = TAB_SIZE
) -> list[tuple[int, int, int]]:
    """(start, end, cells) of each grapheme cluster of an already printable string.

    Widths are Rich's (the ones Textual renders with). A tab is its own cluster, as wide as the
    distance to the next tab stop, counting columns from `start_col`.
    """
    if is_simple(display):
        return [(index, index + 1, 1) for index in range(len(display))]
    if "\t" not in display:
        return split_graphemes(display)[0]
    # Rich gives a tab no width and glues it to the cluster before; measure a space instead.
    spans, _total = split_graphemes(display.replace("\t", " "))
    result: list[tuple[int, int, int]] = []
    column = start_col
    for start, end, cells in spans:
        if display[start] == "\t":
            cells = tab_size - column % tab_size
        result.append((start, end, cells))
        column += cells
    return result


def cell_width(text: str, start_col: int = 0, tab_size: int = TAB_SIZE) -> int:
    """Cells `text` takes on screen once made printable, starting at column `start_col`."""
    if is_simple(text):
        return len(text)
    display = printable(text, keep_tabs=True)
    if "\t" not in display:
        return sum(cells for _start, _end, cells in split_graphemes(display)[0])
    return sum(cells for _s, _e, cells in cluster_cells(display, start_col, tab_size))


def char_cells(character: str) -> int:
    """Cells one printable code point takes on its own (0, 1 or 2)."""
    return get_character_cell_size(character)


# A wrapped chunk of a very long non-ASCII line is measured this many code points at a time.
_CHUNK = 4096


def wrap_line(
    text: DocumentText,
    start: int,
    end: int,
    width: int,
    *,
    max_rows: int | None = None,
    until: int | None = None,
    tab_size: int = TAB_SIZE,
) -> list[int]:
    """Start offsets of the visual rows of `text[start:end]` soft-wrapped at `width` cells.

    The first entry is always `start`. Stops early once `max_rows` rows are known or a row
    containing offset `until` is known (the result is then a prefix of the full answer, and
    wrapping can resume from its last entry). `text[start:end]` must not contain a newline.
    """
    return wrap_rows(text, start, end, width, max_rows=max_rows, until=until, tab_size=tab_size)[0]


def wrap_rows(
    text: DocumentText,
    start: int,
    end: int,
    width: int,
    *,
    max_rows: int | None = None,
    until: int | None = None,
    tab_size: int = TAB_SIZE,
) -> tuple[list[int], bool]:
    """Like `wrap_line`, also saying whether the rows are complete (False: stopped early)."""
    width = max(1, width)
    rows = [start]
    if end - start <= width // 2 and "\t" not in text[start:end]:
        return rows, True  # every cluster is at most 2 cells: it certainly fits
    if is_simple(text, start, end):
        stopped = _wrap_simple(text, start, end, width, rows, max_rows, until)
    else:
        stopped = _wrap_general(text, start, end, width, rows, max_rows, until, tab_size)
    return rows, not stopped


def _done(rows: list[int], max_rows: int | None, until: int | None) -> bool:
    if max_rows is not None and len(rows) >= max_rows:
        return True
    return until is not None and rows[-1] > until


def _wrap_simple(
    text: DocumentText,
    start: int,
    end: int,
    width: int,
    rows: list[int],
    max_rows: int | None,
    until: int | None,
) -> bool:
    """One cell per code point: break with rfind, no per-character work."""
    position = start
    rfind = text.rfind
    while end - position > width:
        limit = position + width
        if text[limit] == " ":
            position = limit + 1  # the space hangs past the row's last cell
        else:
            space = rfind(" ", position, limit)
            position = space + 1 if space >= position else limit
        rows.append(position)
        if _done(rows, max_rows, until):
            return True
    return False


def _wrap_general(
    text: DocumentText,
    start: int,
    end: int,
    width: int,
    rows: list[int],
    max_rows: int | None,
    until: int | None,
    tab_size: int,
) -> bool:
    """Measure grapheme clusters, a chunk at a time so memory stays small on huge lines."""
    position = start
    while position < end:
        chunk_end = min(end, position + _CHUNK)
        display = printable(text[position:chunk_end], keep_tabs=True)
        spans = cluster_cells(display, 0, tab_size)
        column = 0
        break_at = -1  # relative index where a row may start, after whitespace
        index = 0
        row_start = 0
        count = len(spans)
        advanced = False
        while index < count:
            span_start, span_end, cells = spans[index]
            if display[span_start] == "\t":
                cells = tab_size - column % tab_size
            if column + cells > width and span_start > row_start:
                if display[span_start] == " " and column == width:
                    new_start = span_end  # the space hangs past the row's last cell
                else:
                    new_start = break_at if break_at > row_start else span_start
                rows.append(position + new_start)
                advanced = True
                if _done(rows, max_rows, until):
                    return True
                row_start = new_start
                column = 0
                break_at = -1
                # Re-measure from the new row start (tab widths depend on the column).
                while index > 0 and spans[index][0] > new_start:
                    index -= 1
                while index < count and spans[index][0] < new_start:
                    index += 1
                continue
            column += cells
            if display[span_start].isspace():
                break_at = span_end
            index += 1
        if chunk_end >= end:
            return False
        if advanced:
            # The row in progress at the chunk's end is measured again in the next chunk.
            position = rows[-1]
        else:
            # A single row longer than a chunk (thousands of zero-width marks): force a break.
            position = position + spans[-1][0] if len(spans) > 1 else chunk_end
            rows.append(position)
            if _done(rows, max_rows, until):
                return True
    return False


def offset_at_cell(
    text: DocumentText, start: int, end: int, cell: int, start_col: int = 0,
    tab_size: int = TAB_SIZE,
) -> int:
    """The offset in `text[start:end]` of the cluster covering column `cell` (or `end`).

    Reads only as far as column `cell`, a chunk at a time, so it is cheap on a 1 MB line.
    """
    if cell <= 0:
        return start
    if is_simple(text, start, min(end, start + cell + 1)):
        return min(end, start + cell)
    column = 0
    position = start
    while position < end:
        chunk_end = min(end, position + max(_CHUNK // 4, cell - column + 1))
        display = printable(text[position:chunk_end], keep_tabs=True)
        for span_start, _span_end, cells in cluster_cells(display, start_col + column, tab_size):
            if column + cells > cell:
                return position + span_start
            column += cells
        position = chunk_end
    return end


# ---------------------------------------------------------------------------- row layout

# Lines at least this long keep their row starts for good once counted (others use an LRU).
_LONG_LINE = 2_000
# Counting and measuring ask whether they should stop every this many lines.
_STOP_CHECK = 2_048
# With wrap off, a line this long is measured in blocks so horizontal moves stay cheap.
_CELL_BLOCK = 1_024


class _LRU(OrderedDict[int, _V]):
    """A small least-recently-used map."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_fresh(self, key: int) -> _V | None:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: int, value: _V) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


def line_starts_of(index: LineIndex) -> Sequence[int]:
    """The start offset of every line: the index's own array when it exposes one (no copy)."""
    starts: Sequence[int] | None = getattr(index, "starts", None)
    if starts is None:
        starts = getattr(index, "_starts", None)
    if starts is None:
        starts = [index.line_start(line) for line in range(index.line_count)]
    return starts


class CountedRows(NamedTuple):
    """Rows of every line at one width: prefix sums, and the row starts of long lines.

    `starts` is None when every line is one row (the common case of a hard-wrapped text on a
    wide screen): row numbers are then line numbers and nothing is stored.

    (A NamedTuple, not a frozen dataclass: the class is made at every start-up, where a
    dataclass's generated methods cost half a millisecond.)
    """

    starts: array[int] | None
    long_rows: dict[int, list[int]]


class RowLayout:
    """The visual rows of a document at one wrap width (or one row per line with wrap off).

    A position on screen is (line, row within the line). Rows of a line are computed when asked
    for, as far as asked for (`until` an offset, or `count` rows), and cached; `count()` finds
    the rows of every line (in a worker thread: it only reads the text) and `install()` makes
    `row_number` / `at_row` available, which a scrollbar needs.
    """

    def __init__(self, text: DocumentText, index: LineIndex, *, wrap: bool, width: int) -> None:
        self.text = text
        self.index = index
        self.wrap = wrap
        self.width = max(1, width)
        """Cells a row may fill (a space after a full row hangs one cell past it)."""
        self.counted: CountedRows | None = None
        self._rows: _LRU[tuple[list[int], bool]] = _LRU(4096)

    # ------------------------------------------------------------------ rows of one line

    def rows_of(
        self, line: int, *, until: int | None = None, count: int | None = None
    ) -> tuple[list[int], bool]:
        """Row starts of `line` and whether they are all of them.

        Without `until` or `count` the rows are complete; otherwise they may be a prefix that
        covers the row containing offset `until` and at least `count` + 1 row starts.
        """
        index = self.index
        start = index.line_start(line)
        if not self.wrap:
            return [start], True
        if self.counted is not None:
            known = self.counted.long_rows.get(line)
            if known is not None:
                return known, True
        cached = self._rows.get_fresh(line)
        if cached is not None:
            rows, complete = cached
            if complete or _covers(rows, until, count):
                return cached
        end = index.line_end(line)
        if end - start < _LONG_LINE or (until is None and count is None):
            result = wrap_rows(self.text, start, end, self.width)
        else:
            resume = cached[0] if cached is not None else [start]
            more, complete = wrap_rows(
                self.text,
                resume[-1],
                end,
                self.width,
                until=until,
                max_rows=None if count is None else count - len(resume) + 2,
            )
            result = (resume[:-1] + more, complete)
        self._rows.put(line, result)
        return result

    def row_total(self, line: int) -> int:
        """How many rows `line` takes."""
        if self.counted is not None:
            starts = self.counted.starts
            return 1 if starts is None else starts[line + 1] - starts[line]
        return len(self.rows_of(line)[0])

    def row_bounds(self, line: int, subrow: int) -> tuple[int, int]:
        """[start, end) of row `subrow` of `line` (clamped to its last row)."""
        rows, _complete = self.rows_of(line, count=subrow + 2)
        subrow = min(subrow, len(rows) - 1)
        end = rows[subrow + 1] if subrow + 1 < len(rows) else self.index.line_end(line)
        return rows[subrow], end

    def locate(self, offset: int) -> tuple[int, int]:
        """(line, row within the line) showing `offset`."""
        line = self.index.line_of(offset)
        rows, _complete = self.rows_of(line, until=offset)
        return line, bisect_right(rows, offset) - 1

    def advance(self, line: int, subrow: int, rows: int) -> tuple[int, int]:
        """The (line, row) `rows` rows after (before, if negative), clamped to the document."""
        last = self.index.line_count - 1
        if rows >= 0:
            while rows > 0:
                line_rows, complete = self.rows_of(line, count=subrow + rows + 1)
                available = len(line_rows) - 1 - subrow
                if rows <= available:
                    return line, subrow + rows
                if line == last:
                    return line, self.row_total(line) - 1
                rows -= available + 1
                line, subrow = line + 1, 0
            return line, subrow
        rows = -rows
        while rows > 0:
            if rows <= subrow:
                return line, subrow - rows
            if line == 0:
                return 0, 0
            rows -= subrow + 1
            line -= 1
            subrow = self.row_total(line) - 1
        return line, subrow

    # ------------------------------------------------------------------ the whole document

    @property
    def total_rows(self) -> int | None:
        """Rows in the whole document, once known."""
        if not self.wrap:
            return self.index.line_count
        if self.counted is None:
            return None
        starts = self.counted.starts
        return self.index.line_count if starts is None else starts[-1]

    def row_number(self, line: int, subrow: int) -> int | None:
        """The document-wide row number of (line, subrow), once rows are counted."""
        if not self.wrap:
            return line
        if self.counted is None:
            return None
        starts = self.counted.starts
        return line + subrow if starts is None else starts[line] + subrow

    def at_row(self, row: int) -> tuple[int, int] | None:
        """(line, subrow) of document-wide `row` (clamped), once rows are counted."""
        if not self.wrap or (self.counted is not None and self.counted.starts is None):
            return min(max(0, row), self.index.line_count - 1), 0
        if self.counted is None:
            return None
        starts = self.counted.starts
        assert starts is not None
        row = min(max(0, row), max(0, starts[-1] - 1))
        line = bisect_right(starts, row) - 1
        return line, row - starts[line]

    def count(
        self,
        should_stop: Callable[[], bool] | None = None,
        pause: Callable[[], None] | None = None,
    ) -> CountedRows | None:
        """Rows of every line (None if `should_stop` said so). Reads only; safe in a thread.

        Most lines are decided by their length alone: one of at most `width // 2` code points
        fits whatever it holds, and one of one-cell characters (`is_simple`, a C-speed regex
        test) fits if it is at most `width` long, or is wrapped with str.rfind.
        With `pause`, the whole-text scans go a block at a time, `pause` called between blocks:
        a scan at C speed never lets another thread in, and on 22 MB it takes 150 ms.
        """
        text = self.text
        width = self.width
        line_starts = line_starts_of(self.index)
        text_length = len(text)
        if (_longest_line(line_starts, text_length, pause) <= width
                and _all_simple(text, pause)):
            # No line is longer than a row and every code point is one cell: every line is one
            # row. Two scans at C speed instead of a Python loop over every line.
            return CountedRows(None, {})
        half = width // 2
        has_tabs = "\t" in text
        # Four bytes a line while the document could not have 2**32 rows.
        typecode = "I" if text_length + len(line_starts) < 2**32 else "q"
        starts: array[int] = array(typecode, [0])
        append = starts.append
        long_rows: dict[int, list[int]] = {}
        total = 0
        line_count = len(line_starts)
        for line in range(line_count):
            start = line_starts[line]
            end = line_starts[line + 1] - 1 if line + 1 < line_count else text_length
            length = end - start
            if length <= half and not has_tabs:
                total += 1
            elif length <= width and is_simple(text, start, end):
                total += 1
            else:
                rows, _complete = wrap_rows(text, start, end, width)
                total += len(rows)
                if length >= _LONG_LINE:
                    long_rows[line] = rows
            append(total)
            if should_stop is not None and line % _STOP_CHECK == 0 and should_stop():
                return None
        return CountedRows(starts, long_rows)

    def install(self, counted: CountedRows) -> None:
        """Use rows counted by `count()` (run on the thread that owns the layout)."""
        self.counted = counted


# Lines and characters scanned between two pauses (see `RowLayout.count`): about a
# millisecond each.
_PAUSE_LINES = 32 * 1024
_PAUSE_CHARS = 256 * 1024


def _longest_line(
    line_starts: Sequence[int], text_length: int, pause: Callable[[], None] | None = None
) -> int:
    """Code points in the longest line (without its line break)."""
    last = text_length - line_starts[-1]
    if len(line_starts) == 1:
        return last
    if pause is None:
        # islice, not starts[1:] and starts[:-1]: two copies of 500k line starts were a
        # transient 7 MB, for a scan no faster.
        longest: int = max(map(operator.sub, islice(line_starts, 1, None), line_starts)) - 1
        return max(last, longest)
    longest = 0
    for first in range(0, len(line_starts) - 1, _PAUSE_LINES):
        if first:
            pause()
        block = line_starts[first : first + _PAUSE_LINES + 1]  # (a block's copy is small)
        longest = max(longest, max(map(operator.sub, islice(block, 1, None), block)) - 1)
    return max(last, longest)


def _all_simple(text: DocumentText, pause: Callable[[], None] | None = None) -> bool:
    """`is_simple(text)`, a block at a time with `pause` between blocks."""
    if pause is None:
        return is_simple(text)
    for start in range(0, len(text), _PAUSE_CHARS):
        if start:
            pause()
        if not is_simple(text, start, min(len(text), start + _PAUSE_CHARS)):
            return False
    return True


def _covers(rows: list[int], until: int | None, count: int | None) -> bool:
    if until is not None and rows[-1] <= until:
        return False
    return not (count is not None and len(rows) < count)


class LineCells:
    """Cell columns within logical lines, for horizontal scrolling with wrap off.

    Tabs count from the line start. Lines of more than a few thousand code points are measured
    once in blocks, so finding a column on a 1 MB line reads at most one block.
    """

    def __init__(self, text: DocumentText, index: LineIndex) -> None:
        self.text = text
        self.index = index
        self.widest: int | None = None
        """The widest line in cells, once `measure()` has run."""
        self._blocks: dict[int, list[int]] = {}
        self._recent: _LRU[list[int]] = _LRU(64)

    def _blocks_of(self, line: int) -> list[int]:
        blocks = self._blocks.get(line) or self._recent.get_fresh(line)
        if blocks is None:
            start, end = self.index.line_start(line), self.index.line_end(line)
            blocks = _cell_blocks(self.text, start, end)
            self._recent.put(line, blocks)
        return blocks

    def cells_before(self, line: int, offset: int) -> int:
        """Cells from the start of `line` to `offset`."""
        start = self.index.line_start(line)
        if offset - start < _CELL_BLOCK * 4:
            return cell_width(self.text[start:offset])
        blocks = self._blocks_of(line)
        block = (offset - start) // _CELL_BLOCK
        block_start = start + block * _CELL_BLOCK
        return blocks[block] + cell_width(self.text[block_start:offset], blocks[block])

    def offset_at(self, line: int, cell: int) -> int:
        """Offset in `line` of the cluster covering column `cell` (the line end past it)."""
        start, end = self.index.line_start(line), self.index.line_end(line)
        if end - start < _CELL_BLOCK * 4:
            return offset_at_cell(self.text, start, end, cell)
        blocks = self._blocks_of(line)
        block = min(max(0, bisect_right(blocks, cell) - 1), len(blocks) - 2)
        block_start = start + block * _CELL_BLOCK
        return offset_at_cell(self.text, block_start, end, cell - blocks[block], blocks[block])

    def measure(
        self, should_stop: Callable[[], bool] | None = None
    ) -> tuple[int, dict[int, list[int]]] | None:
        """The widest line and the blocks of long lines (None if stopped). Safe in a thread."""
        text = self.text
        line_starts = line_starts_of(self.index)
        line_count = len(line_starts)
        widest = 0
        long_blocks: dict[int, list[int]] = {}
        for line in range(line_count):
            start = line_starts[line]
            end = line_starts[line + 1] - 1 if line + 1 < line_count else len(text)
            if end - start >= _CELL_BLOCK * 4:
                blocks = _cell_blocks(text, start, end)
                long_blocks[line] = blocks
                widest = max(widest, blocks[-1])
            elif end - start > widest // 2 or "\t" in text[start:end]:
                widest = max(widest, cell_width(text[start:end]))
            if should_stop is not None and line % _STOP_CHECK == 0 and should_stop():
                return None
        return widest, long_blocks

    def install(self, measured: tuple[int, dict[int, list[int]]]) -> None:
        """Use what `measure()` found (on the thread that owns this object)."""
        self.widest, self._blocks = measured


def _cell_blocks(text: DocumentText, start: int, end: int) -> list[int]:
    """Cells before each _CELL_BLOCK-th code point of the line [start, end), and its total."""
    blocks = [0]
    column = 0
    for block_start in range(start, end, _CELL_BLOCK):
        column += cell_width(text[block_start : min(end, block_start + _CELL_BLOCK)], column)
        blocks.append(column)
    return blocks
