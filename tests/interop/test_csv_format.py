"""CSV export and import: golden files, round trips, spreadsheet edits, atomicity, pandas."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.core.anchors import make_anchor
from reader.core.models import Annotation, Document
from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.interop.csv_format import (
    COLUMNS,
    CsvFormatError,
    export_csv,
    import_csv,
    unguard_cell,
)

GOLDEN = Path(__file__).parent / "golden"
# Set to regenerate the golden files after a deliberate format change (then read the diff).
UPDATE_GOLDEN = os.environ.get("READER_UPDATE_GOLDEN") == "1"
DOCS = "@DOCS@"  # the golden files' stand-in for the test's document folder

TEXT = (
    "Statement on return\n"
    'The envoy said: "Return must be voluntary, safe and dignified."\n'
    "عودة اللاجئين يجب أن تكون طوعية وآمنة\n"
    "Families of detainees, in Damascus, asked for news.\n"
    "'=HYPERLINK(\"x\") is not a formula here.\n"
)
MISSING_PATH = "/nonexistent/reader-tests/interview.txt"
MISSING_SHA = "ab" * 32
T0, T1, T2 = "2026-01-02T03:04:05Z", "2026-01-03T10:00:00Z", "2026-02-01T12:30:00Z"


def _annotation(
    id: str, document: str, text: str, quote: str, *, tags: tuple[str, ...] = (),
    memo: str = "", annotator: str = "tester", created: str = T0, updated: str = T1,
) -> Annotation:
    start = text.index(quote)
    anchor = make_anchor(text, start, start + len(quote))
    return Annotation(
        id=id, document=document, start=anchor.start, end=anchor.end, quote=anchor.quote,
        prefix=anchor.prefix, suffix=anchor.suffix, tags=tags, memo=memo,
        annotator=annotator, created=created, updated=updated,
    )


def build_store(db_path: Path, docs: Path) -> AnnotationStore:
    """A store whose every exported byte is fixed (ids, times), with the cells the guard is for."""
    docs.mkdir(exist_ok=True)
    statement = docs / "statement.txt"
    statement.write_text(TEXT, encoding="utf-8")
    store = AnnotationStore(db_path, annotator="tester")
    store.update_document(Document(
        id="doc-statement", path=str(statement.resolve()), title="Statement on return",
        size=len(TEXT.encode()), encoding="utf-8",
        sha256=hashlib.sha256(TEXT.encode()).hexdigest(), added=T0, updated=T0,
    ))
    store.update_document(Document(
        id="doc-missing", path=MISSING_PATH, title='Interview, "draft"', size=0,
        encoding="unknown", sha256=MISSING_SHA, added=T0, updated=T0,
    ))
    tags, _ = store.ensure_tags(["refugees", "human rights/detention", "=cmd"])
    refugees, detention, formula = (tag.id for tag in tags)
    for annotation in (
        _annotation("ann-01", "doc-statement", TEXT,
                    "Return must be voluntary, safe and dignified.",
                    tags=(refugees, detention), memo="=SUM(A1)"),
        _annotation("ann-02", "doc-statement", TEXT, "عودة اللاجئين", tags=(refugees,),
                    memo="-", annotator="أحمد", updated=T2),
        _annotation("ann-03", "doc-statement", TEXT, "Families of detainees, in Damascus",
                    tags=(detention, formula),
                    memo='@channel\nsecond line, with "quotes"'),
        _annotation("ann-04", "doc-statement", TEXT, "'=HYPERLINK(\"x\")",
                    memo="\tindented memo, alone"),
        Annotation(id="ann-05", document="doc-missing", start=10, end=19, quote="+44 phone",
                   prefix="call me: ", suffix=" tomorrow", tags=(refugees,),
                   memo="\rstarts with CR", annotator="tester", created=T0, updated=T0),
    ):
        store.put_annotation(annotation)
    return store


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return (tmp_path / "docs").resolve()


@pytest.fixture
def store(db_path: Path, docs: Path) -> AnnotationStore:
    return build_store(db_path, docs)


def fresh_store(tmp_path: Path, name: str = "fresh") -> AnnotationStore:
    return AnnotationStore(tmp_path / name / "annotations.json", annotator="someone else")


def check_golden(name: str, produced: bytes, docs: Path) -> None:
    golden = GOLDEN / name
    portable = produced.replace(str(docs).encode(), DOCS.encode())
    if UPDATE_GOLDEN:
        golden.write_bytes(portable)
    assert portable == golden.read_bytes()


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Save rows as a spreadsheet would (CRLF: Python's csv quotes a lone CR only then)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def summary(store: AnnotationStore) -> list[tuple[str, str, tuple[str, ...], str, bool]]:
    codebook = store.codebook()
    return [
        (a.id, a.quote, tuple(codebook.path(t) for t in a.tags), a.memo, a.needs_reanchor)
        for a in sorted(store.annotations(), key=lambda a: a.id)
    ]


def register(store: AnnotationStore, path: Path) -> Document:
    loaded = load_document(path)
    return store.register_document(
        path=path, text=loaded.text, title=loaded.title, size=loaded.size,
        encoding=loaded.encoding, sha256=loaded.sha256, format=loaded.format,
    ).document


# ---------------------------------------------------------------------------- golden files


@pytest.mark.parametrize(
    ("name", "excel", "guard"),
    [
        ("plain.csv", False, True),
        ("excel.csv", True, True),
        ("raw.csv", False, False),
    ],
)
def test_export_matches_the_golden_file(
    store: AnnotationStore, tmp_path: Path, docs: Path, name: str, excel: bool, guard: bool
) -> None:
    out = tmp_path / name
    count = export_csv(store, out, excel=excel, formula_guard=guard)
    assert count == 7  # ann-01 and ann-03 have two tags, ann-04 a memo only
    check_golden(name, out.read_bytes(), docs)


def test_the_plain_golden_file_reads_as_the_spec_says(store: AnnotationStore, tmp_path: Path,
                                                      docs: Path) -> None:
    out = tmp_path / "plain.csv"
    export_csv(store, out)
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    rows = rows_of(out)
    assert tuple(rows[0]) == COLUMNS
    assert [(r["id"], r["tag"]) for r in rows] == [
        ("ann-05", "refugees"),  # "Interview…" sorts before "Statement…"
        ("ann-01", "refugees"), ("ann-01", "human rights/detention"),
        ("ann-02", "refugees"),
        ("ann-03", "human rights/detention"), ("ann-03", "'=cmd"),
        ("ann-04", ""),
    ]
    first = rows[1]
    assert first["document"] == "Statement on return"
    assert first["content"] == "Return must be voluntary, safe and dignified."
    assert first["tags"] == "refugees; human rights/detention"
    assert first["memo"] == "'=SUM(A1)"
    assert first["line"] == "2" and rows[3]["line"] == "3" and rows[6]["line"] == "5"
    assert first["path"] == str(docs / "statement.txt")
    assert first["sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert TEXT[int(first["start"]):int(first["end"])] == first["content"]
    assert rows[3]["content"] == "عودة اللاجئين" and rows[3]["memo"] == "'-"
    assert rows[3]["annotator"] == "أحمد" and rows[3]["updated"] == T2
    assert rows[4]["memo"] == "'@channel\nsecond line, with \"quotes\""
    assert rows[4]["tags"] == "human rights/detention; =cmd"  # does not start with "="
    assert rows[6]["content"] == "''=HYPERLINK(\"x\")"
    assert rows[6]["memo"] == "'\tindented memo, alone"
    missing = rows[0]
    assert (missing["document"], missing["line"], missing["memo"]) == (
        'Interview, "draft"', "", "'\rstarts with CR")
    assert missing["content"] == "'+44 phone"


def test_excel_adds_a_bom_and_crlf_but_keeps_newlines_inside_cells(
    store: AnnotationStore, tmp_path: Path
) -> None:
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    export_csv(store, plain)
    export_csv(store, excel, excel=True)
    data = excel.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,document,tag,content,tags,memo,start,end,line,")
    assert data.count(b"\r\n") == 8  # the header and seven rows: none inside a cell
    assert b'"\'@channel\nsecond line' in data
    assert data[3:].replace(b"\r\n", b"\n") == plain.read_bytes()


def test_raw_cells_are_written_exactly(store: AnnotationStore, tmp_path: Path) -> None:
    out = tmp_path / "raw.csv"
    export_csv(store, out, formula_guard=False)
    rows = rows_of(out)
    assert rows[1]["memo"] == "=SUM(A1)"
    assert rows[5]["tag"] == "=cmd"
    assert rows[6]["content"] == "'=HYPERLINK(\"x\")"
    assert rows[0]["memo"] == "\rstarts with CR" and rows[0]["content"] == "+44 phone"


def test_export_to_a_stream_writes_the_same_text(store: AnnotationStore, tmp_path: Path) -> None:
    out = tmp_path / "file.csv"
    export_csv(store, out, excel=True)
    stream = io.StringIO(newline="")
    assert export_csv(store, stream, excel=True) == 7
    assert stream.getvalue().encode() == out.read_bytes()


def test_export_replaces_a_file_through_a_temporary_file(store: AnnotationStore,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out" / "export.csv"
    out.parent.mkdir()
    out.write_text("old contents that are longer than nothing\n" * 100)
    export_csv(store, out)
    assert out.read_text(encoding="utf-8").startswith("id,document,")
    assert sorted(p.name for p in out.parent.iterdir()) == ["export.csv"]


def test_export_to_a_folder_is_a_clear_error(store: AnnotationStore, tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="cannot write"):
        export_csv(store, tmp_path)


def test_filters_by_document_and_by_tag_with_its_descendants(store: AnnotationStore,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "filtered.csv"
    assert export_csv(store, out, document_ids=["doc-missing"]) == 1
    assert [r["id"] for r in rows_of(out)] == ["ann-05"]

    parent = store.codebook().find("human rights")
    assert parent is not None
    assert export_csv(store, out, tag_ids=[parent.id]) == 2
    rows = rows_of(out)
    assert [(r["id"], r["tag"]) for r in rows] == [
        ("ann-01", "human rights/detention"), ("ann-03", "human rights/detention")]
    assert rows[0]["tags"] == "refugees; human rights/detention"  # still all of them

    refugees = store.codebook().find("refugees")
    assert refugees is not None
    assert export_csv(store, out, document_ids=["doc-statement"], tag_ids=[refugees.id]) == 2


def test_line_is_empty_when_the_file_changed(store: AnnotationStore, tmp_path: Path,
                                             docs: Path) -> None:
    (docs / "statement.txt").write_text("\n\n\n" + TEXT, encoding="utf-8")
    out = tmp_path / "changed.csv"
    export_csv(store, out)
    assert {r["line"] for r in rows_of(out)} == {""}


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("excel", [False, True])
def test_export_import_export_is_byte_identical(
    store: AnnotationStore, tmp_path: Path, docs: Path, excel: bool
) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    export_csv(store, first, excel=excel)
    fresh = fresh_store(tmp_path)
    report = import_csv(fresh, first)
    assert (report.added, report.updated, report.skipped) == (5, 0, 0)
    assert report.created_tags == ["human rights/detention", "=cmd"]
    assert report.registered_documents == [str(docs / "statement.txt")]
    assert report.missing_documents == {MISSING_PATH: 1}
    assert report.needs_reanchor == []
    export_csv(fresh, second, excel=excel)
    assert second.read_bytes() == first.read_bytes()
    assert summary(fresh) == summary(store)


@pytest.mark.parametrize("name", ["plain.csv", "excel.csv", "raw.csv"])
def test_the_golden_files_import_as_they_always_did(tmp_path: Path, docs: Path,
                                                    name: str) -> None:
    # The golden files are also what earlier versions wrote: users' files must keep importing.
    store = build_store(tmp_path / "db" / "annotations.json", docs)
    source = tmp_path / name
    source.write_bytes((GOLDEN / name).read_bytes().replace(DOCS.encode(), str(docs).encode()))
    before = summary(store)
    report = import_csv(store, source)
    assert (report.added, report.updated, report.skipped) == (0, 0, 5)
    assert summary(store) == before
    fresh = fresh_store(tmp_path)
    assert import_csv(fresh, source).added == 5
    assert summary(fresh) == before


def test_tag_names_containing_semicolons_round_trip(tmp_path: Path, docs: Path) -> None:
    store = build_store(tmp_path / "db" / "annotations.json", docs)
    tags, _ = store.ensure_tags(["x; y", "a;b", "plain"])
    annotation = store.get_annotation("ann-02")
    store.put_annotation(annotation.evolve(tags=tuple(tag.id for tag in tags)))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    export_csv(store, first)
    assert {r["tags"] for r in rows_of(first) if r["id"] == "ann-02"} == {
        "x\\; y; a\\;b; plain"}
    fresh = fresh_store(tmp_path)
    import_csv(fresh, first)
    codebook = fresh.codebook()
    assert [codebook.path(t) for t in fresh.get_annotation("ann-02").tags] == [
        "x; y", "a;b", "plain"]
    export_csv(fresh, second)
    assert second.read_bytes() == first.read_bytes()


def store_with_tags_a_b_and_a_semicolon_b(tmp_path: Path, docs: Path) -> AnnotationStore:
    """ann-01 tagged `a` and `b`, ann-02 tagged `a; b`: the same `tags` cell before escaping."""
    store = build_store(tmp_path / "db" / "annotations.json", docs)
    (a, b, a_b), _ = store.ensure_tags(["a", "b", "a; b"])
    for annotation_id, tags in (("ann-01", (a.id, b.id)), ("ann-02", (a_b.id,))):
        store.put_annotation(store.get_annotation(annotation_id).evolve(tags=tags))
    return store


def tags_of(store: AnnotationStore, annotation_id: str) -> list[str]:
    codebook = store.codebook()
    return [codebook.path(tag) for tag in store.get_annotation(annotation_id).tags]


def test_tags_a_and_b_are_never_read_as_the_tag_a_semicolon_b(tmp_path: Path,
                                                               docs: Path) -> None:
    store = store_with_tags_a_b_and_a_semicolon_b(tmp_path, docs)
    out = tmp_path / "export.csv"
    export_csv(store, out)
    cells = {(r["id"], r["tag"]): r["tags"] for r in rows_of(out)}
    assert cells[("ann-01", "a")] == "a; b" and cells[("ann-02", "a; b")] == "a\\; b"
    before = summary(store)
    report = import_csv(store, out)
    assert (report.updated, report.skipped) == (0, 5) and summary(store) == before

    fresh = fresh_store(tmp_path)
    import_csv(fresh, out)
    assert tags_of(fresh, "ann-01") == ["a", "b"] and tags_of(fresh, "ann-02") == ["a; b"]

    # An edit of the tags cell in a spreadsheet: escaped names split exactly.
    rows = rows_of(out)
    for row in rows:
        if row["id"] == "ann-01":
            row["tags"] = "a; b; a\\; b"
    write_rows(out, rows)
    report = import_csv(store, out)
    assert report.updated == 1 and report.created_tags == []
    assert tags_of(store, "ann-01") == ["a", "b", "a; b"]


def test_a_tags_cell_written_before_escaping_still_imports(tmp_path: Path, docs: Path) -> None:
    store = store_with_tags_a_b_and_a_semicolon_b(tmp_path, docs)
    out = tmp_path / "export.csv"
    export_csv(store, out)
    rows = rows_of(out)
    for row in rows:  # as earlier versions wrote it: the ";" in a name bare
        row["tags"] = row["tags"].replace("\\;", ";")
    assert {(r["id"], r["tags"]) for r in rows if r["id"] in ("ann-01", "ann-02")} == {
        ("ann-01", "a; b"), ("ann-02", "a; b")}
    write_rows(out, rows)
    before = summary(store)
    report = import_csv(store, out)
    assert (report.updated, report.skipped) == (0, 5) and summary(store) == before

    # Into a fresh database the rows' tag cells tell the two apart.
    fresh = fresh_store(tmp_path)
    import_csv(fresh, out)
    assert tags_of(fresh, "ann-01") == ["a", "b"] and tags_of(fresh, "ann-02") == ["a; b"]


def test_a_hand_typed_tags_cell_may_use_bare_semicolons(store: AnnotationStore,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "typed.csv"
    export_csv(store, out)
    rows = rows_of(out)
    rows[3]["tags"] = "refugees;human rights/detention ;  new  one"  # ann-02
    write_rows(out, rows)
    report = import_csv(store, out)
    assert report.updated == 1 and report.created_tags == ["new one"]
    codebook = store.codebook()
    assert [codebook.path(t) for t in store.get_annotation("ann-02").tags] == [
        "refugees", "human rights/detention", "new one"]


def test_a_raw_export_round_trips_without_unguarding(store: AnnotationStore,
                                                     tmp_path: Path) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    export_csv(store, first, formula_guard=False)
    fresh = fresh_store(tmp_path)
    import_csv(fresh, first)
    assert fresh.get_annotation("ann-04").quote == "'=HYPERLINK(\"x\")"
    assert fresh.get_annotation("ann-01").memo == "=SUM(A1)"
    export_csv(fresh, second, formula_guard=False)
    assert second.read_bytes() == first.read_bytes()


def test_reimport_skips_everything_and_records_no_step(store: AnnotationStore,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    export_csv(store, out, excel=True)
    steps = len(store.history())
    database = store.path.read_bytes()
    report = import_csv(store, out)
    assert (report.added, report.updated, report.skipped) == (0, 0, 5)
    assert report.created_tags == [] and report.registered_documents == []
    assert report.missing_documents == {}
    assert len(store.history()) == steps
    assert store.path.read_bytes() == database

    fresh = fresh_store(tmp_path)
    import_csv(fresh, out)
    again = import_csv(fresh, out)
    assert (again.added, again.updated, again.skipped) == (0, 0, 5)
    assert len(fresh.documents()) == 2


def test_an_export_from_before_number_guards_reimports_as_no_change(store: AnnotationStore,
                                                                   tmp_path: Path) -> None:
    # Versions before the guard of number-like text wrote a memo "'80-'90" as it is (what a raw
    # export still does), which reads as a guarded "80-'90" now: as written, it is the memo.
    annotation = store.get_annotation("ann-01")
    store.put_annotation(annotation.evolve(memo="'80-'90"))
    older = tmp_path / "older.csv"
    export_csv(store, older, formula_guard=False)
    assert "'80-'90" in older.read_text("utf-8")
    report = import_csv(store, older)
    assert (report.added, report.updated) == (0, 0)
    assert store.get_annotation("ann-01").memo == "'80-'90"


def test_the_import_is_one_undoable_step(store: AnnotationStore, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    export_csv(store, out)
    fresh = fresh_store(tmp_path)
    import_csv(fresh, out)
    assert [step.label for step in fresh.history()] == ["import export.csv"]
    fresh.undo()
    assert fresh.annotations() == [] and fresh.documents() == []
    assert fresh.codebook().find("=cmd") is None


# ---------------------------------------------------------------------------- spreadsheet edits


def test_spreadsheet_edits_of_memo_and_tags_update(store: AnnotationStore, tmp_path: Path) -> None:
    out = tmp_path / "edited.csv"
    export_csv(store, out, formula_guard=False)
    rows = rows_of(out)
    before = {a.id: a for a in store.annotations()}
    # ann-01: a tag added through the tags cell of one of its two rows
    rows[1]["tags"] = "refugees; human rights/detention; new theme/sub theme"
    # ann-02: memo rewritten (Arabic, several lines)
    rows[3]["memo"] = "ملاحظة\nسطر ثان"
    # ann-03: one tag cell changed from "=cmd" to "refugees"
    rows[5]["tag"] = "refugees"
    write_rows(out, rows)

    report = import_csv(store, out)
    assert (report.added, report.updated, report.skipped) == (0, 3, 2)
    assert report.created_tags == ["new theme", "new theme/sub theme"]
    codebook = store.codebook()
    tags = {a.id: [codebook.path(t) for t in a.tags] for a in store.annotations()}
    assert tags["ann-01"] == ["refugees", "human rights/detention", "new theme/sub theme"]
    assert tags["ann-03"] == ["human rights/detention", "refugees"]
    assert store.get_annotation("ann-02").memo == "ملاحظة\nسطر ثان"
    edited = store.get_annotation("ann-02")
    assert edited.updated != T2 and edited.created == before["ann-02"].created
    assert (edited.start, edited.end, edited.quote) == (
        before["ann-02"].start, before["ann-02"].end, before["ann-02"].quote)
    assert store.get_annotation("ann-05") == before["ann-05"]

    again = import_csv(store, out)
    assert (again.added, again.updated, again.skipped) == (0, 0, 5)


def test_a_blanked_tag_cell_removes_that_tag(store: AnnotationStore, tmp_path: Path) -> None:
    out = tmp_path / "edited.csv"
    export_csv(store, out)
    rows = rows_of(out)
    assert (rows[2]["id"], rows[2]["tag"]) == ("ann-01", "human rights/detention")
    rows[2]["tag"] = ""
    write_rows(out, rows)
    report = import_csv(store, out)
    assert (report.updated, report.skipped) == (1, 4)
    codebook = store.codebook()
    assert [codebook.path(t) for t in store.get_annotation("ann-01").tags] == ["refugees"]
    assert store.get_annotation("ann-01").memo == "=SUM(A1)"  # unguarded, unchanged


def test_deleted_rows_and_filtered_exports_remove_nothing(store: AnnotationStore,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "filtered.csv"
    refugees = store.codebook().find("refugees")
    assert refugees is not None
    export_csv(store, out, tag_ids=[refugees.id])
    before = summary(store)
    report = import_csv(store, out)
    assert (report.added, report.updated, report.skipped) == (0, 0, 3)
    assert summary(store) == before


def test_conflicting_edits_in_two_rows_are_refused(store: AnnotationStore, tmp_path: Path) -> None:
    out = tmp_path / "conflict.csv"
    export_csv(store, out)
    rows = rows_of(out)
    rows[1]["memo"] = "one edit"
    rows[2]["memo"] = "another edit"
    write_rows(out, rows)
    database = store.path.read_bytes()
    with pytest.raises(CsvFormatError, match=r"rows 3 and 4: annotation ann-01 has different memo"):
        import_csv(store, out)
    assert store.path.read_bytes() == database

    rows = rows_of(tmp_path / "conflict.csv")
    rows[1]["memo"] = rows[2]["memo"] = "'=SUM(A1)"
    rows[1]["tags"], rows[2]["tags"] = "refugees", "human rights/detention"
    write_rows(out, rows)
    with pytest.raises(CsvFormatError, match=r"rows 3 and 4: .* different tags"):
        import_csv(store, out)


def test_the_same_edit_in_every_row_of_an_annotation_is_one_edit(store: AnnotationStore,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "filled.csv"
    export_csv(store, out)
    rows = rows_of(out)
    for row in rows[1:3]:
        row["memo"] = "filled down"
    write_rows(out, rows)
    report = import_csv(store, out)
    assert (report.updated, report.skipped) == (1, 4)
    assert store.get_annotation("ann-01").memo == "filled down"


def test_an_annotation_changed_in_reader_since_the_export_is_kept(store: AnnotationStore,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "edited.csv"
    export_csv(store, out)
    store.update_annotation("ann-02", memo="changed in reader after the export")
    rows = rows_of(out)
    rows[3]["tags"] = "human rights/detention"  # ann-02, edited in the spreadsheet
    rows[6]["memo"] = "edited in the spreadsheet"  # ann-04, unchanged in reader
    write_rows(out, rows)
    report = import_csv(store, out)
    assert (report.updated, report.skipped, report.stale) == (1, 4, ["ann-02"])
    assert store.get_annotation("ann-02").memo == "changed in reader after the export"
    codebook = store.codebook()
    assert [codebook.path(t) for t in store.get_annotation("ann-02").tags] == ["refugees"]
    assert store.get_annotation("ann-04").memo == "edited in the spreadsheet"


# ---------------------------------------------------------------------------- documents


def test_a_missing_document_is_kept_as_a_record_and_reported(tmp_path: Path) -> None:
    source = tmp_path / "missing.csv"
    gone = (tmp_path / "gone.txt").resolve()
    rows = [dict.fromkeys(COLUMNS, "") | {
        "id": "x-1", "document": "Gone", "tag": "refugees", "content": "lost words",
        "tags": "refugees", "memo": "", "start": "5", "end": "15", "path": str(gone),
        "sha256": "cd" * 32, "annotator": "tester", "created": T0, "updated": T1,
    }]
    write_rows(source, rows)
    store = fresh_store(tmp_path)
    report = import_csv(store, source)
    assert report.added == 1 and report.missing_documents == {str(gone): 1}
    assert report.registered_documents == []
    (document,) = store.documents()
    assert (document.path, document.title, document.sha256, document.size,
            document.encoding) == (str(gone), "Gone", "cd" * 32, 0, "unknown")
    annotation = store.get_annotation("x-1")
    assert (annotation.document, annotation.quote, annotation.start, annotation.end) == (
        document.id, "lost words", 5, 15)
    assert not annotation.needs_reanchor


def test_a_changed_file_marks_moved_quotes_for_reanchoring(store: AnnotationStore,
                                                            tmp_path: Path, docs: Path) -> None:
    out = tmp_path / "export.csv"
    export_csv(store, out)
    # The last line grows: the quotes before it stay where they were; ann-04's moves.
    (docs / "statement.txt").write_text(TEXT.replace("'=HYPERLINK", "» '=HYPERLINK"),
                                        encoding="utf-8")
    fresh = fresh_store(tmp_path)
    report = import_csv(fresh, out)
    assert report.needs_reanchor == ["ann-04"]
    assert fresh.get_annotation("ann-04").needs_reanchor
    assert not fresh.get_annotation("ann-01").needs_reanchor
    assert report.registered_documents == [str(docs / "statement.txt")]


def test_documents_are_matched_by_content_before_path(store: AnnotationStore, tmp_path: Path,
                                                      docs: Path) -> None:
    out = tmp_path / "export.csv"
    export_csv(store, out)
    rows = rows_of(out)
    for row in rows:
        row["path"] = row["path"].replace(str(docs), "/moved/elsewhere")
        row["id"] = "copy-" + row["id"]
    write_rows(out, rows)
    report = import_csv(store, out)
    assert report.added == 5 and report.registered_documents == []
    assert report.missing_documents == {MISSING_PATH: 1}  # known, but its file is still missing
    assert len(store.documents()) == 2
    assert store.get_annotation("copy-ann-01").document == "doc-statement"
    assert store.get_annotation("copy-ann-05").document == "doc-missing"


def test_a_relative_path_is_relative_to_the_csv(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("alpha beta gamma\n", encoding="utf-8")
    source = folder / "hand.csv"
    write_rows(source, [dict.fromkeys(COLUMNS, "") | {
        "id": "h-1", "tag": "refugees", "content": "beta", "tags": "refugees",
        "start": "6", "end": "10", "path": "notes.txt",
    }])
    store = fresh_store(tmp_path)
    report = import_csv(store, source)
    assert report.registered_documents == [str((folder / "notes.txt").resolve())]
    annotation = store.get_annotation("h-1")
    assert not annotation.needs_reanchor and annotation.annotator == ""
    # No title in the file: the loader's (the first line).
    assert store.get_document(annotation.document).title == "alpha beta gamma"


# ---------------------------------------------------------------------------- errors and atomicity


def test_a_bad_row_at_the_end_leaves_the_database_unchanged(store: AnnotationStore,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    export_csv(store, out)
    rows = rows_of(out)
    # Valid in itself, but no document can be found for it: fails inside the batch, after
    # every other row was applied.
    rows.append(rows[0] | {"id": "new-1", "path": "", "sha256": "ef" * 32})
    write_rows(out, rows)

    fresh = fresh_store(tmp_path)
    database = fresh.path.read_bytes()
    with pytest.raises(CsvFormatError, match=r"^row 9: no known document has sha256"):
        import_csv(fresh, out)
    assert fresh.path.read_bytes() == database
    assert fresh.annotations() == [] and fresh.documents() == [] and fresh.history() == []
    assert fresh.codebook().find("=cmd") is None
    reopened = AnnotationStore(fresh.path)
    assert reopened.annotations() == [] and reopened.documents() == []

    rows[1]["memo"] = rows[2]["memo"] = "an edit that must not land"
    rows[1]["tags"] = "refugees; a tag that must not be created"
    write_rows(out, rows)
    before, steps = summary(store), len(store.history())
    with pytest.raises(CsvFormatError, match=r"^row 9: "):
        import_csv(store, out)
    assert summary(store) == before and len(store.history()) == steps
    assert store.codebook().find("a tag that must not be created") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "ten"}, r"^row 3: start must be a whole number, not 'ten'$"),
        ({"end": "-4"}, r"^row 3: end must be a whole number"),
        ({"end": "3", "start": "3"}, r"^row 3: end \(3\) must be greater than start \(3\)$"),
        ({"content": ""}, r"^row 3: content \(the passage's text\) is empty$"),
        ({"id": "  "}, r"^row 3: the id is empty$"),
        ({"tag": "a//b"}, r"^row 3, column tag: a tag name cannot be empty$"),
    ],
)
def test_invalid_rows_are_named(store: AnnotationStore, tmp_path: Path,
                                change: dict[str, str], message: str) -> None:
    out = tmp_path / "export.csv"
    export_csv(store, out)
    rows = rows_of(out)
    rows[1] |= change
    write_rows(out, rows)
    database = store.path.read_bytes()
    with pytest.raises(CsvFormatError, match=message):
        import_csv(store, out)
    assert store.path.read_bytes() == database


def test_missing_columns_are_named(tmp_path: Path) -> None:
    source = tmp_path / "taguette.csv"
    source.write_text("id,document,tag,content\n1,Doc,refugees,words\n", encoding="utf-8")
    with pytest.raises(CsvFormatError, match=r"lacks the column\(s\) tags, memo, start, end"):
        import_csv(fresh_store(tmp_path), source)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("id,document\n".encode("utf-16"), r"is not UTF-8 text"),
        (b"", r"is empty"),
        (",".join(COLUMNS).encode() + b'\n"unterminated\n', r"is not valid CSV"),
        (",".join(COLUMNS).encode() + b"\na,b\n",
         rf"^row 2 has 2 cells but the header has {len(COLUMNS)}$"),
    ],
)
def test_unreadable_files_are_one_line_errors(tmp_path: Path, data: bytes, message: str) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(data)
    with pytest.raises(CsvFormatError, match=message) as caught:
        import_csv(fresh_store(tmp_path), source)
    assert "\n" not in str(caught.value)


def test_a_missing_csv_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="cannot read"):
        import_csv(fresh_store(tmp_path), tmp_path / "nope.csv")


# ---------------------------------------------------------------------------- pandas


@pytest.mark.parametrize(("excel", "guard"), [(False, False), (False, True), (True, True)])
def test_pandas_reads_the_columns_and_the_exact_text(
    store: AnnotationStore, tmp_path: Path, excel: bool, guard: bool
) -> None:
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "export.csv"
    export_csv(store, out, excel=excel, formula_guard=guard)
    frame = pandas.read_csv(out, dtype=str, keep_default_na=False,
                            encoding="utf-8-sig" if excel else "utf-8")
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == 7
    cells = {(row["id"], row["tag"] if not guard else unguard_cell(row["tag"])): row
             for row in frame.to_dict("records")}
    clean = unguard_cell if guard else str

    def cell(key: tuple[str, str], column: str) -> str:
        return clean(cells[key][column])

    assert cell(("ann-02", "refugees"), "content") == "عودة اللاجئين"
    assert cell(("ann-02", "refugees"), "annotator") == "أحمد"
    assert cell(("ann-03", "=cmd"), "memo") == '@channel\nsecond line, with "quotes"'
    assert cell(("ann-01", "refugees"), "memo") == "=SUM(A1)"
    assert cell(("ann-04", ""), "content") == "'=HYPERLINK(\"x\")"
    assert cell(("ann-05", "refugees"), "memo") == "\rstarts with CR"
    assert cell(("ann-01", "refugees"), "start") == str(TEXT.index("Return must"))
    if guard:
        dangerous = [value for value in frame.to_numpy().ravel()
                     if str(value)[:1] in {"=", "+", "-", "@", "\t", "\r"}]
        assert dangerous == []


# ---------------------------------------------------------------------------- long cells


@pytest.fixture
def default_field_limit() -> Iterator[int]:
    """The csv module's default field limit, as in a fresh process (an earlier import in this
    process may have raised it), restored afterwards."""
    previous = csv.field_size_limit(131_072)
    yield 131_072
    csv.field_size_limit(previous)


def test_cells_longer_than_the_csv_modules_limit_round_trip(
    tmp_path: Path, default_field_limit: int
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "opening line\n" + "a long passage, " * 20_000 + "\nclosing line\n"
    source = docs / "long.txt"
    source.write_text(text, encoding="utf-8")
    store = AnnotationStore(tmp_path / "db" / "annotations.json", annotator="tester")
    document = register(store, source)
    start = len("opening line\n")
    passage = "a long passage, " * 20_000
    memo = "a pasted memo\n" * 80_000  # 1.1 MB
    assert len(passage) > default_field_limit and len(memo) > default_field_limit
    anchor = make_anchor(text, start, start + len(passage))
    tag, _ = store.ensure_tags(["long"])
    store.put_annotation(Annotation(
        id="long-1", document=document.id, start=anchor.start, end=anchor.end,
        quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix,
        tags=(tag[0].id,), memo=memo, annotator="tester", created=T0, updated=T1,
    ))
    out = tmp_path / "long.csv"
    export_csv(store, out)
    fresh = fresh_store(tmp_path)
    report = import_csv(fresh, out)
    assert report.added == 1 and report.needs_reanchor == []
    imported = fresh.get_annotation("long-1")
    assert (imported.quote, imported.memo) == (passage, memo)


# ---------------------------------------------------------------------------- offsets


def test_content_that_is_not_the_text_at_its_offsets_is_refused(store: AnnotationStore,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    export_csv(store, out)
    rows = rows_of(out)
    # A new passage in a known document, with that document's sha256: its offsets must hold.
    wrong = rows[3] | {"id": "new-1", "content": "TOTALLY DIFFERENT",
                       "start": "100", "end": "117"}
    write_rows(out, [*rows, wrong])
    database = store.path.read_bytes()
    with pytest.raises(
        CsvFormatError,
        match=r"^row 9: the content is not the text of 'Statement on return' at 100-117 "
              r"\(which reads '.+'\), though the sha256 is that text's",
    ) as caught:
        import_csv(store, out)
    assert "\n" not in str(caught.value)
    assert store.path.read_bytes() == database

    # The same in a fresh database, where the document is registered from its file.
    with pytest.raises(CsvFormatError, match=r"^row 9: the content is not the text"):
        import_csv(fresh_store(tmp_path), out)


def test_a_span_splitting_a_grapheme_is_refused(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"  # one grapheme, five code points
    text = f"before {family} after\n"
    (docs / "emoji.txt").write_text(text, encoding="utf-8")
    start = len("before ") + 2  # inside the family emoji
    end = len(f"before {family} aft")
    sha = hashlib.sha256(text.encode()).hexdigest()
    source = tmp_path / "split.csv"
    row = dict.fromkeys(COLUMNS, "") | {
        "id": "g-1", "tag": "emoji", "tags": "emoji", "content": text[start:end],
        "start": str(start), "end": str(end), "path": str(docs / "emoji.txt"), "sha256": sha,
    }
    write_rows(source, [row])
    store = fresh_store(tmp_path)
    with pytest.raises(CsvFormatError,
                       match=rf"^row 2: offset {start} splits a character \(grapheme cluster\)"):
        import_csv(store, source)
    assert store.annotations() == [] and store.documents() == []

    # Without a sha256 (a hand-made file) the quote matching at its offsets says the same.
    write_rows(source, [row | {"sha256": ""}])
    with pytest.raises(CsvFormatError, match=r"^row 2: offset \d+ splits a character"):
        import_csv(store, source)

    # Whole graphemes are accepted.
    whole = len("before ")
    write_rows(source, [row | {"start": str(whole), "content": text[whole:end]}])
    assert import_csv(store, source).added == 1


# ---------------------------------------------------------------------------- per-cell guard


def test_one_unguarded_cell_leaves_the_other_guarded_cells_guarded(store: AnnotationStore,
                                                                   tmp_path: Path) -> None:
    plus, _ = store.ensure_tags(["+plus"])
    annotation = store.get_annotation("ann-02")
    store.put_annotation(annotation.evolve(tags=(*annotation.tags, plus[0].id)))
    out = tmp_path / "edited.csv"
    export_csv(store, out)
    rows = rows_of(out)
    assert [r["tag"] for r in rows if r["id"] == "ann-02"] == ["refugees", "'+plus"]
    before = summary(store)
    # What a spreadsheet saves when the user types "'- note": the text without its quote.
    (memo_only,) = (r for r in rows if r["id"] == "ann-04")
    memo_only["memo"] = "- note"
    write_rows(out, rows)

    report = import_csv(store, out)
    assert (report.added, report.updated, report.skipped) == (0, 1, 4)
    assert report.created_tags == [] and report.stale == []
    assert store.get_annotation("ann-04").memo == "- note"
    assert [item for item in summary(store) if item[0] != "ann-04"] == [
        item for item in before if item[0] != "ann-04"]
    assert store.codebook().find("'+plus") is None and store.codebook().find("'=cmd") is None

    # A guarded tag cell pasted into a tags cell names that tag, not a new one.
    rows = rows_of(out)
    for row in rows:
        if row["id"] == "ann-01":
            row["tags"] = "refugees; '+plus"
    write_rows(out, rows)
    report = import_csv(store, out)
    assert report.updated == 1 and report.created_tags == []
    assert tags_of(store, "ann-01") == ["refugees", "+plus"]
    assert store.codebook().find("'+plus") is None

    # Into a fresh database: every guarded cell is read without its guard.
    fresh = fresh_store(tmp_path)
    report = import_csv(fresh, out)
    assert sorted(report.created_tags) == ["+plus", "=cmd", "human rights/detention"]
    assert tags_of(fresh, "ann-02") == ["refugees", "+plus"]
    assert fresh.get_annotation("ann-01").memo == "=SUM(A1)"
    assert fresh.get_annotation("ann-05").quote == "+44 phone"


def test_a_formula_in_an_added_column_changes_nothing(store: AnnotationStore,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "added.csv"
    export_csv(store, out)
    rows = rows_of(out)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "score"], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(row | {"score": "=LEN(D2)"} for row in rows)
    before = summary(store)
    report = import_csv(store, out)
    assert (report.updated, report.skipped, report.created_tags) == (0, 5, [])
    assert summary(store) == before


# ---------------------------------------------------------------------------- through a spreadsheet

CALC_SAVED = "calc-saved.csv"
# Text LibreOffice Calc and Excel read as a number, date, time or truth value when they open a CSV.
SPREADSHEET_VALUES = (
    "0123", "1e5", "1E+05", "12e3", "1/2", "1 1/2", "1-2", "1.50", "1,5", ".5", "0.5",
    " 12", "12%", "$5", "(5)", "-5", "3:04", "3:04 pm", "2026-01-02", "1.2.2026", "2 Jan",
    "SEPT2", "March 2026", "12345678901234567", "true", "FALSE", "'0123", "37",
)
SPREADSHEET_TAGS = ("007", "1/2", "2026")


def build_spreadsheet_store(db_path: Path, docs: Path) -> AnnotationStore:
    """`build_store` plus memos and tag names a spreadsheet would convert."""
    store = build_store(db_path, docs)
    tags, _ = store.ensure_tags(list(SPREADSHEET_TAGS))
    model = store.get_annotation("ann-02")
    for index, memo in enumerate(SPREADSHEET_VALUES):
        store.put_annotation(model.evolve(id=f"num-{index:02}", memo=memo,
                                          tags=(tags[index % len(tags)].id,)))
    return store


def save_in_calc(soffice: str, source: Path, folder: Path, language: int) -> Path:
    """`source` opened in LibreOffice Calc with its CSV import defaults (special numbers detected)
    and saved as CSV, as shown, with no edits: what a user does who only looks."""
    # Field separator, text delimiter, UTF-8, first line, column types, language, quoted fields
    # as text (off, the default), detect special numbers (on, as the dialog offers), and on export
    # "save cell contents as shown" (on, the default).
    options = f"44,34,76,1,,{language},false,true,true"
    folder.mkdir()
    subprocess.run(
        [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         f"--infilter=CSV:{options}",
         "--convert-to", f"csv:Text - txt - csv (StarCalc):{options}",
         "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    return folder / source.name


def test_a_csv_saved_by_calc_without_edits_imports_as_no_change(tmp_path: Path, docs: Path
                                                                ) -> None:
    store = build_spreadsheet_store(tmp_path / "db" / "annotations.json", docs)
    golden = (GOLDEN / CALC_SAVED).read_bytes()
    # The fixture really went through Calc: a lone CR in a cell came back as LF, and the cells
    # it would convert are there, guarded, as the export wrote them.
    assert b"\"'\nstarts with CR\"" in golden
    assert b",'0123," in golden and b",'1/2," in golden and b",''0123," in golden
    saved = tmp_path / CALC_SAVED
    saved.write_bytes(golden.replace(DOCS.encode(), str(docs).encode()))
    before, steps = summary(store), len(store.history())
    report = import_csv(store, saved)
    assert (report.added, report.updated, report.stale, report.created_tags) == (0, 0, [], [])
    assert report.skipped == 5 + len(SPREADSHEET_VALUES)
    assert summary(store) == before and len(store.history()) == steps

    # Into a fresh database, every cell reads as exported (but the memo's CR, now a LF).
    fresh = fresh_store(tmp_path)
    assert import_csv(fresh, saved).added == 5 + len(SPREADSHEET_VALUES)
    expected = [item if item[0] != "ann-05" else (*item[:3], "\nstarts with CR", item[4])
                for item in before]
    assert summary(fresh) == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "excel"), [(1033, False), (1031, False), (1033, True)]  # en-US, de-DE
)
def test_libreoffice_calc_keeps_every_exported_cell(tmp_path: Path, docs: Path,
                                                    language: int, excel: bool) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    store = build_spreadsheet_store(tmp_path / "db" / "annotations.json", docs)
    exported = tmp_path / "export.csv"
    export_csv(store, exported, excel=excel)
    saved = save_in_calc(soffice, exported, tmp_path / "calc", language)
    before, steps = summary(store), len(store.history())
    report = import_csv(store, saved)
    assert (report.added, report.updated, report.stale, report.created_tags) == (0, 0, [], [])
    assert summary(store) == before and len(store.history()) == steps
    if excel:  # Calc saves without the byte-order mark, with its own line ends
        return
    # The only difference Calc makes is the lone CR of one memo.
    assert saved.read_bytes() == exported.read_bytes().replace(b"'\rstarts", b"'\nstarts")
    portable = saved.read_bytes().replace(str(docs).encode(), DOCS.encode())
    if UPDATE_GOLDEN and language == 1033:
        (GOLDEN / CALC_SAVED).write_bytes(portable)
    assert portable == (GOLDEN / CALC_SAVED).read_bytes()
