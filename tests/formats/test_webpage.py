"""Web pages: the article without navigation, banners or footers; titles; headings; charsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.structure import section_at
from reader.formats.base import DocumentError, load_document

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_press_release_is_reduced_to_its_article() -> None:
    document = load_document(FIXTURES / "press-release.html")
    text = document.text
    assert document.format == "html"
    assert document.title == "Families return to Mosul"
    assert text.startswith("Families return to Mosul\n\nMore than two thousand families")
    assert '"We did not recognise the street," said one returning father' in text
    for boilerplate in ("cookies", "About us", "Related stories", "Sinjar", "All rights",
                        "Privacy", "tracking", "font-family"):
        assert boilerplate not in text
    assert section_at(document.structure, text.index("Local authorities")) == (
        "Families return to Mosul > Returns"
    )
    assert section_at(document.structure, text.index("عاد أكثر")) == (
        "Families return to Mosul > العودة"
    )


def test_a_page_with_no_article_falls_back_to_its_body_text(tmp_path: Path) -> None:
    page = (
        b"<html><head><title>Short note</title></head><body>"
        b"<h1>Note</h1><p>Back soon.</p><p>Line one<br>line two</p></body></html>"
    )
    document = load_document(write(tmp_path, "note.htm", page))
    assert document.text == "Note\n\nBack soon.\n\nLine one\nline two\n"
    assert document.title == "Short note"
    assert [mark.label for mark in document.structure] == ["Note"]


def test_the_declared_charset_is_used(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
        "<title>العودة</title></head><body><p>عاد اللاجئون إلى ديارهم.</p></body></html>"
    ).encode("cp1256")
    document = load_document(write(tmp_path, "ar.html", page))
    assert "عاد اللاجئون إلى ديارهم." in document.text
    assert document.title == "العودة"
    assert document.encoding == "cp1256"


def test_an_undeclared_utf8_page_reads_as_utf8(tmp_path: Path) -> None:
    page = "<p>Ça a été difficile — عاد</p>".encode()
    assert "Ça a été difficile — عاد" in load_document(write(tmp_path, "u.html", page)).text


@pytest.mark.parametrize("data", [b"", b"   \n", b"<html><body><script>x()</script></body></html>"])
def test_a_page_with_no_text_is_one_line(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "empty.html", data)
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_a_binary_file_named_html_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "photo.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "binary" in str(caught.value)


def test_no_date_is_looked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    # htmldate's dateparser took seconds on some pages, and a reader needs no date.
    import trafilatura.metadata

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("looked for a date")

    monkeypatch.setattr(trafilatura.metadata, "find_date", refuse)
    assert load_document(FIXTURES / "press-release.html").title == "Families return to Mosul"
