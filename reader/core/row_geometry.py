"""Where each character of a screen row is drawn: the one mapping between offsets and cells.

A `RowGeometry` is one row of text laid out on screen as a sequence of glyphs in the order they
are drawn, left to right. Each glyph covers a logical span [start, end) of the document (a
grapheme cluster, a tab), says what to draw (already printable) and at which cell. Everything
that turns an offset into a column or a column into an offset (the cursor, up and down keeping
a column, a mouse click, drawing the selection) asks the geometry, so the order characters are
drawn in is decided in exactly one place.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import NamedTuple

from reader.core.display import TAB_SIZE, cluster_cells, printable


class Glyph(NamedTuple):
    """A cluster of the row as drawn: the document span it shows, what is drawn, where."""

    start: int
    end: int
    text: str
    x: int
    cells: int


@dataclass(frozen=True)
class RowGeometry:
    """One row [start, end) of a logical line, as drawn from cell `origin` rightwards.

    `glyphs` are in screen order. The line break (or the end of the text) has a cell of its own
    at `break_x` when the row ends its line, so a cursor there is visible.
    """

    start: int
    end: int
    glyphs: tuple[Glyph, ...]
    break_x: int | None
    rtl: bool = False
    """The row belongs to a right-to-left paragraph (drawn right-aligned)."""

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
    text: str,
    start: int,
    end: int,
    *,
    ends_line: bool,
    start_col: int = 0,
    tab_size: int = TAB_SIZE,
) -> RowGeometry:
    """The geometry of the row `text[start:end]` (tabs counted from column `start_col`).

    With `ends_line` the row gets a break cell after its text. Characters are drawn in logical
    order from cell 0.
    """
    display = printable(text[start:end], keep_tabs=True)
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
