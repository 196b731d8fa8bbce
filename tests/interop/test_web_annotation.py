"""W3C Web Annotation export, checked against the W3C test suite's MUST assertions."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from exchange_validation import STANDARDS, TAGGING_FEATURES, failed_assertions

from reader.core.anchors import CONTEXT_LENGTH, make_anchor
from reader.core.models import Annotation, Document
from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.interop.registry import ExportError
from reader.interop.web_annotation import export_w3c

T0, T1 = "2026-01-02T03:04:05Z", "2026-01-03T10:00:00Z"
# Emoji before the passages: positions in UTF-16 units (what a browser's JavaScript counts)
# would land two and more characters later.
TEXT = (
    "Interview 3 👩‍👩‍👧 family 🙂\n"
    "A: Return must be voluntary, safe and dignified, and nobody should be pushed back.\n"
    "Families of detainees asked for news.\n"
)


def _passage(id: str, quote: str, tags: tuple[str, ...], memo: str = "",
             annotator: str = "amira", document: str = "doc-1", text: str = TEXT) -> Annotation:
    start = text.index(quote)
    anchor = make_anchor(text, start, start + len(quote))
    return Annotation(id=id, document=document, start=anchor.start, end=anchor.end,
                      quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix,
                      tags=tags, memo=memo, annotator=annotator, created=T0, updated=T1)


def _register(store: AnnotationStore, path: Path, id: str) -> None:
    loaded = load_document(path)
    store.update_document(Document(id=id, path=str(loaded.path), title=loaded.title,
                                   size=loaded.size, encoding=loaded.encoding,
                                   sha256=loaded.sha256, added=T0, updated=T0))


@pytest.fixture
def store(db_path: Path, tmp_path: Path) -> AnnotationStore:
    folder = tmp_path / "corpus" / "interviews 2026"
    folder.mkdir(parents=True)
    (folder / "interview 3.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "corpus" / "notes.txt").write_text("Plain notes here.\n", encoding="utf-8")
    store = AnnotationStore(db_path, annotator="amira")
    _register(store, folder / "interview 3.txt", "doc-1")
    _register(store, tmp_path / "corpus" / "notes.txt", "doc-2")
    tags, _ = store.ensure_tags(["return/voluntary", "detainees"])
    voluntary, detainees = (tag.id for tag in tags)
    for annotation in (
        _passage("ann-1", "voluntary, safe and dignified", (voluntary, detainees),
                 memo="a key quote"),
        _passage("ann-2", "Families of detainees", (detainees,), annotator=""),
        _passage("ann-3", "notes", (), memo="memo alone", document="doc-2",
                 text="Plain notes here.\n"),
    ):
        store.put_annotation(annotation)
    return store


def exported(store: AnnotationStore, **options: Any) -> dict[str, Any]:
    stream = io.StringIO()
    export_w3c(store, stream, **options)
    result: dict[str, Any] = json.loads(stream.getvalue())
    return result


def items(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["target"]["selector"][0]["exact"]: item for item in collection["first"]["items"]}


def test_the_collection_page_and_every_annotation_pass_the_w3c_musts(
    store: AnnotationStore,
) -> None:
    collection = exported(store)
    assert failed_assertions("collections/collectionMusts.test", collection) == []
    assert failed_assertions("collections/pages/pageMusts.test", collection) == []
    assert failed_assertions("collections/pages/pageMusts.test", collection["first"] | {
        "@context": collection["@context"]}) == []
    assert len(collection["first"]["items"]) == collection["total"] == 3
    for annotation in collection["first"]["items"]:
        assert failed_assertions("annotations/annotationMusts.test", annotation) == []
        assert failed_assertions("annotations/annotationOptionals.test", annotation,
                                 only=TAGGING_FEATURES if annotation["motivation"] == "tagging"
                                 else TAGGING_FEATURES[:5]) == []


def test_the_validator_fails_what_breaks_a_must() -> None:
    """The checks above can fail: the shared fixtures that break MUSTs fail them here too."""
    fixtures = STANDARDS / "fixtures" / "web-annotation"
    valid = json.loads((fixtures / "valid_tagging.json").read_text(encoding="utf-8"))
    assert failed_assertions("annotations/annotationMusts.test", valid) == []
    for name, broken in (("invalid_no_target.json", 2), ("invalid_bad_selectors.json", 3),
                         ("invalid_bad_purpose_context.json", 3)):
        instance = json.loads((fixtures / name).read_text(encoding="utf-8"))
        assert len(failed_assertions("annotations/annotationMusts.test", instance)) == broken


def test_selectors_quote_with_32_characters_of_context_and_code_point_positions(
    store: AnnotationStore,
) -> None:
    annotation = items(exported(store))["voluntary, safe and dignified"]
    quote, position = annotation["target"]["selector"]
    start = TEXT.index("voluntary, safe")
    end = start + len("voluntary, safe and dignified")
    assert position == {"type": "TextPositionSelector", "start": start, "end": end}
    assert quote == {"type": "TextQuoteSelector", "exact": TEXT[start:end],
                     "prefix": TEXT[start - CONTEXT_LENGTH:start],
                     "suffix": TEXT[end:end + CONTEXT_LENGTH]}
    assert len(quote["prefix"]) == len(quote["suffix"]) == 32
    assert "👩" in TEXT[:start] and len(TEXT[:start].encode("utf-16-le")) // 2 > start


def test_tags_are_tagging_bodies_and_the_memo_a_commenting_one(store: AnnotationStore) -> None:
    found = items(exported(store))
    annotation = found["voluntary, safe and dignified"]
    assert annotation["motivation"] == "tagging"
    assert annotation["body"] == [
        {"type": "TextualBody", "purpose": "tagging", "value": "return/voluntary",
         "format": "text/plain"},
        {"type": "TextualBody", "purpose": "tagging", "value": "detainees",
         "format": "text/plain"},
        {"type": "TextualBody", "purpose": "commenting", "value": "a key quote",
         "format": "text/plain"},
    ]
    assert (annotation["created"], annotation["modified"]) == (T0, T1)
    assert annotation["creator"]["type"] == "Person" and annotation["creator"]["name"] == "amira"
    assert "creator" not in found["Families of detainees"]  # nobody named: no creator
    memo_only = found["notes"]
    assert memo_only["motivation"] == "commenting"
    assert [body["purpose"] for body in memo_only["body"]] == ["commenting"]


def test_sources_are_file_uris_or_relative_to_a_base_url(store: AnnotationStore,
                                                        tmp_path: Path) -> None:
    found = items(exported(store))
    source = found["Families of detainees"]["target"]["source"]
    assert source == (tmp_path / "corpus" / "interviews 2026" / "interview 3.txt").as_uri()
    assert source.startswith("file:///") and "%20" in source
    based = items(exported(store, source_base="https://example.org/corpus"))
    assert based["Families of detainees"]["target"]["source"] == (
        "https://example.org/corpus/interviews%202026/interview%203.txt")
    assert based["notes"]["target"]["source"] == "https://example.org/corpus/notes.txt"
    for annotation in based.values():
        assert failed_assertions("annotations/annotationMusts.test", annotation) == []


@pytest.mark.parametrize("base", ["nope", "corpus/", "https://exa mple.org/"])
def test_a_source_base_that_is_no_absolute_url_is_refused(store: AnnotationStore,
                                                         base: str) -> None:
    with pytest.raises(ExportError, match="--source-base must be an absolute URL"):
        exported(store, source_base=base)


def test_a_passage_waiting_for_reanchoring_keeps_only_its_quote(store: AnnotationStore) -> None:
    stale = store.get_annotation("ann-2")
    store.put_annotation(stale.evolve(start=stale.start + 3, end=stale.end + 3,
                                      needs_reanchor=True))
    stream = io.StringIO()
    outcome = export_w3c(store, stream)
    assert outcome.warnings == ("1 passage(s) waiting for re-anchoring carry their quote only, "
                                "no position",)
    annotation = items(json.loads(stream.getvalue()))["Families of detainees"]
    assert [s["type"] for s in annotation["target"]["selector"]] == ["TextQuoteSelector"]
    assert failed_assertions("annotations/annotationMusts.test", annotation) == []


def test_ids_are_stable_urns_and_exporting_twice_gives_the_same_file(
    store: AnnotationStore, tmp_path: Path,
) -> None:
    first, second = tmp_path / "a.jsonld", tmp_path / "b.jsonld"
    assert export_w3c(store, first).count == 3
    export_w3c(store, second)
    assert first.read_bytes() == second.read_bytes()
    collection = json.loads(first.read_text(encoding="utf-8"))
    ids = [collection["id"], collection["first"]["id"],
           *(item["id"] for item in collection["first"]["items"])]
    assert all(value.startswith("urn:uuid:") for value in ids) and len(set(ids)) == len(ids)


def test_filters_and_an_empty_collection(store: AnnotationStore) -> None:
    detainees = store.codebook().resolve("detainees")
    stream = io.StringIO()
    export_w3c(store, stream, tag_ids=[detainees.id])
    found = items(json.loads(stream.getvalue()))
    assert set(found) == {"voluntary, safe and dignified", "Families of detainees"}
    assert [b["value"] for b in found["voluntary, safe and dignified"]["body"]
            if b["purpose"] == "tagging"] == ["detainees"]
    empty = exported(store, document_ids=[])
    assert empty["total"] == 0 and "first" not in empty
    assert failed_assertions("collections/collectionMusts.test", empty) == []
