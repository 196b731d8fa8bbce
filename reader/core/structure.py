"""A document's structure map (where pages and headings begin) and the lookups on it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

PAGE = "page"
HEADING = "heading"
SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class StructureMark:
    """Where a page or a heading begins: an offset into the canonical text.

    A page's label is what the document prints on it ("iv", "12") where it says, else its
    number from 1; a heading's label is its text and `level` its depth (1 is the top).
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
