"""OpenDocument text: paragraphs, headings (by element and by style), tracked changes, title."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from reader.core.structure import section_at
from reader.formats.base import DocumentError, load_document

FIXTURES = Path(__file__).parent / "fixtures"

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)


def make_odt(body: str, *, title: str | None = None, prologue: str = "") -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prologue}'
        f"<office:document-content {NAMESPACES}><office:body><office:text>{body}"
        "</office:text></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", content)
        if title is not None:
            package.writestr(
                "meta.xml",
                f"<office:document-meta {NAMESPACES}><office:meta><dc:title>{title}</dc:title>"
                "</office:meta></office:document-meta>",
            )
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_libreoffice_document_gives_paragraphs_headings_and_its_title() -> None:
    document = load_document(FIXTURES / "report.odt")
    assert document.title == "Witness statement"
    assert document.format == "odt"
    text = document.text
    assert text.startswith("Chapter 1\n\nThe first chapter's only paragraph")
    # "Chapter 2" is a text:p in the style "Heading 1": a heading all the same.
    assert section_at(document.structure, text.index("They returned")) == "Chapter 2 > Returns"
    assert section_at(document.structure, text.index("عاد")) == "Chapter 2 > العودة"


def test_arabic_in_logical_order() -> None:
    document = load_document(FIXTURES / "arabic.odt")
    assert "عاد اللاجئون إلى ديارهم بعد سنوات طويلة من الغياب" in document.text


def test_tracked_deletions_are_dropped_and_insertions_kept(tmp_path: Path) -> None:
    body = (
        "<text:tracked-changes><text:changed-region text:id=\"c1\"><text:deletion>"
        "<text:p>never</text:p></text:deletion></text:changed-region>"
        "<text:changed-region text:id=\"c2\"><text:insertion/></text:changed-region>"
        "</text:tracked-changes>"
        '<text:h text:outline-level="1">Returns</text:h>'
        '<text:p>The family <text:change text:change-id="c1"/><text:change-start '
        'text:change-id="c2"/>finally<text:change-end text:change-id="c2"/> returned,'
        "<text:s text:c=\"3\"/>line<text:line-break/>two.</text:p>"
    )
    document = load_document(write(tmp_path, "t.odt", make_odt(body, title="Statement")))
    assert document.text == "Returns\n\nThe family finally returned, line\ntwo.\n"
    assert document.title == "Statement"
    assert [(mark.label, mark.level) for mark in document.structure] == [("Returns", 1)]


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", b"TOP SECRET")
    prologue = f'<!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    data = make_odt("<text:p>before &xxe; after</text:p>", prologue=prologue)
    document = load_document(write(tmp_path, "x.odt", data))
    assert "TOP SECRET" not in document.text
    assert "before" in document.text


def test_an_odt_that_is_not_a_zip_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x.odt", b"<html>not an odt</html>")
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "is not an OpenDocument text" in str(caught.value)
    assert "zip package" in str(caught.value) and "\n" not in str(caught.value)


def test_a_footnote_follows_the_text_instead_of_splitting_its_sentence(tmp_path: Path) -> None:
    body = (
        "<text:p>The families returned<text:note text:note-class=\"footnote\">"
        "<text:note-citation>1</text:note-citation><text:note-body>"
        "<text:p>Figures from the coordination office.</text:p></text:note-body></text:note>"
        " in spring.</text:p><text:p>Next paragraph.</text:p>"
    )
    document = load_document(write(tmp_path, "n.odt", make_odt(body)))
    assert document.text == (
        "The families returned[1] in spring.\n\nNext paragraph.\n\n"
        "[1] Figures from the coordination office.\n"
    )
