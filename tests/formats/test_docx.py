"""Word documents: text, headings, titles, tracked changes, Arabic, and unsafe or broken files."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from reader.core.structure import section_at
from reader.formats.base import DocumentError, load_document

FIXTURES = Path(__file__).parent / "fixtures"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def make_docx(body: str, *, prologue: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Word package whose body is `body` (WordprocessingML paragraphs)."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prologue}'
        f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", RELS)
        package.writestr("word/document.xml", document)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def load_error(path: Path) -> str:
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


TRACKED = (
    '<w:p><w:r><w:t xml:space="preserve">The family </w:t></w:r>'
    '<w:ins w:id="1" w:author="Editor" w:date="2024-01-01T00:00:00Z">'
    '<w:r><w:t xml:space="preserve">finally </w:t></w:r></w:ins>'
    '<w:del w:id="2" w:author="Editor" w:date="2024-01-01T00:00:00Z">'
    '<w:r><w:delText xml:space="preserve">never </w:delText></w:r></w:del>'
    "<w:r><w:t>returned.</w:t></w:r></w:p>"
)


def test_tracked_insertions_are_kept_and_deletions_dropped(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "tracked.docx", make_docx(TRACKED)))
    assert document.text == "The family finally returned.\n"
    assert document.format == "docx"


def test_a_libreoffice_document_gives_paragraphs_headings_and_its_title() -> None:
    document = load_document(FIXTURES / "report.docx")
    assert document.title == "Witness statement"  # docProps/core.xml, not the first line
    assert document.text.startswith("Chapter 1\n\nThe first chapter's only paragraph")
    assert "They returned in spring, when the river was high." in document.text
    text = document.text
    assert section_at(document.structure, text.index("They returned")) == "Chapter 2 > Returns"
    assert section_at(document.structure, text.index("عاد")) == "Chapter 2 > العودة"
    assert section_at(document.structure, text.index("The first")) == "Chapter 1"


def test_arabic_in_logical_order() -> None:
    document = load_document(FIXTURES / "arabic.docx")
    assert document.title == "تقرير"
    assert "عاد اللاجئون إلى ديارهم بعد سنوات طويلة من الغياب" in document.text
    assert [mark.label for mark in document.structure] == ["العودة إلى الديار"]


def test_without_a_title_property_the_first_line_is_the_title(tmp_path: Path) -> None:
    body = "<w:p><w:r><w:t>Opening words</w:t></w:r></w:p>"
    assert load_document(write(tmp_path, "a.docx", make_docx(body))).title == "Opening words"


def test_a_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "statement.docx", b"{\\rtf1 an RTF renamed}"))
    assert "not a Word document" in message and "not a zip" in message


def test_a_truncated_docx(tmp_path: Path) -> None:
    data = make_docx(TRACKED)
    assert "Word document" in load_error(write(tmp_path, "cut.docx", data[: len(data) // 2]))


def test_a_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("hello.txt", "hi")
    assert "not a Word document" in load_error(write(tmp_path, "x.docx", buffer.getvalue()))


def test_a_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("word/document.xml", b" " * (300 << 20))  # 300 MB of spaces
    path = write(tmp_path, "bomb.docx", buffer.getvalue())
    assert path.stat().st_size < 1 << 20
    started = time.monotonic()
    assert "zip bomb" in load_error(path)
    assert time.monotonic() - started < 1


def test_xml_entities_are_never_expanded(tmp_path: Path) -> None:
    laughs = (
        '<!DOCTYPE w:document [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
                  for i in range(1, 10))
        + "]>"
    )
    body = "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"
    message = load_error(write(tmp_path, "laughs.docx", make_docx(body, prologue=laughs)))
    assert "entities" in message


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", b"TOP SECRET")
    prologue = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    body = "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>"
    message = load_error(write(tmp_path, "xxe.docx", make_docx(body, prologue=prologue)))
    assert "TOP SECRET" not in message


FOOTNOTES = (
    f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="{W}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:t>Figures from the office.</w:t></w:r></w:p>'
    "</w:footnote></w:footnotes>"
)
DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/footnotes" Target="footnotes.xml"/></Relationships>'
)


def test_footnotes_follow_the_text_with_their_number(tmp_path: Path) -> None:
    body = (
        '<w:p><w:r><w:t>The families returned</w:t></w:r><w:r><w:footnoteReference w:id="1"/>'
        '</w:r><w:r><w:t xml:space="preserve"> in spring.</w:t></w:r></w:p>'
    )
    extra = {"word/footnotes.xml": FOOTNOTES.encode(),
             "word/_rels/document.xml.rels": DOCUMENT_RELS.encode()}
    document = load_document(write(tmp_path, "n.docx", make_docx(body, extra=extra)))
    assert document.text == (
        "The families returned[1] in spring.\n\n[1] Figures from the office.\n"
    )
