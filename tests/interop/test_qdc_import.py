"""REFI-QDA codebook import: what real tools write, read alike; hostile XML refused unexpanded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reader.core.store import AnnotationStore
from reader.interop.refi_qda import export_qdc
from reader.interop.refi_qda_import import QdcImportError, import_qdc, read_codebook
from reader.interop.registry import IMPORT_FORMATS, import_format_for

FIXTURES = Path(__file__).parent / "fixtures"

STANDARD = """<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="a tool">
  <Codes>
    <Code guid="7b0a6c3e-52f4-4a8e-9d2b-0c1d2e3f4a5b" name="Emotion" isCodable="false">
      <Description>Parent category (folder)</Description>
      <Code guid="2f1e0d9c-8b7a-4654-9321-0fedcba98765" name="Joy" isCodable="true"
            color="#FFCC00">
        <Description>Expressions of happiness</Description>
      </Code>
    </Code>
    <Code guid="11111111-52f4-4a8e-9d2b-0c1d2e3f4a5b" name="Memory" isCodable="false">
      <Code guid="22222222-8b7a-4654-9321-0fedcba98765" name="Joy" isCodable="true"
            color="#0a5"/>
    </Code>
  </Codes>
</CodeBook>
"""


def codebook_file(tmp_path: Path, text: str, name: str = "codes.qdc") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def store(db_path: Path) -> AnnotationStore:
    store = AnnotationStore(db_path, annotator="tester")
    for tag in store.codebook():  # a new store comes with the field's common themes
        store.delete_tag(tag.id)
    return store


def tags(store: AnnotationStore) -> dict[str, tuple[str, str]]:
    codebook = store.codebook()
    return {codebook.path(tag): (tag.colour, tag.description) for tag in codebook}


def test_folders_become_parents_and_same_named_children_stay_apart(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    report = import_qdc(store, codebook_file(tmp_path, STANDARD))
    assert report.created == ["Emotion", "Emotion/Joy", "Memory", "Memory/Joy"]
    assert report.warnings == []
    found = tags(store)
    assert found["Emotion/Joy"] == ("#ffcc00", "Expressions of happiness")
    assert found["Emotion"][1] == "Parent category (folder)"
    assert found["Memory/Joy"][0] == "#00aa55"  # #RGB spelled out
    codebook = store.codebook()
    joys = [tag for tag in codebook if tag.name == "Joy"]
    assert len(joys) == 2 and {codebook.get(t.parent).name for t in joys} == {  # type: ignore[arg-type]
        "Emotion", "Memory"}


@pytest.mark.parametrize("namespace", ["urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4"])
def test_the_namespaces_nvivo_for_mac_and_atlas_ti_write_are_read_alike(
    store: AnnotationStore, tmp_path: Path, namespace: str,
) -> None:
    text = STANDARD.replace("urn:QDA-XML:codebook:1.0", namespace)
    report = import_qdc(store, codebook_file(tmp_path, text))
    assert report.created == ["Emotion", "Emotion/Joy", "Memory", "Memory/Joy"]
    assert report.warnings == []


def test_an_unknown_namespace_or_none_is_read_with_a_warning(store: AnnotationStore,
                                                             tmp_path: Path) -> None:
    text = STANDARD.replace(' xmlns="urn:QDA-XML:codebook:1.0"', "")
    report = import_qdc(store, codebook_file(tmp_path, text))
    assert len(report.created) == 4
    assert report.warnings == ["codes.qdc: unfamiliar namespace '(none)'; read as a REFI-QDA "
                               "codebook"]


def test_a_codebook_taguette_wrote_flat_names_become_a_hierarchy(
    store: AnnotationStore,
) -> None:
    """Written by Taguette 1.5.2 itself (see fixtures/README.md), empty <Sets/> and all."""
    report = import_qdc(store, FIXTURES / "taguette-1.5.2.qdc")
    assert report.created == [
        "interesting", "people.family", "emotion", "emotion/joy", "emotion/fear",
        "place", "place/home", "place/home/kitchen", "Émigré & <others>",
    ]
    assert report.warnings == []  # an empty <Sets/> is nothing to report
    codebook = store.codebook()
    assert codebook.get(codebook.resolve("kitchen").parent).name == "home"  # type: ignore[arg-type]


def test_sets_and_bad_colours_are_reported_not_fatal(store: AnnotationStore,
                                                     tmp_path: Path) -> None:
    text = STANDARD.replace('color="#FFCC00"', 'color="yellow"').replace(
        "</Codes>", '</Codes><Sets><Set guid="{5d4c3b2a-1908-4776-8655-443322110099}" '
                    'name="Affect"><MemberCode guid="2f1e0d9c-8b7a-4654-9321-0fedcba98765"/>'
                    "</Set></Sets>")
    report = import_qdc(store, codebook_file(tmp_path, text))
    assert len(report.created) == 4
    assert report.warnings == [
        "colours that are not #RRGGBB replaced by palette colours: Emotion/Joy ('yellow')",
        "1 set(s) skipped: reader has no sets of codes",
    ]
    assert tags(store)["Emotion/Joy"][0].startswith("#")


def test_importing_twice_adds_nothing_and_undo_takes_the_import_back(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    path = codebook_file(tmp_path, STANDARD)
    import_qdc(store, path)
    before = tags(store)
    again = import_qdc(store, path)
    assert again.created == [] and len(again.existing) == 4
    assert tags(store) == before
    step = store.undo()  # the second import changed nothing, so it is no step of its own
    assert step is not None and step.label == "import codebook codes.qdc"
    assert tags(store) == {}


def test_a_top_level_code_is_not_a_same_named_child_already_there(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    store.create_tag("Emotion/Joy")
    text = """<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="2f1e0d9c-8b7a-4654-9321-0fedcba98765" name="Joy" isCodable="true"/>
    </Codes></CodeBook>"""
    report = import_qdc(store, codebook_file(tmp_path, text))
    assert report.created == ["Joy"]
    assert set(tags(store)) == {"Emotion", "Emotion/Joy", "Joy"}


def test_our_own_export_comes_back_the_same(store: AnnotationStore, tmp_path: Path) -> None:
    store.create_tag("return/voluntary", colour="#aa00cc", description="Return & <its> terms")
    store.create_tag("detainees", colour="#009e73", description="line one\nline two")
    exported = tmp_path / "ours.qdc"
    export_qdc(store, exported)
    fresh = AnnotationStore(tmp_path / "fresh" / "db.json")
    for tag in fresh.codebook():
        fresh.delete_tag(tag.id)
    import_qdc(fresh, exported)
    assert tags(fresh) == tags(store)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
         '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
         '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&lol2;" '
         'isCodable="true"/></Codes></CodeBook>', "declares a DOCTYPE or entities"),
        ('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
         '<CodeBook><Codes><Code guid="x" name="&secret;" isCodable="true"/></Codes>'
         "</CodeBook>", "declares a DOCTYPE or entities"),
        ("<CodeBook><Codes><Code name='a'></Codes>", "not well-formed XML"),
        ('<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>',
         "not a REFI-QDA codebook (it is a REFI-QDA project (.qdpx/.qde))"),
        ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "holds no codes"),
    ],
)
def test_hostile_or_wrong_files_are_refused_with_one_line_and_change_nothing(
    store: AnnotationStore, tmp_path: Path, text: str, message: str,
) -> None:
    with pytest.raises(QdcImportError, match=re.escape(message)) as raised:
        import_qdc(store, codebook_file(tmp_path, text))
    assert "\n" not in str(raised.value) and str(raised.value).startswith("codes.qdc: ")
    assert tags(store) == {}


def test_a_huge_file_is_refused_before_parsing() -> None:
    with pytest.raises(QdcImportError, match="too large for a codebook"):
        read_codebook(b" " * (33 * 1024 * 1024), "big.qdc")


def test_the_importer_is_chosen_by_suffix_and_csv_stays_the_default() -> None:
    assert import_format_for(Path("A.QDC")) is IMPORT_FORMATS["qdc"]
    assert import_format_for(Path("export.csv")) is IMPORT_FORMATS["csv"]
    assert import_format_for(Path("export.txt")) is IMPORT_FORMATS["csv"]
