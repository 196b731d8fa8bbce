"""REFI-QDA project import: hand-written `.qdpx` files for each tolerance real tools need, hostile
archives refused, idempotence, undo, and the round trip through our own export."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.interop.qdpx_import import QdpxImportError, StoredText, import_qdpx, place_selection
from reader.interop.registry import import_format_for
from reader.paths import imported_texts_dir

USER = "11111111-2222-4333-8444-555555555555"
JOY = "2F1E0D9C-8B7A-4654-9321-0FEDCBA98765"
SOURCE = "A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF"


def project_xml(selections: str, *, text_source_extra: str = "", namespace: str =
                "urn:QDA-XML:project:1.0", codes: str = "", after_sources: str = "",
                sources_extra: str = "", path: str = f"internal://{SOURCE}.txt",
                source_name: str = "interview01.txt") -> str:
    codes = codes or f"""
      <Code guid="7B0A6C3E-52F4-4A8E-9D2B-0C1D2E3F4A5B" name="Emotion" isCodable="false">
        <Code guid="{JOY}" name="Joy" isCodable="true" color="#FFCC00">
          <Description>Expressions of happiness</Description>
        </Code>
      </Code>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{namespace}" name="demo" origin="a tool">
  <Users><User guid="{USER}" name="coder1"/></Users>
  <CodeBook><Codes>{codes}</Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE}" name="{source_name}" plainTextPath="{path}">
      {selections}
      {text_source_extra}
    </TextSource>
    {sources_extra}
  </Sources>
  {after_sources}
</Project>
"""


def selection(start: int, end: int, name: str | None, *, guid: str =
              "0A0B0C0D-0E0F-4010-8111-121314151617", memo: str = "") -> str:
    named = "" if name is None else f' name="{name}"'
    description = f"<Description>{memo}</Description>" if memo else ""
    return f"""<PlainTextSelection guid="{guid}"{named} startPosition="{start}"
        endPosition="{end}" creatingUser="{USER}" creationDateTime="2024-05-01T12:01:00Z">
        {description}
        <Coding guid="9F8E7D6C-5B4A-4392-8170-{guid[-12:]}"><CodeRef targetGUID="{JOY}"/></Coding>
      </PlainTextSelection>"""


def qdpx(tmp_path: Path, project: str, sources: dict[str, bytes] | None = None,
         name: str = "project.qdpx", project_member: str = "project.qde") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(project_member, project.encode("utf-8"))
        for member, data in (sources or {}).items():
            archive.writestr(member, data)
    return path


@pytest.fixture
def store(db_path: Path) -> AnnotationStore:
    store = AnnotationStore(db_path, annotator="me")
    for tag in store.codebook():  # a new store comes with the field's common themes
        store.delete_tag(tag.id)
    return store


def passages(store: AnnotationStore) -> list[tuple[str, tuple[str, ...], str, str]]:
    codebook = store.codebook()
    return [(a.quote, tuple(codebook.path(t) for t in a.tags), a.memo, a.annotator)
            for a in store.annotations()]


TEXT = "I was very happy that day.\nThen sad.\n"


def test_a_standard_project_imports_texts_codes_users_memos_and_times(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy", memo="emphatic")),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert report.warnings == []
    assert report.codes.created == ["Emotion", "Emotion/Joy"]
    assert passages(store) == [("happy", ("Emotion/Joy",), "emphatic", "coder1")]
    assert store.annotations()[0].created == "2024-05-01T12:01:00Z"
    (document,) = store.documents()
    assert document.title == "interview01.txt"
    # Kept beside the database as a file that opens like any text document.
    assert Path(document.path).parent == imported_texts_dir(store.path)
    assert load_document(document.path).text == TEXT
    assert load_document(document.path).sha256 == document.sha256
    assert import_format_for(path).name == "qdpx"


def test_importing_twice_adds_nothing_and_the_import_is_one_undo_step(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy")),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    import_qdpx(store, path)
    again = import_qdpx(store, path)
    assert again.passages_added == 0 and again.passages_known == 1
    assert again.documents_added == [] and again.codes.created == []
    assert len(store.annotations()) == 1 and len(store.documents()) == 1
    store.undo()  # the second import changed nothing; this takes back the first
    assert store.annotations() == [] and len(store.codebook()) == 0


def test_a_text_already_a_document_is_not_added_again(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text(TEXT, encoding="utf-8")
    loaded = load_document(mine)
    store.register_document(path=mine, text=loaded.text, title="mine", size=loaded.size,
                            encoding=loaded.encoding, sha256=loaded.sha256)
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy")),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert report.documents_added == [] and report.documents_known == ["interview01.txt"]
    (document,) = store.documents()
    assert store.annotations()[0].document == document.id
    assert not imported_texts_dir(store.path).exists()


# ---------------------------------------------------------------------------- positions


def test_a_bom_is_not_counted_and_sources_are_found_whatever_their_case(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    """QualCoder writes its texts with a BOM; the standard's annex writes Sources/."""
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy")),
                {f"Sources/{SOURCE.lower()}.txt": b"\xef\xbb\xbf" + TEXT.encode()},
                project_member="Project.qde")
    report = import_qdpx(store, path)
    assert passages(store)[0][0] == "happy", report.warnings
    assert report.notes == []  # read the standard's way


