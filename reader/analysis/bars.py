"""Horizontal bars drawn with block characters, for charts in a terminal (eighths of a cell)."""

from __future__ import annotations

_EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


def bar(value: float, largest: float, width: int) -> str:
    """A bar `width` cells long at most, `value / largest` of it filled, padded with spaces.

    Any value above 0 shows at least an eighth of a cell, so a 1 beside a 1,000 is not blank.
    """
    if width <= 0:
        return ""
    if largest <= 0 or value <= 0:
        return " " * width
    eighths = round(min(value, largest) / largest * width * 8)
    eighths = max(eighths, 1)
    full, part = divmod(eighths, 8)
    drawn = FULL * full + (_EIGHTHS[part] if part else "")
    return drawn + " " * (width - len(drawn))
