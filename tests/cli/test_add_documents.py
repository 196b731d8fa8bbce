"""`reader add` on real documents: quotes copied across line breaks, PDF/Word files, bad files."""

from __future__ import annotations

from pathlib import Path

from reader.core.store import AnnotationStore

FIXTURES = Path(__file__).parent.parent / "formats" / "fixtures"


def test_a_quote_wrapped_differently_is_found(run, tmp_path: Path, db_path: Path) -> None:
    doc = tmp_path / "wrapped.txt"
    doc.write_text("Title\n\nThe old market had\nbeen rebuilt by then.\n", encoding="utf-8")
    status, out, err = run("add", str(doc), "--tag", "rebuilding",
                           "--quote", "market had been\n  rebuilt")
    assert status == 0, err
    (annotation,) = AnnotationStore(db_path).annotations()
    text = doc.read_text(encoding="utf-8")
    assert text[annotation.start : annotation.end] == "market had\nbeen rebuilt"


def test_a_passage_of_a_web_page_is_coded(run, db_path: Path) -> None:
    status, out, err = run("add", str(FIXTURES / "press-release.html"), "--tag", "returns",
                           "--quote", "said one returning father")
    assert status == 0, err
    assert "'Families return to Mosul'" in out


def test_a_broken_word_document_is_one_line(run, tmp_path: Path) -> None:
    path = tmp_path / "statement.docx"
    path.write_bytes(b"not a zip at all")
    status, out, err = run("add", str(path), "--tag", "x", "--quote", "not")
    assert status != 0
    assert err.count("\n") == 1 and "is not a Word document" in err