def test_crlf_counts_two_as_the_standard_says_and_lands_on_the_canonical_text(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    stored = "First line.\r\nSecond line.\r\nI was very happy.\r\n"
    start = stored.index("happy")
    path = qdpx(tmp_path, project_xml(selection(start, start + 5, "happy")),
                {f"sources/{SOURCE}.txt": stored.encode()})
    report = import_qdpx(store, path)
    (annotation,) = store.annotations()
    canonical = stored.replace("\r\n", "\n")
    assert (annotation.start, annotation.quote) == (canonical.index("happy"), "happy")
    assert report.notes == []  # by the standard's count, not by looking for the name


def test_atlas_ti_counting_a_crlf_as_one_is_recognised_by_the_name(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    stored = "First line.\r\nSecond line.\r\nI was very happy.\r\n"
    canonical = stored.replace("\r\n", "\n")
    start = canonical.index("happy")
    path = qdpx(tmp_path, project_xml(selection(start, start + 5, "happy")),
                {f"sources/{SOURCE}.txt": stored.encode()})
    report = import_qdpx(store, path)
    assert [a.start for a in store.annotations()] == [start]
    assert any("a CRLF as one character" in note for note in report.notes)


def test_qualcoder_counting_utf16_units_with_emoji_is_recognised_by_the_name(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    stored = "Family 👩‍👩‍👧 and 🙂 then: I was very happy.\n"
    units = stored.encode("utf-16-le")
    start = units.index("happy".encode("utf-16-le")) // 2
    assert start != stored.index("happy")  # the two counts disagree here
    path = qdpx(tmp_path, project_xml(selection(start, start + 5, "happy")),
                {f"sources/{SOURCE}.txt": stored.encode()})
    report = import_qdpx(store, path)
    (annotation,) = store.annotations()
    assert (annotation.start, annotation.quote) == (stored.index("happy"), "happy")
    assert any("UTF-16" in note for note in report.notes)


def test_emoji_counted_in_code_points_stay_where_the_standard_puts_them(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    stored = "Family 👩‍👩‍👧 and 🙂 then: I was very happy.\n"
    start = stored.index("happy")
    path = qdpx(tmp_path, project_xml(selection(start, start + 5, "happy")),
                {f"sources/{SOURCE}.txt": stored.encode()})
    report = import_qdpx(store, path)
    assert [a.start for a in store.annotations()] == [start] and report.notes == []


def test_a_name_cut_short_by_its_tool_still_confirms_the_span(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    """Some exporters write only the first 60 characters of the quote as the name."""
    sentence = "Return must be voluntary, safe and dignified, and it must be the refugees' choice."
    stored = "🙂 Q: How?\r\nA: " + sentence + "\r\n"
    start = stored.index("Return")
    path = qdpx(tmp_path, project_xml(selection(start, start + len(sentence), sentence[:60])),
                {f"sources/{SOURCE}.txt": stored.encode()})
    report = import_qdpx(store, path)
    assert [a.quote for a in store.annotations()] == [sentence], report.warnings


def test_an_internal_path_naming_the_sources_folder_is_read(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy"),
                                      path="internal://Sources/sample.txt"),
                {"Sources/sample.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert passages(store)[0][0] == "happy", report.warnings


def test_nvivo_empty_names_trust_the_standard_positions(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    path = qdpx(tmp_path, project_xml(selection(11, 16, "")),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    import_qdpx(store, path)
    assert passages(store)[0][0] == "happy"


def test_a_selection_no_reading_can_place_is_reported_not_fatal(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    selections = (selection(11, 16, "nowhere in the text") +
                  selection(21, 24, "day", guid="0A0B0C0D-0E0F-4010-8111-999999999999"))
    path = qdpx(tmp_path, project_xml(selections), {f"sources/{SOURCE}.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert [a.quote for a in store.annotations()] == ["day"]
    assert any("1 passage(s) could not be placed" in w and "nowhere" in w
               for w in report.warnings)


def test_every_reading_is_tried_in_order() -> None:
    text = StoredText("ab\r\ncd 🙂 ef")
    assert place_selection(text, 9, 11, "ef")[:2] == (8, 10)  # type: ignore[index]
    assert place_selection(text, 8, 10, "ef")[2] == (  # type: ignore[index]
        "positions counting a CRLF as one character")
    assert place_selection(text, 10, 12, "ef")[2] == (  # type: ignore[index]
        "positions in UTF-16 units")
    assert place_selection(text, 0, 2, "zz") is None


# ---------------------------------------------------------------------------- codebooks


@pytest.mark.parametrize("namespace", ["urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4"])
def test_the_namespaces_nvivo_for_mac_and_atlas_ti_write_are_read_alike(
    store: AnnotationStore, tmp_path: Path, namespace: str,
) -> None:
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy"), namespace=namespace),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert report.warnings == []
    assert passages(store) == [("happy", ("Emotion/Joy",), "", "coder1")]


def test_same_names_under_different_parents_stay_apart_and_flat_paths_nest(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    codes = f"""
      <Code guid="11111111-0000-4000-8000-000000000001" name="Emotion" isCodable="false">
        <Code guid="{JOY}" name="Joy" isCodable="true"/>
      </Code>
      <Code guid="11111111-0000-4000-8000-000000000002" name="Memory" isCodable="false">
        <Code guid="11111111-0000-4000-8000-000000000003" name="Joy" isCodable="true"/>
      </Code>
      <Code guid="11111111-0000-4000-8000-000000000004" name="Place/Home" isCodable="true"/>"""
    selections = selection(11, 16, "happy") + """
      <PlainTextSelection guid="0A0B0C0D-0E0F-4010-8111-222222222222" name="Then sad"
          startPosition="27" endPosition="35">
        <Coding guid="9F8E7D6C-5B4A-4392-8170-000000000003">
          <CodeRef targetGUID="11111111-0000-4000-8000-000000000003"/></Coding>
        <Coding guid="9F8E7D6C-5B4A-4392-8170-000000000004">
          <CodeRef targetGUID="11111111-0000-4000-8000-000000000004"/></Coding>
      </PlainTextSelection>"""
    path = qdpx(tmp_path, project_xml(selections, codes=codes),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    import_qdpx(store, path)
    assert [p[:2] for p in passages(store)] == [
        ("happy", ("Emotion/Joy",)), ("Then sad", ("Memory/Joy", "Place/Home"))]


# ---------------------------------------------------------------------------- skipped parts


def test_sets_and_audio_and_pdf_without_text_are_reported_and_skipped(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    others = """
      <AudioSource guid="22222222-0000-4000-8000-000000000001" name="talk.m4a"
                   path="internal://22222222-0000-4000-8000-000000000001.m4a"/>
      <PDFSource guid="22222222-0000-4000-8000-000000000002" name="paper.pdf"
                 path="internal://22222222-0000-4000-8000-000000000002.pdf"/>"""
    sets = """<Sets><Set guid="33333333-0000-4000-8000-000000000001" name="Feelings">
        <MemberCode targetGUID="2F1E0D9C-8B7A-4654-9321-0FEDCBA98765"/></Set></Sets>"""
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy"), sources_extra=others,
                                      after_sources=sets),
                {f"sources/{SOURCE}.txt": TEXT.encode(),
                 "sources/22222222-0000-4000-8000-000000000001.m4a": b"\x00" * 64})
    report = import_qdpx(store, path)
    assert passages(store)[0][0] == "happy"
    joined = " | ".join(report.warnings)
    assert "1 audio source(s) skipped" in joined
    assert "1 PDF without a plain text source(s) skipped" in joined
    assert "1 set(s) skipped" in joined


def test_a_pdf_with_a_plain_text_representation_is_read_from_it(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    pdf = f"""<Sources>
      <PDFSource guid="22222222-0000-4000-8000-000000000002" name="paper.pdf"
                 path="internal://22222222-0000-4000-8000-000000000002.pdf">
        <Representation guid="{SOURCE}" name="paper.txt"
                        plainTextPath="internal://{SOURCE}.txt">
          {selection(11, 16, "happy")}
        </Representation>
      </PDFSource></Sources>"""
    project = project_xml("").replace(project_xml("").split("<Sources>")[1].split(
        "</Sources>")[0], "").replace("<Sources></Sources>", pdf)
    path = qdpx(tmp_path, project, {f"sources/{SOURCE}.txt": TEXT.encode()})
    import_qdpx(store, path)
    assert passages(store)[0][0] == "happy"
    assert store.documents()[0].title == "paper.pdf"


def test_schema_problems_are_warnings(store: AnnotationStore, tmp_path: Path) -> None:
    project = project_xml(selection(11, 16, "happy")).replace(' name="demo"', "")
    path = qdpx(tmp_path, project, {f"sources/{SOURCE}.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert passages(store)[0][0] == "happy"
    assert any("Project.xsd" in w and "name" in w for w in report.warnings)


# ---------------------------------------------------------------------------- hostile files


@pytest.mark.parametrize("reference", [
    "internal://../../outside.txt", "internal://sub/../../outside.txt",
    "internal:///etc/passwd", "internal://C:/Windows/win.ini", "relative://outside.txt",
    "absolute:///tmp/outside.txt",
])
def test_nothing_outside_the_archive_is_read(
    store: AnnotationStore, tmp_path: Path, reference: str,
) -> None:
    (tmp_path / "outside.txt").write_text(TEXT, encoding="utf-8")
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy"), path=reference),
                {"sources/../../outside.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert store.annotations() == [] and store.documents() == []
    assert any("skipped" in w for w in report.warnings), report.warnings


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    path = qdpx(tmp_path, project_xml(selection(11, 16, "happy")),
                {f"sources/{SOURCE}.txt": b"a" * (64 << 20)})
    with pytest.raises(QdpxImportError, match="zip bomb"):
        import_qdpx(store, path)
    assert store.annotations() == [] and store.documents() == []


def test_entities_are_refused_unexpanded(store: AnnotationStore, tmp_path: Path) -> None:
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n')
    project = project_xml(selection(11, 16, "&b;")).replace(
        '<?xml version="1.0" encoding="UTF-8"?>\n', laughs)
    path = qdpx(tmp_path, project, {f"sources/{SOURCE}.txt": TEXT.encode()})
    with pytest.raises(QdpxImportError, match="DOCTYPE"):
        import_qdpx(store, path)


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken"])
def test_a_damaged_archive_is_one_line(store: AnnotationStore, tmp_path: Path,
                                       content: bytes) -> None:
    path = tmp_path / "broken.qdpx"
    path.write_bytes(content)
    with pytest.raises(QdpxImportError) as caught:
        import_qdpx(store, path)
    assert "\n" not in str(caught.value) and "broken.qdpx" in str(caught.value)


def test_an_archive_without_a_project_is_one_line(store: AnnotationStore, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", b"<x/>")
    path = tmp_path / "other.qdpx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(QdpxImportError, match="no project.qde"):
        import_qdpx(store, path)


def test_a_whole_source_coding_and_a_missing_code_are_kept_and_reported(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    whole = f"""<Coding guid="44444444-0000-4000-8000-000000000001">
        <CodeRef targetGUID="{JOY}"/></Coding>"""
    missing = selection(11, 16, "happy").replace(JOY, "55555555-0000-4000-8000-000000000009")
    path = qdpx(tmp_path, project_xml(missing, text_source_extra=whole),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    report = import_qdpx(store, path)
    assert passages(store) == [(TEXT.strip(), ("Emotion/Joy",), "", "me")]
    assert any("codings of 1 code(s) the codebook does not have" in w
               and "55555555-0000-4000-8000-000000000009" in w for w in report.warnings)


def test_mangled_projects_import_or_fail_in_one_line(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    """Cut and flipped bytes, in the archive and in project.qde: never a library's exception."""
    import random

    project = project_xml(selection(11, 16, "happy", memo="m")).encode()
    good = qdpx(tmp_path, project.decode(), {f"sources/{SOURCE}.txt": TEXT.encode()})
    archive = good.read_bytes()
    chance = random.Random(11)
    variants: list[tuple[bytes | None, bytes]] = []
    for _ in range(40):
        cut = chance.randrange(len(project))
        flipped = bytearray(project)
        for _ in range(3):
            flipped[chance.randrange(len(flipped))] = chance.randrange(256)
        variants += [(project[:cut], b""), (bytes(flipped), b"")]
        mangled = bytearray(archive)
        mangled[chance.randrange(len(mangled))] ^= 0xFF
        variants.append((None, bytes(mangled)))
    for index, (qde, whole) in enumerate(variants):
        path = tmp_path / f"mangled{index}.qdpx"
        if qde is not None:
            with zipfile.ZipFile(path, "w") as out:
                out.writestr("project.qde", qde)
                out.writestr(f"sources/{SOURCE}.txt", TEXT.encode())
        else:
            path.write_bytes(whole)
        try:
            import_qdpx(store, path)
        except QdpxImportError as error:
            assert "\n" not in str(error) and path.name in str(error)


def test_a_memo_kept_only_as_a_note_is_read_and_a_description_too(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    note_ref = '<NoteRef targetGUID="66666666-0000-4000-8000-000000000001"/>'
    with_note = selection(11, 16, "happy").replace("</PlainTextSelection>",
                                                   note_ref + "</PlainTextSelection>")
    both = selection(21, 24, "day", guid="0A0B0C0D-0E0F-4010-8111-777777777777",
                     memo="said twice").replace(
        "</PlainTextSelection>", note_ref.replace("0001", "0002") + "</PlainTextSelection>")
    notes = """<Notes>
      <Note guid="66666666-0000-4000-8000-000000000001" name="memo">
        <PlainTextContent>only in the note</PlainTextContent></Note>
      <Note guid="66666666-0000-4000-8000-000000000002" name="memo">
        <PlainTextContent>said twice</PlainTextContent></Note></Notes>"""
    path = qdpx(tmp_path, project_xml(with_note + both, after_sources=notes),
                {f"sources/{SOURCE}.txt": TEXT.encode()})
    import_qdpx(store, path)
    assert [(p[0], p[2]) for p in passages(store)] == [
        ("happy", "only in the note"), ("day", "said twice")]
