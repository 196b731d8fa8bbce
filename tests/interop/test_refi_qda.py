"""REFI-QDA export: `.qdpx` projects and `.qdc` codebooks, validated against the standard's XSDs."""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from exchange_validation import codebook_schema, project_schema, qdpx_members, xsd_errors

from reader.core.anchors import make_anchor
from reader.core.models import Annotation, Document
from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.interop.refi_qda import (
    codebook_xml,
    export_qdc,
    export_qdpx,
    project_archive,
)
from reader.interop.registry import ExportError

NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}
GUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
T0, T1, T2 = "2026-01-02T03:04:05Z", "2026-01-03T10:00:00Z", "2026-02-01T12:30:00+00:00"

# Emoji (one code point but two UTF-16 units, and a joined family of several code points) and
# Arabic before the coded passages, so a count in anything but code points lands elsewhere.
INTERVIEW = (
    "Interview 3 👩‍👩‍👧 family\n"
    "Q: How was the return? 🙂\n"
    "A: Return must be voluntary, safe and dignified.\n"
    "عودة اللاجئين يجب أن تكون طوعية\n"
    "Families of detainees asked for news.\n"
)
NOTES = "Field notes\nThe convoy <waited> & the \"checkpoint\" stayed closed.\n"


def _passage(id: str, document: str, text: str, quote: str, *, tags: tuple[str, ...] = (),
             memo: str = "", annotator: str = "amira", created: str = T0,
             updated: str = T0) -> Annotation:
    start = text.index(quote)
    anchor = make_anchor(text, start, start + len(quote))
    return Annotation(id=id, document=document, start=anchor.start, end=anchor.end,
                      quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix, tags=tags,
                      memo=memo, annotator=annotator, created=created, updated=updated)


def _register(store: AnnotationStore, path: Path, id: str, title: str) -> Document:
    loaded = load_document(path)
    document = Document(id=id, path=str(loaded.path), title=title, size=loaded.size,
                        encoding=loaded.encoding, sha256=loaded.sha256, added=T0, updated=T0)
    store.update_document(document)
    return document


def without_default_tags(store: AnnotationStore) -> AnnotationStore:
    """A store with an empty codebook (a new one comes with the field's common themes)."""
    for tag in store.codebook():
        store.delete_tag(tag.id)
    return store


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    # On disk with a BOM and CRLF line ends: the archive must hold the canonical text.
    (folder / "interview.txt").write_bytes(
        b"\xef\xbb\xbf" + INTERVIEW.replace("\n", "\r\n").encode("utf-8")
    )
    (folder / "notes.txt").write_text(NOTES, encoding="utf-8")
    return folder


@pytest.fixture
def store(db_path: Path, docs: Path) -> AnnotationStore:
    store = without_default_tags(AnnotationStore(db_path, annotator="amira"))
    _register(store, docs / "interview.txt", "doc-interview", "Interview 3")
    _register(store, docs / "notes.txt", "doc-notes", "Field notes")
    tags, _ = store.ensure_tags(["return/voluntary", "detainees", "return"])
    voluntary, detainees, return_ = tags
    store.update_tag(return_.id, colour="#aa00cc", description="Return & <its> conditions")
    for annotation in (
        _passage("ann-1", "doc-interview", INTERVIEW,
                 "Return must be voluntary, safe and dignified.",
                 tags=(voluntary.id, return_.id), memo="key quote\nsecond line", updated=T1),
        _passage("ann-2", "doc-interview", INTERVIEW, "عودة اللاجئين", tags=(return_.id,),
                 annotator="Ömer", created=T1, updated=T2),
        _passage("ann-3", "doc-interview", INTERVIEW, "Families of detainees",
                 tags=(detainees.id,)),
        _passage("ann-4", "doc-notes", NOTES, 'the "checkpoint"', memo="memo only, no tag"),
    ):
        store.put_annotation(annotation)
    return store


def project_root(data: bytes) -> ET.Element:
    return ET.fromstring(qdpx_members(data)["project.qde"])


def qdpx_bytes(store: AnnotationStore, **filters: object) -> bytes:
    data, _outcome = project_archive(store, **filters)  # type: ignore[arg-type]
    return data


# ---------------------------------------------------------------------------- validity


