"""Where lines begin: the offsets after each line break of a text, gathered into an array."""

from __future__ import annotations

from array import array


def add_line_starts(
    starts: array[int], text: str, start: int = 0, end: int | None = None, *, offset: int = 0
) -> None:
    """Append to `starts` where each line after a "\\n" in `text[start:end]` begins, counted
    from `offset` (where `text` itself begins in the document)."""
    append, find, base = starts.append, text.find, offset + 1
    end = len(text) if end is None else end
    position = find("\n", start, end)
    while position != -1:
        append(base + position)
        position = find("\n", position + 1, end)
