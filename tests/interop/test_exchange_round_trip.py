"""Round trips: export, import into an empty database, export again: the same passages, tags,
memos and colours, for `.qdpx` and W3C Web Annotation; and the W3C import's re-anchoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from exchange_validation import project_schema, qdpx_members, xsd_errors

from reader.core.anchors import make_anchor
from reader.core.models import Annotation, Document
from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.interop.common import select
from reader.interop.qdpx_import import import_qdpx
from reader.interop.refi_qda import project_archive
from reader.interop.registry import IMPORT_FORMATS, import_format_for
from reader.interop.web_annotation import collection_json, export_w3c
from reader.interop.web_annotation_import import W3cImportError, import_w3c

T0, T1 = "2026-01-02T03:04:05Z", "2026-01-03T10:00:00Z"
INTERVIEW = (
    "Interview 3 👩‍👩‍👧 family\n"
    "Q: How was the return? 🙂\n"
    "A: Return must be voluntary, safe and dignified.\n"
    "عودة اللاجئين يجب أن تكون طوعية\n"
    "Families of detainees asked for news.\n"
)
NOTES = "Field notes\nThe convoy <waited> & the \"checkpoint\" stayed closed.\n"


def empty_store(path: Path, annotator: str = "amira") -> AnnotationStore:
    store = AnnotationStore(path, annotator=annotator)
    for tag in store.codebook():  # a new store comes with the field's common themes
        store.delete_tag(tag.id)
    return store


def register(store: AnnotationStore, path: Path, id: str, title: str) -> Document:
    loaded = load_document(path)
    document = Document(id=id, path=str(loaded.path), title=title, size=loaded.size,
                        encoding=loaded.encoding, sha256=loaded.sha256, added=T0, updated=T0)
    store.update_document(document)
    return document


def passage(id: str, document: str, text: str, quote: str, tags: tuple[str, ...], *,
            memo: str = "", annotator: str = "amira", created: str = T0) -> Annotation:
    start = text.index(quote)
    anchor = make_anchor(text, start, start + len(quote))
    return Annotation(id=id, document=document, start=anchor.start, end=anchor.end,
                      quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix, tags=tags,
                      memo=memo, annotator=annotator, created=created, updated=created)


@pytest.fixture
def coded(tmp_path: Path) -> AnnotationStore:
    docs = tmp_path / "docs"
    docs.mkdir()
    # On disk with a BOM and CRLF line ends, as a Windows editor leaves them.
    (docs / "interview.txt").write_bytes(
        b"\xef\xbb\xbf" + INTERVIEW.replace("\n", "\r\n").encode("utf-8"))
    (docs / "notes.txt").write_text(NOTES, encoding="utf-8")
    store = empty_store(tmp_path / "first" / "annotations.json")
    register(store, docs / "interview.txt", "doc-interview", "Interview 3")
    register(store, docs / "notes.txt", "doc-notes", "Field notes")
    (voluntary, detainees, return_, _unused), _ = store.ensure_tags(
        ["return/voluntary", "detainees", "return", "unused/leaf"])
    store.update_tag(return_.id, colour="#aa00cc", description="Return & <its> conditions")
    store.update_tag(voluntary.id, colour="#12ab34")
    for annotation in (
        passage("ann-1", "doc-interview", INTERVIEW,
                "Return must be voluntary, safe and dignified.", (voluntary.id, return_.id),
                memo="key quote\nsecond line"),
        passage("ann-2", "doc-interview", INTERVIEW, "عودة اللاجئين", (return_.id,),
                annotator="Ömer", created=T1),
        passage("ann-3", "doc-interview", INTERVIEW, "Families of detainees", (detainees.id,)),
        passage("ann-4", "doc-notes", NOTES, 'the "checkpoint"', (), memo="memo only, no tag"),
    ):
        store.put_annotation(annotation)
    return store


def content(store: AnnotationStore, *, by_file: bool = False
            ) -> tuple[set[tuple[object, ...]], set[tuple[str, str, str]]]:
    """What a round trip must keep: each passage (document title, or file name `by_file`, span,
    quote, tag paths, memo, author, creation time) and each tag (path, colour, description)."""
    codebook = store.codebook()
    titles = {document.id: Path(document.path).name if by_file else document.title
              for document in store.documents()}
    passages = {(titles[a.document], a.start, a.end, a.quote,
                 tuple(sorted(codebook.path(t) for t in a.tags)), a.memo, a.annotator, a.created)
                for a in store.annotations()}
    tags = {(codebook.path(tag), tag.colour.lower(), tag.description) for tag in codebook}
    return passages, tags


def test_qdpx_round_trip_keeps_passages_tags_memos_and_colours(
    coded: AnnotationStore, tmp_path: Path,
) -> None:
    first, _outcome = project_archive(coded)
    (tmp_path / "first.qdpx").write_bytes(first)
    fresh = empty_store(tmp_path / "second" / "annotations.json", annotator="someone else")
    report = import_qdpx(fresh, tmp_path / "first.qdpx")
    assert report.warnings == [] and report.passages_added == 4
    assert content(fresh) == content(coded)
    second, _outcome = project_archive(fresh)
    assert xsd_errors(project_schema(), qdpx_members(second)["project.qde"]) == []
    # The second export carries the same texts, byte for byte.
    assert sorted(v for k, v in qdpx_members(second).items() if k.startswith("sources/")) == \
        sorted(v for k, v in qdpx_members(first).items() if k.startswith("sources/"))
    (tmp_path / "second.qdpx").write_bytes(second)
    third = empty_store(tmp_path / "third" / "annotations.json")
    import_qdpx(third, tmp_path / "second.qdpx")
    assert content(third) == content(coded)


def test_importing_our_own_export_into_its_database_adds_nothing(
    coded: AnnotationStore, tmp_path: Path,
) -> None:
    data, _outcome = project_archive(coded)
    (tmp_path / "own.qdpx").write_bytes(data)
    before = content(coded)
    report = import_qdpx(coded, tmp_path / "own.qdpx")
    assert report.passages_added == 0 and report.documents_added == []
    assert content(coded) == before


def test_w3c_round_trip_keeps_passages_tags_and_memos(
    coded: AnnotationStore, tmp_path: Path,
) -> None:
    export_w3c(coded, tmp_path / "first.jsonld")
    fresh = empty_store(tmp_path / "second" / "annotations.json", annotator="someone else")
    report = import_w3c(fresh, tmp_path / "first.jsonld")
    assert report.unplaced == [] and report.reanchored == [] and report.added == 4
    assert len(report.registered) == 2  # the files behind the file:// URIs
    # W3C names a document by its file, not its title.
    passages, tags = content(fresh, by_file=True)
    expected_passages, _tags = content(coded, by_file=True)
    assert passages == expected_passages
    # W3C has no colours or descriptions, and names only the tags passages carry.
    assert {path for path, _c, _d in tags} == {"return", "return/voluntary", "detainees"}
    export_w3c(fresh, tmp_path / "second.jsonld")
    again = empty_store(tmp_path / "third" / "annotations.json")
    import_w3c(again, tmp_path / "second.jsonld")
    assert content(again, by_file=True)[0] == expected_passages
    assert import_format_for(tmp_path / "x.JSONLD") is IMPORT_FORMATS["w3c"]


def test_w3c_import_twice_adds_nothing_and_is_one_undo_step(
    coded: AnnotationStore, tmp_path: Path,
) -> None:
    export_w3c(coded, tmp_path / "first.jsonld")
    fresh = empty_store(tmp_path / "second" / "annotations.json")
    import_w3c(fresh, tmp_path / "first.jsonld")
    again = import_w3c(fresh, tmp_path / "first.jsonld")
    assert (again.added, again.known) == (0, 4)
    assert len(fresh.annotations()) == 4
    fresh.undo()
    assert fresh.annotations() == [] and len(fresh.codebook()) == 0


def edited_collection(coded: AnnotationStore, tmp_path: Path) -> Path:
    """The export, with the interview edited afterwards: a line added above the passages and
    a word of one passage changed."""
    collection = collection_json(select(coded))
    interview = Path(coded.get_document("doc-interview").path)
    edited = INTERVIEW.replace("A: Return must be", "(added line)\nA: Return should be")
    interview.write_text(edited, encoding="utf-8")
    path = tmp_path / "edited.jsonld"
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def test_w3c_import_re_anchors_by_quote_and_shows_the_score(
    coded: AnnotationStore, tmp_path: Path,
) -> None:
    path = edited_collection(coded, tmp_path)
    fresh = empty_store(tmp_path / "second" / "annotations.json")
    report = import_w3c(fresh, path)
    assert report.unplaced == [] and report.added == 4
    text = load_document(coded.get_document("doc-interview").path).text
    quotes = {a.quote for a in fresh.annotations()}
    assert "Return should be voluntary, safe and dignified." in quotes
    assert "Families of detainees" in quotes
    interview = next(d for d in fresh.documents() if d.path.endswith("interview.txt"))
    for annotation in fresh.annotations(document=interview.id):
        assert text[annotation.start:annotation.end] == annotation.quote
    moved = " | ".join(report.reanchored)
    assert "'Families of detainees'" in moved and "score 1.00" in moved
    assert "'Return must be voluntary, safe and dign…'" in moved
    assert "by a similar quote (score 0.9" in moved


def test_w3c_import_names_what_it_could_not_place(
    coded: AnnotationStore, tmp_path: Path,
) -> None:
    collection = collection_json(select(coded))
    items = collection["first"]["items"]
    items[0]["target"]["selector"] = [
        {"type": "TextQuoteSelector", "exact": "words that were never in this interview"},
        {"type": "TextPositionSelector", "start": 5000, "end": 5010}]
    items[1]["target"]["source"] = "https://example.org/elsewhere/unknown.txt"
    path = tmp_path / "partly.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    fresh = empty_store(tmp_path / "second" / "annotations.json")
    report = import_w3c(fresh, path)
    assert report.added == 2 and len(report.unplaced) == 2
    assert "never in this interview" in report.unplaced[0] and "not in the text" in \
        report.unplaced[0]
    assert "unknown.txt" in report.unplaced[1]


def test_w3c_import_reads_a_single_annotation_and_a_hand_written_one(
    tmp_path: Path,
) -> None:
    text_file = tmp_path / "interview01.txt"
    text_file.write_text("I was very happy that day.\n", encoding="utf-8")
    fixture = json.loads((Path(__file__).resolve().parents[3] / "shared" / "standards" /
                          "fixtures" / "web-annotation" / "valid_tagging.json").read_text())
    fixture["target"]["source"] = text_file.as_uri()
    path = tmp_path / "one.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    store = empty_store(tmp_path / "db" / "annotations.json")
    report = import_w3c(store, path)
    (annotation,) = store.annotations()
    assert annotation.quote == "happy" and report.created_tags == ["Emotion", "Emotion/Joy"]


@pytest.mark.parametrize("content_bytes", [b"{not json", b"[]", b'{"type": "Annotation"}'])
def test_w3c_import_of_a_bad_file_is_one_line_or_a_report(
    tmp_path: Path, content_bytes: bytes,
) -> None:
    path = tmp_path / "bad.jsonld"
    path.write_bytes(content_bytes)
    store = empty_store(tmp_path / "db" / "annotations.json")
    try:
        report = import_w3c(store, path)
    except W3cImportError as error:
        assert "\n" not in str(error) and "bad.jsonld" in str(error)
    else:
        assert report.added == 0 and report.unplaced
    assert store.annotations() == []


def test_w3c_values_of_unexpected_types_are_skipped_or_refused_in_one_line(
    coded: AnnotationStore, tmp_path: Path,
) -> None:
    """Each value of the export replaced, in turn, by a value of another type."""
    import random

    original = collection_json(select(coded))
    chance = random.Random(7)
    strange: list[object] = [None, 5, -3, True, "", "x", [], {}, [1, "a"], {"type": 3}, 1e308]

    def paths(value: object, at: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        found = [at]
        if isinstance(value, dict):
            for key, item in value.items():
                found += paths(item, (*at, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                found += paths(item, (*at, index))
        return found

    every = paths(original)[1:]
    for index in range(60):
        mangled = json.loads(json.dumps(original))
        where = chance.choice(every)
        holder = mangled
        for key in where[:-1]:
            holder = holder[key]  # type: ignore[index]
        holder[where[-1]] = chance.choice(strange)  # type: ignore[index]
        path = tmp_path / f"strange{index}.jsonld"
        path.write_text(json.dumps(mangled), encoding="utf-8")
        fresh = empty_store(tmp_path / f"db{index}" / "annotations.json")
        try:
            report = import_w3c(fresh, path)
        except W3cImportError as error:
            assert "\n" not in str(error) and path.name in str(error)
        else:
            assert report.added + len(report.unplaced) + report.known <= 4