def test_the_project_is_valid_against_project_xsd(store: AnnotationStore) -> None:
    data = qdpx_bytes(store)
    assert xsd_errors(project_schema(), qdpx_members(data)["project.qde"]) == []


def test_the_codebook_is_valid_against_codebook_xsd(store: AnnotationStore) -> None:
    xml, count = codebook_xml(store)
    assert count == 3
    assert xsd_errors(codebook_schema(), xml) == []


def test_the_validator_catches_what_we_must_not_write(store: AnnotationStore) -> None:
    """The check above can fail: the schema refuses a colour name, an empty Sets, no namespace."""
    xml, _count = codebook_xml(store)
    assert xsd_errors(codebook_schema(), re.sub(rb'color="#[0-9A-F]+"', b'color="red"', xml))
    assert xsd_errors(codebook_schema(), xml.replace(b"</Codes>", b"</Codes><Sets/>"))
    assert xsd_errors(codebook_schema(), xml.replace(b'xmlns="urn:QDA-XML:codebook:1.0"', b""))


def test_characters_xml_cannot_hold_are_replaced_and_the_file_stays_valid(
    store: AnnotationStore,
) -> None:
    annotation = store.get_annotation("ann-3")
    store.put_annotation(annotation.evolve(memo="bell \x07 and form feed \x0c"))
    data = qdpx_bytes(store)
    assert xsd_errors(project_schema(), qdpx_members(data)["project.qde"]) == []
    memo = project_root(data).find(".//q:PlainTextSelection[@name='Families of detainees']"
                                   "/q:Description", NS)
    assert memo is not None and memo.text == "bell \ufffd and form feed \ufffd"


# ---------------------------------------------------------------------------- content


def test_every_selection_is_its_quote_in_the_archived_text(store: AnnotationStore) -> None:
    members = qdpx_members(qdpx_bytes(store))
    root = ET.fromstring(members["project.qde"])
    spans = []
    for source in root.iterfind(".//q:TextSource", NS):
        path = source.get("plainTextPath", "")
        assert path.startswith("internal://") and GUID.fullmatch(path[11:-4])
        raw = members["sources/" + path[len("internal://"):]]
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw  # UTF-8, LF, no BOM
        text = raw.decode("utf-8")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start = int(selection.get("startPosition", ""))
            end = int(selection.get("endPosition", ""))
            assert text[start:end] == selection.get("name")
            spans.append((source.get("name"), start, end, selection.get("name")))
    arabic = INTERVIEW.index("عودة")
    assert ("Interview 3", arabic, arabic + len("عودة اللاجئين"), "عودة اللاجئين") in spans
    assert len(spans) == 4
    assert members["sources/" + root.find(".//q:TextSource[@name='Interview 3']", NS)
                   .get("plainTextPath", "")[11:]].decode() == INTERVIEW


def test_one_coding_per_tag_and_the_memo_as_description_and_note(store: AnnotationStore) -> None:
    root = project_root(qdpx_bytes(store))
    codes = {code.get("guid"): code.get("name") for code in root.iterfind(".//q:Code", NS)}
    selection = root.find(".//q:PlainTextSelection[@name='Return must be voluntary, safe and "
                          "dignified.']", NS)
    assert selection is not None
    codings = selection.findall("q:Coding", NS)
    assert sorted(codes[c.find("q:CodeRef", NS).get("targetGUID")] for c in codings) == [
        "return", "voluntary"]
    assert len({c.get("guid") for c in codings}) == 2
    assert selection.find("q:Description", NS).text == "key quote\nsecond line"
    (note_ref,) = selection.findall("q:NoteRef", NS)
    note = root.find(f".//q:Notes/q:Note[@guid='{note_ref.get('targetGUID')}']", NS)
    assert note is not None
    assert note.find("q:PlainTextContent", NS).text == "key quote\nsecond line"
    assert [child.tag.split("}")[1] for child in selection] == ["Description", "Coding",
                                                                 "Coding", "NoteRef"]
    memo_only = root.find(".//q:PlainTextSelection[@name='the \"checkpoint\"']", NS)
    assert memo_only.findall("q:Coding", NS) == []
    assert memo_only.find("q:Description", NS).text == "memo only, no tag"


