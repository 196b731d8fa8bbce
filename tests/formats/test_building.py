"""TextBuilder and tidy_inline: blocks, whitespace, and where page and heading marks go."""

from __future__ import annotations

import pytest

from reader.core.structure import HEADING, PAGE, StructureMark
from reader.formats.building import TextBuilder, tidy_inline


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        (" a  b\t c \n d ", "a b c\nd"),
        ("a\u00a0 b", "a\u00a0 b"),  # a no-break space is meant
        ("x\r\ny\rz", "x\ny\nz"),
        ("\ufeffa", "a"),
        ("a \u2003 b", "a b"),
        ("a\u2003b", "a b"),
        ("a \n\n b", "a\n\nb"),
        (" \n ", ""),
    ],
)
def test_tidy_inline(raw: str, tidy: str) -> None:
    assert tidy_inline(raw) == tidy


def test_blocks_pages_and_headings() -> None:
    builder = TextBuilder()
    builder.page("i")
    builder.heading("  Preface ", 1)
    builder.paragraph("First   words.")
    builder.paragraph("   ")  # nothing: no empty block, no mark moved
    builder.page("1")
    builder.heading("Chapter\n1", 2)
    builder.paragraph("More.")
    builder.page("2")  # a blank last page still begins somewhere
    text, structure = builder.build()
    assert text == "Preface\n\nFirst words.\n\nChapter\n1\n\nMore.\n"
    chapter = text.index("Chapter")
    assert structure == (
        StructureMark(0, PAGE, "i"),
        StructureMark(0, HEADING, "Preface", 1),
        StructureMark(chapter, PAGE, "1"),
        StructureMark(chapter, HEADING, "Chapter 1", 2),
        StructureMark(len(text), PAGE, "2"),
    )


def test_an_empty_document_is_empty() -> None:
    assert TextBuilder().build() == ("", ())
