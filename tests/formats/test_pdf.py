"""PDF loading: paragraphs, hyphenation, running headers, page labels, titles, bad PDFs."""

from __future__ import annotations

import io
import time
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    StreamObject,
)

from reader.core.structure import PAGE, page_at, section_at
from reader.formats.base import DocumentError, load_document
from reader.formats.pdf import drop_running_lines, join_pages

FIXTURES = Path(__file__).parent / "fixtures"


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(
    pages: list[list[str]],
    *,
    title: str | None = None,
    roman_pages: int = 0,
    user_password: str | None = None,
    outline: tuple[tuple[str, int, int], ...] = (),
) -> bytes:
    """A PDF whose pages show `pages` line by line in Helvetica, like a word processor's."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        operators = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
        operators += [f"({_escape(line)}) Tj T*" for line in lines]
        operators.append("ET")
        content = DecodedStreamObject()
        content.set_data("\n".join(operators).encode("cp1252"))
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    if roman_pages:
        writer.set_page_label(0, roman_pages - 1, style="/r")
        writer.set_page_label(roman_pages, len(pages) - 1, style="/D", start=1)
    parents: dict[int, object] = {}
    for heading, page_index, level in outline:  # level 1 is the top
        parents[level] = writer.add_outline_item(
            title=heading, page_number=page_index, parent=parents.get(level - 1)
        )
    if title is not None:
        writer.add_metadata({"/Title": title})
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


FULL = "x" * 60  # a line as wide as the page, for the width heuristics

REPORT = [
    [
        "Annual Report 2024",
        "Returns to the city",
        "The families who came back in the spring found that the old market had been re-",
        "built, and that most of the houses on the river side of the town were occupied by",
        "people they did not know.",
        "A second paragraph begins here and runs on for a while until the bottom of the con-",
        "1",
    ],
    [
        "Annual Report 2024",
        "tinued page, where it ends at last after a long and winding sentence about the",
        "weather.",
        "2",
    ],
    [
        "Annual Report 2024",
        "Short closing words.",
        "3",
    ],
]


def test_paragraph_lines_join_and_hyphens_rejoin_across_a_page_break(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "report.pdf", make_pdf(REPORT)))
    paragraphs = document.text.rstrip("\n").split("\n\n")
    assert paragraphs[0] == "Returns to the city"
    assert paragraphs[1].startswith("The families who came back in the spring found that the old")
    assert "had been rebuilt, and that" in paragraphs[1]
    assert paragraphs[1].endswith("people they did not know.")
    assert "bottom of the continued page, where it ends" in paragraphs[2]
    assert paragraphs[3] == "Short closing words."
    assert len(paragraphs) == 4
    assert document.format == "pdf"


def test_running_headers_and_page_numbers_are_dropped(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "report.pdf", make_pdf(REPORT)))
    assert "Annual Report" not in document.text
    assert "\n1\n" not in document.text and not document.text.rstrip().endswith("3")


def test_pages_are_marked_where_their_text_begins(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "report.pdf", make_pdf(REPORT)))
    pages = [mark for mark in document.structure if mark.kind == PAGE]
    assert [mark.label for mark in pages] == ["1", "2", "3"]
    text = document.text
    assert page_at(document.structure, text.index("Returns")) == "1"
    # "continued" was hyphenated over the break: "tinued" is the first text of page 2.
    assert page_at(document.structure, text.index("con") + 1) == "1"
    assert text[pages[1].offset :].startswith("tinued page")
    assert page_at(document.structure, text.index("weather")) == "2"
    assert page_at(document.structure, text.index("Short closing")) == "3"


def test_printed_page_labels_name_the_pages(tmp_path: Path) -> None:
    pages = [["Preface words on the first page."], ["More preface."], ["Chapter one text."]]
    data = make_pdf(pages, roman_pages=2)
    document = load_document(write(tmp_path, "book.pdf", data))
    assert [mark.label for mark in document.structure] == ["i", "ii", "1"]
    assert page_at(document.structure, document.text.index("Chapter one")) == "1"
    assert page_at(document.structure, document.text.index("More")) == "ii"


def test_bookmarks_become_headings_where_their_title_is_on_the_page(tmp_path: Path) -> None:
    pages = [
        ["Chapter 2", "Opening words of the chapter."],
        ["Some words before.", "Returns and", "departures", "Words about returns."],
    ]
    outline = (("Chapter 2", 0, 1), ("Returns and departures", 1, 2), ("Missing", 1, 2))
    document = load_document(write(tmp_path, "b.pdf", make_pdf(pages, outline=outline)))
    text = document.text
    headings = [mark for mark in document.structure if mark.kind == "heading"]
    assert [(mark.label, mark.level) for mark in headings] == [
        ("Chapter 2", 1), ("Missing", 2), ("Returns and departures", 2)
    ]
    assert headings[0].offset == text.index("Chapter 2")
    # Found across the line break the PDF had; a title not on its page marks the page's start.
    assert text[headings[2].offset :].split()[:3] == ["Returns", "and", "departures"]
    assert headings[1].offset == text.index("Some words before.")
    assert section_at(document.structure, text.index("Words about")) == (
        "Chapter 2 > Returns and departures"
    )


def test_the_metadata_title_is_the_title(tmp_path: Path) -> None:
    data = make_pdf([["First line of the body."]], title="Field report: Mosul")
    assert load_document(write(tmp_path, "r.pdf", data)).title == "Field report: Mosul"
    data = make_pdf([["First line of the body."]])
    assert load_document(write(tmp_path, "s.pdf", data)).title == "First line of the body."


def test_arabic_comes_in_logical_order_with_its_ligatures(tmp_path: Path) -> None:
    document = load_document(FIXTURES / "arabic.pdf")  # LibreOffice from arabic.odt
    assert document.title == "تقرير"
    assert "عاد اللاجئون إلى ديارهم بعد سنوات طويلة من الغياب" in document.text
    assert "لا أعرف هذا الشارع" in document.text  # lam-alef ligatures read as two letters


def test_a_pdf_without_a_text_layer_needs_ocr(tmp_path: Path) -> None:
    path = write(tmp_path, "scan.pdf", make_pdf([[], []]))
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert "no text layer" in message and "ocrmypdf" in message


def test_an_encrypted_pdf_with_an_empty_user_password_opens(tmp_path: Path) -> None:
    data = make_pdf([["Readable words behind an owner password."]], user_password="")
    document = load_document(write(tmp_path, "locked.pdf", data))
    assert "Readable words" in document.text


def test_an_encrypted_pdf_with_a_password_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.pdf", make_pdf([["Secret."]], user_password="s3cret"))
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "encrypted with a password" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not a pdf at all", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", b"%PDF-1.4\n"],
    ids=["not-a-pdf", "truncated", "header-only"],
)
def test_a_broken_or_mislabelled_pdf_is_one_line(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "broken.pdf", data)
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def _pdf_with_content(data: bytes, *, filter_name: str | None = None) -> bytes:
    """A one-page PDF (with a font, so text extraction reads it) whose content stream holds
    `data` as it is, compressed by `filter_name` if given."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = StreamObject()
    stream._data = data
    if filter_name is not None:
        stream[NameObject("/Filter")] = NameObject(filter_name)
    page[NameObject("/Contents")] = ArrayObject([writer._add_object(stream)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_page_of_millions_of_operators_is_refused_quickly(tmp_path: Path) -> None:
    content = b"BT /F1 11 Tf " + b"(a) Tj 0 0 Td " * 3_000_000 + b"ET"
    data = _pdf_with_content(zlib.compress(content, 9), filter_name="/FlateDecode")
    path = write(tmp_path, "dense.pdf", data)
    started = time.monotonic()
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "too complex" in str(caught.value) and "page 1" in str(caught.value)
    assert time.monotonic() - started < 20  # pypdf's parsing budget, not the whole stream


def test_a_decompression_bomb_is_refused(tmp_path: Path) -> None:
    # 1 GB of spaces deflate to about 1 MB; pypdf stops inflating at its output limit.
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    bomb = b"".join(compressor.compress(chunk) for _ in range(1024)) + compressor.flush()
    path = write(tmp_path, "bomb.pdf", _pdf_with_content(bomb, filter_name="/FlateDecode"))
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert "\n" not in str(caught.value) and "too complex" in str(caught.value)


def test_drop_running_lines_keeps_a_line_that_is_only_on_some_pages() -> None:
    pages = [["Head", "one", "1"], ["Head", "two", "2"], ["Other", "three", "- 3 -"],
             ["Head", "four", "Page 4 of 4"]]
    kept = drop_running_lines(pages, ["1", "2", "3", "4"])
    assert kept == [["one"], ["two"], ["Other", "three"], ["four"]]


def test_a_numbered_chapter_header_is_dropped_though_it_runs_on_few_pages() -> None:
    # Chapter 1 on pages 1-2 of 12, chapter 2 on pages 3-4, chapter 3 after.
    words = "one two three four five six seven eight nine ten eleven twelve".split()
    chapters = [1, 1, 2, 2] + [3] * 8
    pages = [
        [f"Chapter {chapter}: Title {n + 1}", f"Body {word}", f"Table 3 shows {word}"]
        for n, (chapter, word) in enumerate(zip(chapters, words, strict=True))
    ]
    kept = drop_running_lines(pages, [str(n + 1) for n in range(12)])
    # "Table 3" holds page 3's number on page 3 only: it stays there.
    assert kept == [[f"Body {word}", f"Table 3 shows {word}"] for word in words]


def test_a_short_line_after_a_full_sentence_is_a_heading_not_more_of_the_paragraph() -> None:
    lines = [
        FULL,
        "x" * 58 + ".",  # ends a sentence at the margin
        "4.2 Process",
        FULL,
        "y" * 30 + ".",
    ]
    text, _ = join_pages([lines], ["1"])
    assert text.split("\n\n")[1] == "4.2 Process"


def test_table_of_contents_entries_stay_apart() -> None:
    lines = [
        "1 Scope " + "." * 60 + " 6",
        "2 Normative references " + "." * 45 + " 6",
        "3 Terms and definitions " + "." * 44 + " 7",
    ]
    text, _ = join_pages([lines], ["1"])
    assert text.count("\n\n") == 2


def test_join_pages_keeps_a_hyphen_before_a_capital() -> None:
    text, _ = join_pages([[FULL, "talks with Jean-", "Pierre went on."]], ["1"])
    assert "Jean-Pierre went on." in text