def test_users_come_from_the_annotators_and_every_element_says_who_and_when(
    store: AnnotationStore,
) -> None:
    root = project_root(qdpx_bytes(store))
    users = {user.get("name"): user.get("guid") for user in root.iterfind(".//q:User", NS)}
    assert set(users) == {"amira", "Ömer"}
    assert root.get("creatingUserGUID") == root.get("modifyingUserGUID") == users["amira"]
    assert root.get("creationDateTime") == T0 and root.get("modifiedDateTime") >= T2[:19]
    arabic = root.find(".//q:PlainTextSelection[@name='عودة اللاجئين']", NS)
    assert arabic.get("creatingUser") == users["Ömer"]
    assert arabic.get("creationDateTime") == T1
    assert arabic.get("modifiedDateTime") == "2026-02-01T12:30:00Z"
    assert arabic.find("q:Coding", NS).get("creatingUser") == users["Ömer"]
    for tag in ("TextSource", "PlainTextSelection", "Coding", "Note"):
        for element in root.iterfind(f".//q:{tag}", NS):
            assert element.get("creatingUser") in users.values(), tag
            assert element.get("creationDateTime"), tag


def test_the_codebook_keeps_hierarchy_colours_and_descriptions(store: AnnotationStore) -> None:
    xml, _count = codebook_xml(store)
    root = ET.fromstring(xml)
    (return_,) = root.findall("c:Codes/c:Code[@name='return']", NS)
    assert return_.get("color") == "#AA00CC"
    assert return_.find("c:Description", NS).text == "Return & <its> conditions"
    assert [code.get("name") for code in return_.findall("c:Code", NS)] == ["voluntary"]
    assert [code.get("name") for code in root.findall("c:Codes/c:Code", NS)] == [
        "detainees", "return"]
    for code in root.iter(f"{{{NS['c']}}}Code"):
        assert re.fullmatch(r"#[0-9A-F]{6}", code.get("color", ""))
        assert code.get("isCodable") == "true"
    project_codes = project_root(qdpx_bytes(store)).find("q:CodeBook/q:Codes", NS)
    assert [code.get("name") for code in project_codes.iter(f"{{{NS['q']}}}Code")] == [
        "detainees", "return", "voluntary"]


def test_no_empty_sets_and_no_empty_containers(store: AnnotationStore, tmp_path: Path) -> None:
    root = project_root(qdpx_bytes(store))
    assert root.find("q:Sets", NS) is None
    assert b"<Sets" not in codebook_xml(store)[0]
    empty = without_default_tags(AnnotationStore(tmp_path / "empty.json"))
    bare = project_root(qdpx_bytes(empty))
    assert list(bare) == []  # no Users, CodeBook, Sources or Notes without content
    assert xsd_errors(project_schema(), qdpx_members(qdpx_bytes(empty))["project.qde"]) == []
    with pytest.raises(ExportError, match="codebook is empty"):
        codebook_xml(empty)


# ---------------------------------------------------------------------------- stable GUIDs


def test_exporting_twice_gives_the_same_guids_and_bytes(store: AnnotationStore,
                                                       tmp_path: Path) -> None:
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    export_qdpx(store, first)
    export_qdpx(store, second)
    assert first.read_bytes() == second.read_bytes()
    before = set(GUID.findall(qdpx_members(first.read_bytes())["project.qde"].decode()))
    # A new passage elsewhere adds GUIDs and changes none of the others.
    store.put_annotation(_passage("ann-5", "doc-notes", NOTES, "convoy",
                                  tags=(store.codebook().resolve("detainees").id,)))
    after = set(GUID.findall(qdpx_members(qdpx_bytes(store))["project.qde"].decode()))
    assert before < after
    assert len(after - before) == 2  # the selection and its coding, nothing else


def test_guids_are_derived_from_our_ids_not_drawn_at_random(
    store: AnnotationStore, db_path: Path, tmp_path: Path,
) -> None:
    """A copy of the database (another machine, another day) names everything the same, and a
    renamed document or tag keeps its GUID: it is the same record."""
    # The database's folder whole: its catalogue and the files beside it.
    shutil.copytree(db_path.parent, tmp_path / "elsewhere")
    copy_path = tmp_path / "elsewhere" / db_path.name
    original = qdpx_bytes(store)
    assert qdpx_bytes(AnnotationStore(copy_path, annotator="amira")) == original
    root = project_root(original)
    guids = [element.get("guid") for element in root.iter() if element.get("guid")]
    assert all(GUID.fullmatch(guid) for guid in guids) and len(set(guids)) == len(guids)
    store.update_document(store.get_document("doc-notes").evolve(title="Renamed notes"))
    store.rename_tag(store.codebook().resolve("detainees").id, "detained people")
    renamed = project_root(qdpx_bytes(store))
    assert sorted(element.get("guid") for element in renamed.iter() if element.get("guid")) == (
        sorted(guids))
    assert renamed.find(".//q:TextSource[@name='Renamed notes']", NS) is not None


