"""The cursor and the selection of a read-only document, and where motions take them on screen."""

from __future__ import annotations

from reader.core import motions
from reader.core.row_geometry import RowGeometry
from reader.core.text import DocumentText


class DocumentNavigator:
    """A cursor, an optional selection anchor and the column up/down moves keep.

    Offsets are logical (code points into the text); the selection is always one logical span
    [min(anchor, cursor), max(anchor, cursor)), however its characters are drawn. Moves that
    depend on the screen (left, right, up, down) take the geometry of the rows involved.
    """

    def __init__(self, text: DocumentText) -> None:
        self.text = text
        self.cursor = 0
        self.anchor: int | None = None
        self.goal_cell: int | None = None
        """The cell up and down moves aim for (the cursor's cell when the first one started)."""

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected span [start, end), or None when nothing is selected."""
        if self.anchor is None or self.anchor == self.cursor:
            return None
        return min(self.anchor, self.cursor), max(self.anchor, self.cursor)

    def horizontal_target(self, step: int, row: RowGeometry) -> int:
        """Where the cursor goes one glyph right (`step` 1) or left (-1) on screen.

        Within the row that is the neighbouring glyph as drawn; past the row's edge it is the
        next or previous character in reading order (the neighbouring row).
        """
        target = row.visual_neighbour(self.cursor, step)
        if target is not None:
            return target
        forward = step == (-1 if row.rtl else 1)
        if forward:
            return motions.next_character(self.text, self.cursor)
        return motions.previous_character(self.text, self.cursor)

    def vertical_target(self, here: RowGeometry, there: RowGeometry) -> int:
        """Where an up or down move from row `here` lands on row `there`, keeping the column."""
        if self.goal_cell is None:
            self.goal_cell = here.cell_of(self.cursor)
        return there.offset_at(self.goal_cell)
