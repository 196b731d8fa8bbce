"""EPUB e-books: chapters in spine order, headings, the title, and broken books."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from reader.core.structure import section_at
from reader.formats.base import DocumentError, load_document

FIXTURES = Path(__file__).parent / "fixtures"

CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def chapter(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
        '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>ignored</title>'
        f"<style>p {{ color: red }}</style></head><body>{body}</body></html>"
    )


def make_epub(chapters: dict[str, str], spine: list[str], title: str = "The Return") -> bytes:
    manifest = "".join(
        f'<item id="{name}" href="text/{name}.xhtml" media-type="application/xhtml+xml"/>'
        for name in chapters
    )
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title></metadata><manifest>{manifest}"
        '<item id="css" href="style.css" media-type="text/css"/></manifest><spine>'
        + "".join(f'<itemref idref="{name}"/>' for name in spine)
        + "</spine></package>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/epub+zip")
        package.writestr("META-INF/container.xml", CONTAINER)
        package.writestr("OEBPS/book.opf", opf)
        package.writestr("OEBPS/style.css", "p {}")
        for name, body in chapters.items():
            package.writestr(f"OEBPS/text/{name}.xhtml", chapter(body))
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


BOOK = {
    # Stored (and listed) out of reading order: the spine decides.
    "two": "<h1>Chapter 2</h1><h2>Returns</h2><p>They came&nbsp;back in <em>spring</em>.</p>",
    "one": "<h1>Chapter 1</h1><p>It began in\n   winter.</p><script>alert(1)</script>",
    "three": '<h1 dir="rtl">العودة</h1><p>عاد اللاجئون إلى ديارهم.</p>',
}


def test_chapters_come_in_spine_order_with_headings_and_the_title(tmp_path: Path) -> None:
    data = make_epub(BOOK, spine=["one", "two", "three"])
    document = load_document(write(tmp_path, "book.epub", data))
    assert document.title == "The Return"
    assert document.format == "epub"
    assert document.text.startswith("Chapter 1\n\nIt began in winter.\n\nChapter 2\n\nReturns")
    assert "They came\u00a0back in spring." in document.text  # &nbsp;, an HTML entity
    assert "alert" not in document.text and "ignored" not in document.text
    text = document.text
    assert section_at(document.structure, text.index("They came")) == "Chapter 2 > Returns"
    assert section_at(document.structure, text.index("عاد")) == "العودة"
    assert text.index("It began") < text.index("They came") < text.index("عاد اللاجئون")


def test_a_libreoffice_epub_reads() -> None:
    document = load_document(FIXTURES / "report.epub")
    assert document.title == "Witness statement"
    assert "They returned in spring, when the river was high." in document.text
    assert "عاد اللاجئون إلى ديارهم بعد سنوات طويلة من الغياب." in document.text


def test_a_spine_naming_a_missing_chapter_is_one_line(tmp_path: Path) -> None:
    whole = zipfile.ZipFile(io.BytesIO(make_epub(BOOK, spine=["one", "two"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for member in whole.infolist():
            if member.filename != "OEBPS/text/two.xhtml":
                package.writestr(member, whole.read(member))
    path = write(tmp_path, "gone.epub", buffer.getvalue())
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "is not an EPUB e-book" in str(caught.value) and "two.xhtml" in str(caught.value)


def test_a_zip_without_a_container_is_not_an_epub(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<x/>")
    path = write(tmp_path, "x.epub", buffer.getvalue())
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "is not an EPUB e-book" in str(caught.value) and "\n" not in str(caught.value)
