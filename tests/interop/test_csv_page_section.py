"""The CSV export's `page` and `section` columns, and imports of files without them."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from reader.core.store import AnnotationStore
from reader.formats.cached import extraction_cache_for, load_for_database
from reader.interop.csv_format import COLUMNS, export_csv, import_csv

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"


def two_page_pdf(first: str, second: str) -> bytes:
    """A PDF of two pages printed as "iv" and "v" (a preface's numbering)."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    for line in (first, second):
        page = writer.add_blank_page(612, 792)
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 11 Tf 72 740 Td ({line}) Tj ET".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    writer.set_page_label(0, 1, style="/r", start=4)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def code(store: AnnotationStore, db: Path, path: Path, quote: str) -> None:
    loaded = load_for_database(path, db)
    document = store.register_document(
        path=loaded.path, text=loaded.text, title=loaded.title, size=loaded.size,
        encoding=loaded.encoding, sha256=loaded.sha256, format=loaded.format,
    ).document
    start = loaded.text.index(quote)
    store.add_annotation(document.id, loaded.text, start, start + len(quote), memo="coded")


def exported_rows(store: AnnotationStore) -> list[dict[str, str]]:
    out = io.StringIO()
    export_csv(store, out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_page_and_section_are_the_last_two_columns() -> None:
    assert COLUMNS[-2:] == ("page", "section")


def test_a_pdf_passage_has_its_printed_page_and_a_word_passage_its_heading_path(
    tmp_path: Path,
) -> None:
    db = tmp_path / "annotations.json"
    store = AnnotationStore(db, annotator="tester")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(two_page_pdf("Families waited at the border.", "Nobody answered them."))
    docx = tmp_path / "report.docx"
    shutil.copy(FIXTURES / "report.docx", docx)
    code(store, db, pdf, "Nobody answered")
    code(store, db, docx, "They returned in spring")
    rows = {row["content"]: row for row in exported_rows(store)}
    assert (rows["Nobody answered"]["page"], rows["Nobody answered"]["section"]) == ("v", "")
    spring = rows["They returned in spring"]
    assert (spring["page"], spring["section"]) == ("", "Chapter 2 > Returns")


def test_a_passage_whose_file_is_gone_keeps_its_page_from_the_kept_structure(
    tmp_path: Path,
) -> None:
    db = tmp_path / "annotations.json"
    store = AnnotationStore(db, annotator="tester")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(two_page_pdf("Families waited at the border.", "Nobody answered them."))
    code(store, db, pdf, "Nobody answered")
    pdf.unlink()
    (row,) = exported_rows(store)
    assert row["page"] == "v" and row["line"] == ""  # the line needs the text; the page not


def test_a_csv_without_page_and_section_imports_as_before(tmp_path: Path) -> None:
    db = tmp_path / "annotations.json"
    store = AnnotationStore(db, annotator="tester")
    docx = tmp_path / "report.docx"
    shutil.copy(FIXTURES / "report.docx", docx)
    code(store, db, docx, "They returned in spring")
    full = io.StringIO()
    export_csv(store, full)
    table = list(csv.reader(io.StringIO(full.getvalue())))
    old = tmp_path / "old.csv"
    with old.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(row[:-2] for row in table)
    assert table[0][-2:] == ["page", "section"] and "page" not in old.read_text().splitlines()[0]
    fresh = AnnotationStore(tmp_path / "fresh.json", annotator="tester")
    report = import_csv(fresh, old)
    assert report.added == 1
    (document,) = fresh.documents()  # registered as an open would: extraction recorded
    assert document.extractor.startswith("docx: mammoth ") and document.source_sha256
    (row,) = exported_rows(fresh)
    assert row["section"] == "Chapter 2 > Returns"  # found again from the file


def test_the_structure_is_kept_beside_the_database(tmp_path: Path) -> None:
    db = tmp_path / "annotations.json"
    docx = tmp_path / "report.docx"
    shutil.copy(FIXTURES / "report.docx", docx)
    loaded = load_for_database(docx, db)
    assert extraction_cache_for(db).structure(loaded.sha256) == loaded.structure
    assert extraction_cache_for(db).folder == tmp_path / "annotations.extracted"
