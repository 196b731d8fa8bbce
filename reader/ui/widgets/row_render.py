"""Drawing one screen row of a document: a pure function from a row's geometry and styles."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style

from reader.core.row_geometry import RowGeometry


def render_row(
    geometry: RowGeometry,
    layers: Sequence[tuple[int, int, Style]],
    base: Style,
    *,
    break_style: Style | None = None,
) -> list[Segment]:
    """The row's glyphs as styled segments from cell 0, gaps filled with `base`.

    `layers` are (start, end, style) over document offsets, lowest first: a glyph gets every
    layer that covers its first offset, so a span that is drawn in several pieces (a selection
    across a right-to-left run) is styled wherever its characters land. `break_style` styles
    the row's break cell (drawn only when given).
    """
    result: list[Segment] = []
    pending_text: list[str] = []
    pending_style: Style | None = None
    column = 0

    def flush() -> None:
        if pending_text and pending_style is not None:
            result.append(Segment("".join(pending_text), pending_style))
        pending_text.clear()

    cells: list[tuple[int, str, int, Style]] = []
    for glyph in geometry.glyphs:
        style = base
        for layer_start, layer_end, layer_style in layers:
            if layer_start <= glyph.start < layer_end:
                style = style + layer_style
        cells.append((glyph.x, glyph.text, glyph.cells, style))
    if break_style is not None and geometry.break_x is not None:
        cells.append((geometry.break_x, " ", 1, break_style))
        cells.sort(key=lambda cell: cell[0])
    for x, text, width, style in cells:
        if x > column:
            if pending_style != base:
                flush()
                pending_style = base
            pending_text.append(" " * (x - column))
            column = x
        if style != pending_style:
            flush()
            pending_style = style
        pending_text.append(text)
        column = x + width
    flush()
    return result
