"""RTF documents: paragraphs, code pages, Unicode escapes, the \\info title, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.formats.base import DocumentError, load_document

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_libreoffice_rtf_gives_paragraphs_arabic_and_its_title() -> None:
    document = load_document(FIXTURES / "report.rtf")
    assert document.format == "rtf"
    assert document.title == "Witness statement"
    assert document.text.startswith("Chapter 1\n\nThe first chapter's only paragraph")
    assert "They returned in spring, when the river was high." in document.text
    assert "عاد اللاجئون إلى ديارهم بعد سنوات طويلة من الغياب." in document.text


def test_code_page_and_unicode_escapes(tmp_path: Path) -> None:
    source = (
        rb"{\rtf1\ansi\ansicpg1252{\info{\title Caf\'e9 notes}}"
        rb"Caf\'e9 au lait\par \u1593?\u1575?\u1583? home\par}"
    )
    document = load_document(write(tmp_path, "n.rtf", source))
    assert document.text == "Café au lait\n\nعاد home\n"
    assert document.title == "Café notes"


def test_a_file_named_rtf_that_is_not_rtf(tmp_path: Path) -> None:
    path = write(tmp_path, "x.rtf", b"PK\x03\x04 a zip")
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "is not an RTF document" in str(caught.value) and "\n" not in str(caught.value)
