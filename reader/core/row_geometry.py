"""Where each character of a screen row is drawn: the one mapping between offsets and cells.

A `RowGeometry` is one row of text laid out on screen as a sequence of glyphs in the order they
are drawn, left to right. Each glyph covers a logical span [start, end) of the document (a
grapheme cluster, a tab, a lam-alef ligature), says what to draw (already printable, shaped)
and at which cell. Everything that turns an offset into a column or a column into an offset
(the cursor, up and down keeping a column, a mouse click, drawing the selection) asks the
geometry, so the order characters are drawn in is decided in exactly one place: left to right
in stored order, or, for right-to-left text in mode "reader", in visual order (reader.core.bidi).

`DocumentGeometry` does the same for a whole document as a view lays it out (rows at a width,
columns with wrap off, a cache of row geometries), and `visual_label` for one-line labels
(titles, tag names, the status line).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

from rich.cells import cell_len

from reader.core import motions
from reader.core.bidi import (
    BidiMode,
    display_mode,
    embedding_levels,
    has_arabic_letters,
    has_rtl,
    inside_ligature,
    mirror_map,
    only_rtl_levels,
    paragraph_direction,
    paragraph_is_rtl,
    shaped_row,
    visual_order,
)
from reader.core.display import (
    TAB_SIZE,
    LineCells,
    RowLayout,
    cluster_cells,
    is_simple,
    printable,
)
from reader.core.text import DocumentText, LineIndex


class Glyph(NamedTuple):
    """A cluster of the row as drawn: the document span it shows, what is drawn, where."""

    start: int
    end: int
    text: str
    x: int
    cells: int


@dataclass(frozen=True)
class RowGeometry:
    """One row [start, end) of a logical line, as drawn.

    `glyphs` are in screen order. The line break (or the end of the text) has a cell of its own
    at `break_x` when the row ends its line, so a cursor there is visible. A row of one-cell
    code points in stored order (most rows of most documents) keeps only its text,
    `simple_text`, drawn from cell 0; its glyphs are made if something asks for them.
    """

    start: int
    end: int
    built: tuple[Glyph, ...] | None
    break_x: int | None
    rtl: bool = False
    """The row belongs to a right-to-left paragraph (drawn right-aligned)."""
    simple_text: str | None = None

    @property
    def glyphs(self) -> tuple[Glyph, ...]:
        """The row's glyphs in screen order."""
        if self.built is not None:
            return self.built
        text = self.simple_text or ""
        count = len(text)
        start = self.start
        glyphs = tuple(map(Glyph, range(start, start + count), range(start + 1, start + count + 1),
                           text, range(count), repeat(1, count)))
        object.__setattr__(self, "built", glyphs)  # a cache: the geometry does not change
        return glyphs

    @property
    def width(self) -> int:
        """Cells from the first glyph to the last (the break cell not counted)."""
        if not self.glyphs:
            return 0
        last = self.glyphs[-1]
        return last.x + last.cells - self.glyphs[0].x

    def glyph_index(self, offset: int) -> int | None:
        """Index (screen order) of the glyph showing `offset`, or None (the break, elsewhere)."""
        for index, glyph in enumerate(self.glyphs):
            if glyph.start <= offset < glyph.end:
                return index
        return None

    def cell_of(self, offset: int) -> int:
        """The cell the cursor at `offset` is drawn on (the break cell at the row's end)."""
        index = self.glyph_index(offset)
        if index is not None:
            return self.glyphs[index].x
        if self.break_x is not None and offset >= self.end:
            return self.break_x
        if not self.glyphs:
            return self.break_x or 0
        # Past the row's last cluster (a row that continues on the next row): its far edge.
        last = self.glyphs[-1] if not self.rtl else self.glyphs[0]
        return last.x + last.cells if not self.rtl else max(0, last.x - 1)

    def offset_at(self, cell: int) -> int:
        """The offset of the glyph covering `cell`, or the nearest one on this row."""
        glyphs = self.glyphs
        if self.break_x is not None and cell == self.break_x:
            return self.end
        if not glyphs:
            return self.start
        starts = [glyph.x for glyph in glyphs]
        index = bisect_right(starts, cell) - 1
        if index < 0:
            # Left of the text: the break cell of a right-to-left row, else the first glyph.
            return self.end if self.rtl and self.break_x is not None else glyphs[0].start
        glyph = glyphs[index]
        if cell >= glyph.x + glyph.cells and index == len(glyphs) - 1:
            # Right of the text: the line's end for a left-to-right row that ends its line.
            if not self.rtl and self.break_x is not None:
                return self.end
        return glyph.start

    def visual_neighbour(self, offset: int, step: int) -> int | None:
        """The offset drawn `step` (+1 right, -1 left) glyphs from `offset`, None past the row."""
        index = self.glyph_index(offset)
        if index is None:
            if self.break_x is None or offset < self.end:
                return None
            # On the break cell: it sits after the last glyph in reading order.
            if not self.glyphs:
                return None
            reading_last = 0 if self.rtl else len(self.glyphs) - 1
            toward_text = -1 if not self.rtl else 1
            return self.glyphs[reading_last].start if step == toward_text else None
        target = index + step
        if 0 <= target < len(self.glyphs):
            return self.glyphs[target].start
        reading_end = step == (-1 if self.rtl else 1)
        if reading_end and self.break_x is not None:
            return self.end
        return None

    def boundaries(self) -> frozenset[int]:
        """Offsets a cursor or selection edge may take on this row (cluster starts, the end)."""
        return frozenset({glyph.start for glyph in self.glyphs} | {self.end})


