"""Markdown headings in the structure map, as load_document gives them."""

from __future__ import annotations

from pathlib import Path

from reader.core.structure import HEADING, section_at
from reader.formats.base import load_document
from reader.formats.markdown import markdown_headings

SOURCE = """---
title: Notes
# not a heading: front matter
---
# Chapter 1

Text of chapter one.

## Arrivals
```
# a comment in code, not a heading
```
Arrivals text.

Chapter 2
=========

Returns
-------

عاد اللاجئون إلى ديارهم.

## العودة ##

Last words.
"""


def test_markdown_headings_with_levels_and_offsets() -> None:
    marks = markdown_headings(SOURCE)
    assert [(mark.label, mark.level) for mark in marks] == [
        ("Chapter 1", 1), ("Arrivals", 2), ("Chapter 2", 1), ("Returns", 2), ("العودة", 2)
    ]
    assert all(mark.kind == HEADING for mark in marks)
    for mark in marks:
        assert SOURCE[mark.offset:].lstrip("# ").startswith(mark.label)


def test_load_document_gives_markdown_structure(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(SOURCE.replace("\n", "\r\n").encode("utf-8"))
    document = load_document(path)
    assert document.structure == markdown_headings(document.text)
    assert section_at(document.structure, document.text.index("Arrivals text")) == (
        "Chapter 1 > Arrivals"
    )
    assert section_at(document.structure, document.text.index("عاد")) == "Chapter 2 > Returns"
    assert section_at(document.structure, document.text.index("Last")) == "Chapter 2 > العودة"


def test_a_thematic_break_after_a_blank_line_is_not_a_heading() -> None:
    assert markdown_headings("Text\n\n---\n\nMore\n") == ()
    assert markdown_headings("#hashtag is not a heading\n") == ()


def test_plain_text_has_no_structure(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("# not markdown\n", encoding="utf-8")
    assert load_document(path).structure == ()
