"""A document's structure map (where pages and headings begin) and the lookups on it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

PAGE = "page"
HEADING = "heading"
SECTION_SEPARATOR = " > "


class StructureMark(NamedTuple):
    """Where a page or a heading begins: an offset into the canonical text.

    A page's label is what the document prints on it ("iv", "12") where it says, else its
    number from 1; a heading's label is its text and `level` its depth (1 is the top).

    (A NamedTuple, not a frozen dataclass: the class is made at every start-up, where a
    dataclass's generated methods cost half a millisecond.)
    """

    offset: int
    kind: str  # PAGE or HEADING
    label: str
    level: int = 0  # headings: 1-6; pages: 0


Structure = tuple[StructureMark, ...]


def sorted_structure(marks: Iterable[StructureMark]) -> Structure:
    """The marks in text order; marks at one offset keep the order they were given in (a page
    that begins with a heading: the page first)."""
    return tuple(sorted(marks, key=lambda mark: mark.offset))


def page_at(structure: Structure, offset: int) -> str | None:
    """The label of the page `offset` is on, or None for a text without pages (or before the
    first page's mark)."""
    pages = [mark for mark in structure if mark.kind == PAGE]
    index = bisect_right(pages, offset, key=lambda mark: mark.offset)
    return pages[index - 1].label if index else None


def section_path_at(structure: Structure, offset: int) -> tuple[str, ...]:
    """The headings `offset` is under, outermost first: ("Chapter 2", "Returns")."""
    path: list[StructureMark] = []
    end = bisect_right(structure, offset, key=lambda mark: mark.offset)
    for mark in structure[:end]:
        if mark.kind != HEADING:
            continue
        # A heading closes every open heading at its level or deeper.
        while path and path[-1].level >= mark.level:
            path.pop()
        path.append(mark)
    return tuple(mark.label for mark in path)


def section_at(structure: Structure, offset: int) -> str:
    """The section path as one line, "Chapter 2 > Returns"; "" outside any heading."""
    return SECTION_SEPARATOR.join(section_path_at(structure, offset))


def place_text(structure: Structure, offset: int, title: str = "") -> str:
    """Where `offset` is, for a reader: "p. 12 · Chapter 2 > Returns", "p. iv", "Returns", or ""
    in a text without pages or headings. An outermost heading that is the document's `title`
    (shown beside it already) is left out."""
    page = page_at(structure, offset)
    parts = [f"p. {page}"] if page else []
    path = section_path_at(structure, offset)
    if path and title and " ".join(path[0].split()).casefold() == title.casefold():
        path = path[1:]
    if path:
        parts.append(SECTION_SEPARATOR.join(path))
    return " · ".join(parts)


def page_range(structure: Structure) -> str:
    """The pages a document runs over, as a citation gives them: "pp. i–212", "p. 3", or ""
    for a text without pages."""
    pages = [mark.label for mark in structure if mark.kind == PAGE]
    if not pages:
        return ""
    if len(pages) == 1:
        return f"p. {pages[0]}"
    return f"pp. {pages[0]}\u2013{pages[-1]}"