def layout_row(
    text: DocumentText,
    start: int,
    end: int,
    *,
    ends_line: bool,
    start_col: int = 0,
    tab_size: int = TAB_SIZE,
    mode: BidiMode = "off",
    rtl: bool = False,
    width: int = 0,
) -> RowGeometry:
    """The geometry of the row `text[start:end]` (tabs counted from column `start_col`).

    With `ends_line` the row gets a break cell after its text. In mode "reader" a row of a
    right-to-left paragraph (`rtl`) or holding right-to-left characters is drawn in visual
    order, and a right-to-left one is right-aligned in `width` cells; otherwise characters are
    drawn in logical order from cell 0.
    """
    display = printable(text[start:end], keep_tabs=True)
    if mode == "reader" and (rtl or has_rtl(display)):
        spans = cluster_cells(display, start_col, tab_size)
        return _layout_bidi(display, spans, start, end, ends_line, rtl, width)
    if is_simple(display):
        # One cell per code point, in stored order (nearly every row of prose).
        count = len(display)
        return RowGeometry(start, end, None, count if ends_line else None, simple_text=display)
    spans = cluster_cells(display, start_col, tab_size)
    glyphs: list[Glyph] = []
    x = 0
    for span_start, span_end, cells in spans:
        piece = display[span_start:span_end]
        if piece == "\t":
            piece = " " * cells
        glyphs.append(Glyph(start + span_start, start + span_end, piece, x, cells))
        x += cells
    return RowGeometry(start, end, tuple(glyphs), x if ends_line else None)


def _layout_bidi(
    display: str,
    spans: list[tuple[int, int, int]],
    start: int,
    end: int,
    ends_line: bool,
    rtl: bool,
    width: int,
) -> RowGeometry:
    """Shape in logical order, then reorder clusters by their levels (L2), marks staying after
    their base (L3), brackets mirrored in right-to-left runs (L4).

    Every new row of an Arabic page comes through here on a page-down, so the work per cluster
    is kept to a few dictionary look-ups: a row that is right-to-left throughout (most Arabic
    prose) is simply reversed, without resolving levels.
    """
    # Every level 1: what the full algorithm gives a row with nothing left-to-right or numeric.
    all_rtl = rtl and only_rtl_levels(display)
    levels = None if all_rtl else embedding_levels(display, rtl)
    # What each code point is drawn as once shaped; a ligature's second letter draws nothing.
    drawn: list[str] | str = display
    joined_to: dict[int, int] = {}  # first code point of a ligature -> the end of it
    if has_arabic_letters(display):
        units = shaped_row(display)
        if units:
            drawn = list(display)
            for unit_start, unit_end, shaped in units:
                drawn[unit_start] = shaped
                if unit_end - unit_start > 1:
                    for inside in range(unit_start + 1, unit_end):
                        drawn[inside] = ""
                    joined_to[unit_start] = unit_end
    # Clusters in logical order: grapheme clusters, merged where a ligature spans two.
    clusters: list[tuple[int, int, int]]  # (start, end, cells) relative to the row
    if not joined_to:
        clusters = spans
    else:
        clusters = []
        for span_start, span_end, cells in spans:
            if clusters and clusters[-1][1] > span_start:
                merged_start, merged_end, _cells = clusters[-1]
                merged_end = max(merged_end, span_end)
                # Two letters drawn as one ligature: measure what is drawn (lam-alef is 1 cell).
                clusters[-1] = (merged_start, merged_end,
                                cell_len("".join(drawn[merged_start:merged_end])))
                continue
            if span_end - span_start == 1:
                reach = joined_to.get(span_start, 0)
            else:
                reach = max(joined_to.get(i, 0) for i in range(span_start, span_end))
            clusters.append((span_start, max(span_end, reach), cells))
    if levels is None:
        order: range | list[int] = range(len(clusters) - 1, -1, -1)
    else:
        order = visual_order([levels[cluster[0]] for cluster in clusters])
    total = sum(cluster[2] for cluster in clusters)
    x = max(0, width - total) if rtl else 0
    break_x: int | None = None
    if ends_line:
        break_x = x + total if not rtl else max(0, x - 1)
    mirrors = mirror_map()
    glyphs: list[Glyph] = []
    append = glyphs.append
    for index in order:
        cluster_start, cluster_end, cells = clusters[index]
        if cluster_end - cluster_start == 1:
            piece = drawn[cluster_start]
            if piece == "\t":
                piece = " " * cells
            elif levels is None or levels[cluster_start] % 2:
                piece = mirrors.get(piece, piece)
        else:
            piece = "".join(drawn[cluster_start:cluster_end])
        append(Glyph(start + cluster_start, start + cluster_end, piece, x, cells))
        x += cells
    return RowGeometry(start, end, tuple(glyphs), break_x, rtl)