# ---------------------------------------------------------------------------- left out


def test_a_missing_or_changed_file_leaves_its_document_out_with_a_warning(
    store: AnnotationStore, docs: Path, tmp_path: Path,
) -> None:
    (docs / "notes.txt").write_text(NOTES + "an added line\n", encoding="utf-8")
    data, outcome = project_archive(store)
    assert outcome.count == 3
    (warning,) = outcome.warnings
    assert warning.startswith("'Field notes' and its 1 passage(s) left out: its file changed")
    root = ET.fromstring(qdpx_members(data)["project.qde"])
    assert [s.get("name") for s in root.iterfind(".//q:TextSource", NS)] == ["Interview 3"]
    assert root.find(".//q:Note", NS).find("q:PlainTextContent", NS).text == (
        "key quote\nsecond line")  # the left-out memo is not among the notes
    (docs / "notes.txt").unlink()
    _data, outcome = project_archive(store)
    assert "its file is missing" in outcome.warnings[0] and "reader docs relink" in (
        outcome.warnings[0])
    (docs / "interview.txt").unlink()
    with pytest.raises(ExportError, match="nothing to export: 'Field notes'"):
        project_archive(store)
    assert not (tmp_path / "out.qdpx").exists()


def test_passages_waiting_for_reanchoring_are_left_out_and_counted(
    store: AnnotationStore,
) -> None:
    moved = store.get_annotation("ann-3")
    store.put_annotation(moved.evolve(start=moved.start + 1, end=moved.end + 1,
                                      needs_reanchor=True))
    data, outcome = project_archive(store)
    assert outcome.count == 3
    assert outcome.warnings == ("'Interview 3': 1 passage(s) waiting for re-anchoring left out "
                                "(open the document in reader to place them)",)
    assert project_root(data).find(".//q:PlainTextSelection[@name='Families of detainees']",
                                   NS) is None


# ---------------------------------------------------------------------------- filters, files


def test_a_tag_filter_keeps_those_codings_and_the_hierarchy_above_them(
    store: AnnotationStore,
) -> None:
    voluntary = store.codebook().resolve("voluntary")
    root = project_root(qdpx_bytes(store, tag_ids=[voluntary.id]))
    assert [s.get("name") for s in root.iterfind(".//q:PlainTextSelection", NS)] == [
        "Return must be voluntary, safe and dignified."]
    assert len(root.findall(".//q:Coding", NS)) == 1
    assert [code.get("name") for code in root.iter(f"{{{NS['q']}}}Code")] == [
        "return", "voluntary"]
    xml, count = codebook_xml(store, [voluntary.id])
    assert count == 2 and xsd_errors(codebook_schema(), xml) == []


def test_a_document_filter_keeps_those_sources(store: AnnotationStore) -> None:
    root = project_root(qdpx_bytes(store, document_ids=["doc-notes"]))
    assert [s.get("name") for s in root.iterfind(".//q:TextSource", NS)] == ["Field notes"]


def test_exports_write_files_and_streams(store: AnnotationStore, tmp_path: Path) -> None:
    target = tmp_path / "project.qdpx"
    outcome = export_qdpx(store, target)
    assert (outcome.count, outcome.what) == (4, "passage")
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert names[0] == "project.qde" and all(
            re.fullmatch(r"sources/[0-9A-F-]{36}\.txt", name) for name in names[1:])
        assert archive.testzip() is None
    stream = io.BytesIO()
    export_qdpx(store, stream)
    assert stream.getvalue() == target.read_bytes()
    text = io.StringIO()
    assert export_qdc(store, text).count == 3
    assert text.getvalue().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<CodeBook ')
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        export_qdpx(store, tmp_path / "a-file" / "x.qdpx")
    assert target.read_bytes() == stream.getvalue()
