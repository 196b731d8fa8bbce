"""Drawing text in visual order: a document row from its geometry, a one-line label from pieces."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import OverflowMethod
from rich.segment import Segment
from rich.style import Style, StyleType
from rich.text import Text

from reader.core.row_geometry import RowGeometry, visual_label_map


def render_row(
    geometry: RowGeometry,
    layers: Sequence[tuple[int, int, Style]],
    base: Style,
    *,
    break_style: Style | None = None,
) -> list[Segment]:
    """The row's glyphs as styled segments from cell 0, gaps filled with `base`.

    `layers` are (start, end, style) over document offsets, lowest first: a glyph gets every
    layer that overlaps it (a match starting at the alef of a lam-alef ligature lights the
    ligature), so a span that is drawn in several pieces (a selection across a right-to-left
    run) is styled wherever its characters land. `break_style` styles
    the row's break cell (drawn only when given).
    """
    if geometry.simple_text is not None:
        return _render_simple(geometry.simple_text, geometry, layers, base, break_style)
    glyphs = geometry.glyphs
    if not layers and break_style is None:
        # Most rows: nothing drawn over the text. The glyphs are contiguous from the first
        # one's cell (right-aligned rows start further right): one segment.
        if not glyphs:
            return []
        return [Segment(" " * glyphs[0].x + "".join(glyph.text for glyph in glyphs), base)]
    result: list[Segment] = []
    pending_text: list[str] = []
    pending_style: Style | None = None
    column = 0

    def flush() -> None:
        if pending_text and pending_style is not None:
            result.append(Segment("".join(pending_text), pending_style))
        pending_text.clear()

    cells: list[tuple[int, str, int, Style]] = []
    # Styles by the layers that cover a glyph: a row has few combinations, so each is added up
    # once and the loop below compares them by identity.
    combined: dict[tuple[int, ...], Style] = {(): base}
    for glyph in glyphs:
        covering = tuple(
            index
            for index, (layer_start, layer_end, _style) in enumerate(layers)
            if layer_start < glyph.end and glyph.start < layer_end
        )
        style = combined.get(covering)
        if style is None:
            style = base
            for index in covering:
                style = style + layers[index][2]
            combined[covering] = style
        cells.append((glyph.x, glyph.text, glyph.cells, style))
    if break_style is not None and geometry.break_x is not None:
        cells.append((geometry.break_x, " ", 1, break_style))
        cells.sort(key=lambda cell: cell[0])
    for x, text, width, style in cells:
        if x > column:
            if pending_style is not base:
                flush()
                pending_style = base
            pending_text.append(" " * (x - column))
            column = x
        if style is not pending_style:
            flush()
            pending_style = style
        pending_text.append(text)
        column = x + width
    flush()
    return result


def drawn_cells(geometry: RowGeometry, break_style: Style | None = None) -> int:
    """Cells from cell 0 that `render_row(geometry, ..., break_style=break_style)` fills."""
    if geometry.simple_text is not None:
        cells = len(geometry.simple_text)
    else:
        glyphs = geometry.glyphs  # in screen order, each starting where the one before ends
        cells = glyphs[-1].x + glyphs[-1].cells if glyphs else 0
    if break_style is not None and geometry.break_x is not None:
        cells = max(cells, geometry.break_x + 1)
    return cells


def _render_simple(
    text: str,
    geometry: RowGeometry,
    layers: Sequence[tuple[int, int, Style]],
    base: Style,
    break_style: Style | None,
) -> list[Segment]:
    """A row of one-cell code points in stored order: cut where a layer starts or ends."""
    start = geometry.start
    length = len(text)
    cuts = {0, length}
    for layer_start, layer_end, _style in layers:
        cuts.add(min(max(layer_start - start, 0), length))
        cuts.add(min(max(layer_end - start, 0), length))
    result: list[Segment] = []
    ordered = sorted(cuts)
    for piece_start, piece_end in zip(ordered, ordered[1:], strict=False):
        style = base
        for layer_start, layer_end, layer_style in layers:
            if layer_start - start <= piece_start and piece_end <= layer_end - start:
                style = style + layer_style
        result.append(Segment(text[piece_start:piece_end], style))
    if break_style is not None and geometry.break_x is not None:
        result.append(Segment(" ", break_style))
    return result


def label_text(
    parts: Sequence[tuple[str, StyleType]],
    *,
    marks: Sequence[tuple[int, StyleType]] = (),
    no_wrap: bool = True,
    overflow: OverflowMethod = "ellipsis",
) -> Text:
    """A one-line label from styled pieces of logical text, in the order the terminal shows it.

    Each piece keeps its style wherever its characters land after reordering, and `marks`
    style single code points given by their logical index (the letters a filter matched).
    """
    logical = "".join(text for text, _style in parts)
    shown, positions = visual_label_map(logical)
    label = Text(shown, no_wrap=no_wrap, overflow=overflow)
    if not shown:
        return label
    ends = [*positions[1:], len(shown)] if positions == sorted(positions) else None
    index = 0
    for text, style in parts:
        if style and text:
            if ends is not None:  # nothing moved: one span per piece
                label.stylize(style, positions[index], ends[index + len(text) - 1])
            else:
                for logical_index in range(index, index + len(text)):
                    label.stylize(style, *_cell_span(positions, logical_index, len(shown)))
        index += len(text)
    for logical_index, style in marks:
        if 0 <= logical_index < len(positions):
            label.stylize(style, *_cell_span(positions, logical_index, len(shown)))
    return label


def _cell_span(positions: list[int], index: int, length: int) -> tuple[int, int]:
    """[start, end) in the shown label of what logical code point `index` is drawn as."""
    start = positions[index]
    following = [position for position in positions if position > start]
    return start, min(following, default=length)