# With wrap off, a right-to-left line up to this long is reordered whole (longer ones are drawn
# in logical order: reordering needs the whole line, and nobody reads a 100k-cell line sideways).
NOWRAP_BIDI_LIMIT = 4_096
# How many lines back a line without a strong character looks for its direction.
DIRECTION_LOOKBACK = 64
# Row geometries kept (a few screens' worth; a new width or mode forgets them all).
_GEOMETRY_CACHE = 2_048


class ScreenRow(NamedTuple):
    """A visual row: row `subrow` of logical line `line`, the text [start, end) it shows.

    (A NamedTuple, not a frozen dataclass: made at every start-up, where a dataclass's
    generated methods cost half a millisecond, and hashed as a cache key on every drawn row.)
    """

    line: int
    subrow: int
    start: int
    end: int
    line_end: int


class DocumentGeometry:
    """Offsets <-> cells for a whole document as a view lays it out.

    Combines the rows at the current width (`RowLayout`), the columns of long lines with wrap
    off (`LineCells`) and each row's `RowGeometry` (cached) in the current bidi mode, so a view
    asks one object where an offset is drawn and what is drawn at a cell.
    """

    def __init__(
        self, text: DocumentText, index: LineIndex, cells: LineCells, *, mode: BidiMode,
        wrap: bool = True,
    ) -> None:
        self.text = text
        self.index = index
        self.cells = cells
        self.mode: BidiMode = mode
        self.layout = RowLayout(text, index, wrap=wrap, width=1)
        self.text_width = 1
        """Cells the text may use on a row (the layout wraps one narrower, see core.display)."""
        self._geometries: dict[tuple[ScreenRow, int, bool], RowGeometry] = {}
        self._directions: dict[int, bool] = {}

    def set_layout(self, layout: RowLayout, text_width: int) -> None:
        """Use new rows (a new width or wrap): every row's geometry is laid out again."""
        self.layout = layout
        self.text_width = text_width
        self._geometries.clear()

    def set_mode(self, mode: BidiMode) -> None:
        """Draw right-to-left text in `mode` from now on."""
        self.mode = mode
        self._geometries.clear()

    @property
    def wrap(self) -> bool:
        return self.layout.wrap

    def row(self, line: int, subrow: int) -> ScreenRow:
        """Row `subrow` of `line` (clamped to its last row)."""
        start, end = self.layout.row_bounds(line, subrow)
        return ScreenRow(line, subrow, start, end, self.index.line_end(line))

    def row_of(self, offset: int) -> ScreenRow:
        """The row showing `offset`."""
        return self.row(*self.layout.locate(offset))

    def snap(self, offset: int) -> int:
        """`offset` moved back to where an edge may be: a cluster start, never inside a lam-alef
        ligature when the reader draws it."""
        offset = motions.snap_to_boundary(self.text, offset)
        if self.mode == "reader" and inside_ligature(self.text, offset):
            offset = motions.previous_character(self.text, offset)
        return offset

    def line_rtl(self, line: int) -> bool:
        """Whether logical line `line` is a right-to-left paragraph.

        A line without a strong character (blank, a date, a list number) follows the line
        before it, so in an Arabic text it is right-aligned and left/right do not turn around
        on it.
        """
        known = self._directions.get(line)
        if known is None:
            found: bool | None = None
            for earlier in range(line, max(-1, line - DIRECTION_LOOKBACK), -1):
                start, end = self.index.line_start(earlier), self.index.line_end(earlier)
                found = paragraph_direction(self.text, start, end)
                if found is not None:
                    break
            known = bool(found)
            self._directions[line] = known
        return known

    def reorders_whole_line(self, line: int) -> bool:
        """With wrap off: whether `line` is drawn reordered as a whole."""
        if self.mode != "reader" or self.wrap:
            return False
        start, end = self.index.line_start(line), self.index.line_end(line)
        return end - start <= NOWRAP_BIDI_LIMIT and has_rtl(self.text, start, end)

    def geometry(self, row: ScreenRow, scroll_x: int = 0) -> RowGeometry:
        """Where each character of `row` is drawn. With wrap off, of the part from the first
        cluster at or before `scroll_x` (the strip is then cropped by `scroll_x` less the
        window's first column), or of the whole line when it is reordered (cells then count
        from the line's start)."""
        whole_line = self.reorders_whole_line(row.line)
        if whole_line:
            scroll_x = 0
        key = (row, scroll_x, self.wrap)
        geometry = self._geometries.get(key)
        if geometry is not None:
            return geometry
        if self.wrap or whole_line:
            start, end, start_col = row.start, row.end, 0
        else:
            start, end, start_col = self.nowrap_window(row, scroll_x)
        geometry = layout_row(
            self.text,
            start,
            end,
            ends_line=end == row.line_end and row.end == row.line_end,
            start_col=start_col,
            mode=self.mode,
            rtl=self.mode == "reader" and self.line_rtl(row.line),
            width=self.text_width,
        )
        if len(self._geometries) >= _GEOMETRY_CACHE:
            self._geometries.clear()
        self._geometries[key] = geometry
        return geometry

    def is_laid_out(self, row: ScreenRow) -> bool:
        """Whether `row` (wrapped) is laid out already: drawing it costs no reordering."""
        return (row, 0, self.wrap) in self._geometries

    def prepare(self, line: int, subrow: int, count: int) -> tuple[int, int] | None:
        """Lay out `count` wrapped rows from row `subrow` of `line` before anyone asks for them
        (a view does it for the page below the screen while idle, so a page-down finds the
        rows ready); the row after them, or None at the end of the text or with wrap off."""
        if not self.wrap:
            return None
        for _ in range(count):
            self.geometry(self.row(line, subrow))
            following = self.layout.advance(line, subrow, 1)
            if following == (line, subrow):
                return None
            line, subrow = following
        return line, subrow

    def nowrap_window(self, row: ScreenRow, scroll_x: int) -> tuple[int, int, int]:
        """With wrap off: [start, end) of the part of a line on screen, and the column of
        `start` (the whole line, from column 0, when it is reordered)."""
        if self.reorders_whole_line(row.line):
            return row.start, row.end, 0
        line_start = self.index.line_start(row.line)
        start = self.cells.offset_at(row.line, scroll_x) if scroll_x else line_start
        start_col = self.cells.cells_before(row.line, start) if start != line_start else 0
        end = self.cells.offset_at(row.line, scroll_x + self.text_width + 2)
        return start, min(row.end, max(end, start)), start_col

    def cell_of(self, offset: int) -> int:
        """The cell the cursor at `offset` is drawn on in its row (wrap off: from line start)."""
        if not self.wrap:
            line = self.index.line_of(offset)
            if not self.reorders_whole_line(line):
                return self.cells.cells_before(line, offset)
        return self.geometry(self.row_of(offset)).cell_of(offset)

    def offset_at(self, row: ScreenRow, cell: int) -> int:
        """The offset drawn at `cell` of `row` (wrap off: cells from the line start)."""
        if not self.wrap and not self.reorders_whole_line(row.line):
            return self.cells.offset_at(row.line, cell)
        return self.geometry(row).offset_at(cell)


