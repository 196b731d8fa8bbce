"""Real documents on the command line: extraction once, what the document records, renaming."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

from reader.core.hashing import text_sha256
from reader.core.store import AnnotationStore
from reader.formats import cached, isolated
from reader.formats.base import LoadedDocument

FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"


@pytest.fixture
def docx(tmp_path: Path) -> Path:
    path = tmp_path / "report.docx"
    shutil.copy(FIXTURES / "report.docx", path)
    return path


def test_add_records_the_source_and_extractor_and_extracts_only_once(
    run, docx: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run("add", str(docx), "--tag", "returns", "--quote", "They returned")
    assert status == 0, err
    (document,) = AnnotationStore(db_path).documents()
    assert document.source_sha256 == hashlib.sha256(docx.read_bytes()).hexdigest()
    assert document.extractor.startswith("docx: mammoth ") and document.format == "docx"
    assert (db_path.parent / f"{db_path.stem}.extracted" / "texts").is_dir()

    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("extracted again")

    monkeypatch.setattr(isolated, "extract_isolated", no_extraction)
    status, _, err = run("add", str(docx), "--tag", "returns", "--quote", "river was high")
    assert status == 0, err
    assert run("docs")[1].splitlines()[1].split("\t")[3] == "ok"


def test_a_newer_extractor_with_another_text_makes_a_new_version_and_passages_follow(
    run, docx: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("add", str(docx), "--tag", "returns", "--quote",
               "They returned in spring, when the river was high.")[0] == 0
    real_extract = isolated.extract_isolated

    def rewrapping(path: Path, **kwargs: object) -> LoadedDocument:
        old = real_extract(path, **kwargs)  # type: ignore[arg-type]
        text = old.text.replace("spring, when", "spring,\nwhen").replace("Chapter 1", "Part 1")
        return dataclasses.replace(old, text=text, sha256=text_sha256(text),
                                   extractor="docx: mammoth 99; reader 9")

    monkeypatch.setattr(cached, "extractor_version", lambda name: "docx: mammoth 99; reader 9")
    monkeypatch.setattr(isolated, "extract_isolated", rewrapping)
    status, out, err = run("add", str(docx), "--tag", "chapters", "--quote", "Part 1")
    assert status == 0, err
    store = AnnotationStore(db_path)
    (document,) = store.documents()
    assert document.version == 2 and document.extractor == "docx: mammoth 99; reader 9"
    spring = next(a for a in store.annotations() if a.quote.startswith("They returned"))
    assert not spring.needs_reanchor
    assert spring.quote == "They returned in spring,\nwhen the river was high."


def test_docs_rename_gives_a_title_that_stays_and_can_be_undone(
    run, docx: Path, db_path: Path
) -> None:
    run("add", str(docx), "--tag", "returns", "--quote", "They returned")
    status, out, _ = run("docs", "rename", "Witness statement", "Statement of A., 2019")
    assert status == 0 and "'Statement of A., 2019'" in out
    assert AnnotationStore(db_path).documents()[0].title == "Statement of A., 2019"
    status, _, err = run("docs", "rename", "Statement of A., 2019", "  \x1b[2J ")
    assert status == 1 and err == "reader: error: the new title is empty\n"
    assert run("undo")[0] == 0
    assert AnnotationStore(db_path).documents()[0].title == "Witness statement"


def test_a_renamed_document_keeps_its_title_in_a_new_version(run, tmp_path: Path,
                                                              db_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Interview notes\n\nThey returned in spring.\n")
    run("add", str(notes), "--tag", "returns", "--quote", "They returned")
    assert run("docs", "rename", "Interview notes", "Interview with B.")[0] == 0
    notes.write_text("Interview notes, revised\n\nThey returned in spring.\n")
    assert run("add", str(notes), "--memo", "again", "--quote", "in spring")[0] == 0
    (document,) = AnnotationStore(db_path).documents()
    assert (document.title, document.version) == ("Interview with B.", 2)
