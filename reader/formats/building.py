"""Canonical text assembled block by block, with a structure map of where pages and headings
begin: what every loader of a non-text format (PDF, DOCX, ODT, EPUB, HTML, e-mail) builds."""

from __future__ import annotations

import re

from reader.core.structure import HEADING, PAGE, Structure, StructureMark, sorted_structure

# Runs of whitespace inside a paragraph become one space; line breaks the document asks for
# (<br/>, w:br, text:line-break) come in as "\n" and are kept.
# (A single plain space is left alone rather than replaced by itself: most text has only those.)
_INLINE_SPACE = re.compile(r"[^\S\n\u00a0\u202f]{2,}|[^\S \n\u00a0\u202f]")
_SPACE_AROUND_BREAK = re.compile(r" ?\n ?")


def tidy_inline(text: str) -> str:
    """A paragraph's text as a reader expects it: no carriage returns or BOMs, whitespace runs
    as single spaces, no space at its ends."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    text = _INLINE_SPACE.sub(" ", text)
    if "\n" in text:
        text = _SPACE_AROUND_BREAK.sub("\n", text)
    return text.strip(" \n")


class TextBuilder:
    """Blocks (paragraphs, headings) separated by a blank line, plus page and heading marks.

    The text is canonical as built (only "\\n" line breaks, no BOM), so mark offsets index
    into exactly the string `load_document` stores.
    """

    BLOCK_SEPARATOR = "\n\n"

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._marks: list[StructureMark] = []
        self._pending_pages: list[str] = []

    @property
    def length(self) -> int:
        """How many code points the text has so far."""
        return self._length

    def page(self, label: str) -> None:
        """A page begins with the next block."""
        self._pending_pages.append(label)

    def paragraph(self, text: str) -> None:
        """A block of text; whitespace tidied, nothing added when it is blank."""
        self._block(tidy_inline(text), heading_level=0)

    def heading(self, text: str, level: int) -> None:
        """A heading block, marked in the structure map with its level (1 is the top)."""
        self._block(tidy_inline(text), heading_level=max(1, level))

    def _block(self, text: str, heading_level: int) -> None:
        if not text:
            return
        if self._parts:
            self._append(self.BLOCK_SEPARATOR)
        for label in self._pending_pages:
            self._marks.append(StructureMark(self._length, PAGE, label))
        self._pending_pages.clear()
        if heading_level:
            label = " ".join(text.split())
            self._marks.append(StructureMark(self._length, HEADING, label, heading_level))
        self._append(text)

    def _append(self, piece: str) -> None:
        self._parts.append(piece)
        self._length += len(piece)

    def build(self) -> tuple[str, Structure]:
        """The text, ending in one line break when it is not empty, and its structure map."""
        if self._parts:
            self._append("\n")
        # Pages with no text of their own (blank pages at the end) still begin somewhere.
        for label in self._pending_pages:
            self._marks.append(StructureMark(self._length, PAGE, label))
        self._pending_pages.clear()
        return "".join(self._parts), sorted_structure(self._marks)