def visual_label_map(text: str, mode: BidiMode | None = None) -> tuple[str, list[int]]:
    """A one-line label as the terminal must be sent it, and where each code point of `text`
    went in it (a tab title, a tag name, a status line: left-aligned, never wrapped).

    Controls become visible symbols, line breaks too; in mode "reader" (the process's display
    mode by default) a label with right-to-left text is shaped and put in visual order, with its
    direction from its first strong character. Cut a label to length before this, not after:
    the visual order of a cut label is not a cut of the visual order.
    """
    display = printable(text)
    mode = display_mode() if mode is None else mode
    if mode != "reader" or not has_rtl(display):
        return display, list(range(len(display)))
    geometry = layout_row(display, 0, len(display), ends_line=False, mode="reader",
                          rtl=paragraph_is_rtl(display))
    pieces: list[str] = []
    positions = [0] * len(display)
    column = 0
    for glyph in geometry.glyphs:
        for index in range(glyph.start, glyph.end):
            positions[index] = column
        pieces.append(glyph.text)
        column += len(glyph.text)
    return "".join(pieces), positions


def visual_label(text: str, mode: BidiMode | None = None) -> str:
    """`text` as a one-line label on this terminal (see `visual_label_map`)."""
    if mode is None and display_mode() != "reader":
        return printable(text)
    return _cached_label(text, mode or display_mode())


@lru_cache(maxsize=4096)
def _cached_label(text: str, mode: BidiMode) -> str:
    # Labels are redrawn on every refresh (a status line on every key): reorder each once.
    return visual_label_map(text, mode)[0]
