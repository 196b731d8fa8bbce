"""REFI-QDA (QDA-XML 1.0) export: `.qdpx` projects and `.qdc` codebooks for other QDA tools.

A `.qdpx` is a zip holding `project.qde` (valid against the standard's `Project.xsd`) and each
document's text as `sources/<GUID>.txt`: the canonical text (UTF-8, LF line ends, no BOM), so a
passage's `startPosition`/`endPosition` are code points of exactly that file, end exclusive, and
its `name` is the quoted text (importers check the span with it). Each tag of a passage is one
`Coding`; the memo is the selection's `Description` and also a `Note` the selection refers to
(some tools read one, some the other). Every GUID is derived from our ids (`stable_guid`), so
exporting twice writes the same GUIDs and, with the same data, the same bytes.

The database keeps quotes, not whole texts, so a document's text comes from its file. A document
whose file is missing, unreadable or changed since it was coded is left out with its passages,
and the outcome's warnings name it; passages waiting for re-anchoring are left out likewise.
A `.qdc` is the codebook alone (valid against `Codebook.xsd`).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO

from reader import __version__
from reader.core.codebook import CodebookError, valid_colour
from reader.core.models import Annotation, Document, Tag
from reader.core.store import AnnotationStore
from reader.interop.common import (
    Selection,
    current_text,
    iso_datetime,
    passages_in_text,
    refuse_store_file,
    select,
    stable_guid,
    write_output,
    xml_safe,
)
from reader.interop.outcomes import ExportError, ExportOutcome

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PROJECT_SCHEMA = "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
CODEBOOK_SCHEMA = "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
ORIGIN = f"reader {__version__}"
PROJECT_FILE = "project.qde"
SOURCES_FOLDER = "sources"
_NOTE_NAME_LENGTH = 40
# Zip entries carry a time; the oldest a zip can hold, unless the project is newer.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _Builder:
    """Elements of one namespace, attributes left out when they have no value.

    The elements are written unqualified under an `xmlns` on the root: ElementTree's own
    `default_namespace` refuses the unqualified attributes QDA-XML uses.
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def element(self, parent: ET.Element | None, tag: str,
                **attributes: str | None) -> ET.Element:
        name = tag
        values = {key: xml_safe(value) for key, value in attributes.items() if value is not None}
        if parent is None:
            return ET.Element(name, {"xmlns": self.namespace, **values})
        return ET.SubElement(parent, name, values)

    def text(self, parent: ET.Element, tag: str, text: str) -> ET.Element:
        child = self.element(parent, tag)
        child.text = xml_safe(text)
        return child


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _colour(tag: Tag) -> str | None:
    try:
        return valid_colour(tag.colour).upper()
    except CodebookError:  # a hand-edited colour: the code goes without one
        return None


def _codes(builder: _Builder, parent: ET.Element, tags: Sequence[Tag]) -> None:
    """`<Codes>` with each tag under its parent; every tag codes passages, so all are codable."""
    included = {tag.id for tag in tags}
    children: dict[str | None, list[Tag]] = {}
    for tag in tags:  # in path order, so siblings come sorted
        parent_id = tag.parent if tag.parent in included else None
        children.setdefault(parent_id, []).append(tag)
    codes = builder.element(parent, "Codes")

    def add(container: ET.Element, tag: Tag, seen: frozenset[str]) -> None:
        code = builder.element(container, "Code", guid=stable_guid("tag", tag.id),
                               name=tag.name, isCodable="true", color=_colour(tag))
        if tag.description:
            builder.text(code, "Description", tag.description)
        for child in children.get(tag.id, []):
            if child.id not in seen:  # a cycle in a hand-edited file: write each code once
                add(code, child, seen | {child.id})

    for tag in children.get(None, []):
        add(codes, tag, frozenset({tag.id}))


def codebook_xml(
    store: AnnotationStore, tag_ids: Sequence[str] | None = None
) -> tuple[bytes, int]:
    """The codebook (or the chosen tags, with their descendants and ancestors) as a `.qdc`, and
    how many codes it holds."""
    selection = select(store, [], tag_ids)
    if not selection.tags:
        raise ExportError("the codebook is empty: there are no tags to export")
    builder = _Builder(CODEBOOK_NS)
    root = builder.element(None, "CodeBook", origin=ORIGIN)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{CODEBOOK_NS} {CODEBOOK_SCHEMA}")
    _codes(builder, root, selection.tags)
    return _serialise(root), len(selection.tags)


def export_qdc(
    store: AnnotationStore,
    destination: Path | IO[str],
    *,
    document_ids: Sequence[str] | None = None,
    tag_ids: Sequence[str] | None = None,
) -> ExportOutcome:
    """Write the codebook as a REFI-QDA `.qdc`; `document_ids` do not apply to a codebook."""
    del document_ids
    data, count = codebook_xml(store, tag_ids)
    write_output(destination, data, binary=False, store_path=store.path)
    return ExportOutcome(count, "code")


# ---------------------------------------------------------------------------- projects


class _Project:
    """Builds `project.qde` and the source texts of one export."""

    def __init__(self, store: AnnotationStore, selection: Selection) -> None:
        self.store = store
        self.selection = selection
        self.builder = _Builder(PROJECT_NS)
        self.users: dict[str, str] = {}  # annotator name -> GUID
        self.sources: dict[str, bytes] = {}  # archive member -> text
        self.notes: list[tuple[Annotation, str]] = []  # memo, Note GUID
        self.warnings: list[str] = []
        self.passages = 0
        self.documents = 0

    def user(self, name: str) -> str | None:
        if not name:
            return None
        if name not in self.users:
            self.users[name] = stable_guid("user", name)
        return self.users[name]

    def build(self) -> bytes:
        builder = self.builder
        selection = self.selection
        times = [time for document in selection.documents
                 for time in (iso_datetime(document.added), iso_datetime(document.updated))]
        times += [time for annotation, _tags in selection.passages
                  for time in (iso_datetime(annotation.created), iso_datetime(annotation.updated))]
        times += [iso_datetime(tag.created) for tag in selection.tags]
        known = sorted(time for time in times if time is not None)
        creator = self.user(self.store.annotator)
        root = builder.element(
            None, "Project", name=self.store.path.stem or "reader", origin=ORIGIN,
            creatingUserGUID=creator,
            creationDateTime=known[0] if known else None,
            modifyingUserGUID=creator if known else None,
            modifiedDateTime=known[-1] if known else None,
        )
        root.set(f"{{{XSI_NS}}}schemaLocation", f"{PROJECT_NS} {PROJECT_SCHEMA}")
        self.modified = known[-1] if known else None
        by_document: dict[str, list[tuple[Annotation, tuple[str, ...]]]] = {}
        for annotation, tags in selection.passages:
            by_document.setdefault(annotation.document, []).append((annotation, tags))
        sources = ET.Element("Sources")
        for document in selection.documents:
            self._source(sources, document, by_document.get(document.id, []), creator)
        # The children's order is fixed by the schema: Users, CodeBook, ..., Sources, Notes.
        if self.users:
            users = builder.element(root, "Users")
            for name, guid in sorted(self.users.items(), key=lambda item: item[0].casefold()):
                builder.element(users, "User", guid=guid, name=name)
        if selection.tags:
            codebook = builder.element(root, "CodeBook")
            _codes(builder, codebook, selection.tags)
        if len(sources):
            root.append(sources)
        if self.notes:
            notes = builder.element(root, "Notes")
            for annotation, guid in self.notes:
                self._note(notes, annotation, guid)
        return _serialise(root)

    def _source(self, sources: ET.Element, document: Document,
                passages: list[tuple[Annotation, tuple[str, ...]]], creator: str | None) -> None:
        text, problem = current_text(document, self.store.path)
        if text is None:
            count = f" and its {len(passages)} passage(s)" if passages else ""
            self.warnings.append(f"{document.title!r}{count} left out: {problem}")
            return
        placed, astray = passages_in_text(text, passages)
        if astray:
            self.warnings.append(f"{document.title!r}: {astray} passage(s) waiting for "
                                 "re-anchoring left out (open the document in reader to "
                                 "place them)")
        guid = stable_guid("document", document.id)
        member = f"{SOURCES_FOLDER}/{guid}.txt"
        self.sources[member] = text.encode("utf-8")
        added = iso_datetime(document.added)
        updated = iso_datetime(document.updated)
        source = self.builder.element(
            sources, "TextSource", guid=guid, name=document.title or Path(document.path).name,
            plainTextPath=f"internal://{guid}.txt",
            creatingUser=creator, creationDateTime=added,
            modifyingUser=creator if updated and updated != added else None,
            modifiedDateTime=updated if updated and updated != added else None,
        )
        for annotation, tags in placed:
            self._selection(source, annotation, tags)
        self.documents += 1
        self.passages += len(placed)

    def _selection(self, source: ET.Element, annotation: Annotation,
                   tags: tuple[str, ...]) -> None:
        builder = self.builder
        author = self.user(annotation.annotator)
        created = iso_datetime(annotation.created)
        updated = iso_datetime(annotation.updated)
        changed = updated is not None and updated != created
        selection = builder.element(
            source, "PlainTextSelection", guid=stable_guid("annotation", annotation.id),
            name=annotation.quote,
            startPosition=str(annotation.start), endPosition=str(annotation.end),
            creatingUser=author, creationDateTime=created,
            modifyingUser=author if changed else None,
            modifiedDateTime=updated if changed else None,
        )
        if annotation.memo:
            builder.text(selection, "Description", annotation.memo)
        for tag_id in tags:
            coding = builder.element(selection, "Coding",
                                     guid=stable_guid("coding", annotation.id, tag_id),
                                     creatingUser=author, creationDateTime=created)
            builder.element(coding, "CodeRef", targetGUID=stable_guid("tag", tag_id))
        if annotation.memo:
            note = stable_guid("memo", annotation.id)
            builder.element(selection, "NoteRef", targetGUID=note)
            self.notes.append((annotation, note))

    def _note(self, notes: ET.Element, annotation: Annotation, guid: str) -> None:
        quote = " ".join(annotation.quote.split())
        if len(quote) > _NOTE_NAME_LENGTH:
            quote = quote[: _NOTE_NAME_LENGTH - 1] + "…"
        author = self.user(annotation.annotator)
        created = iso_datetime(annotation.created)
        updated = iso_datetime(annotation.updated)
        changed = updated is not None and updated != created
        note = self.builder.element(
            notes, "Note", guid=guid, name=f"Memo on “{quote}”",
            creatingUser=author, creationDateTime=created,
            modifyingUser=author if changed else None,
            modifiedDateTime=updated if changed else None,
        )
        self.builder.text(note, "PlainTextContent", annotation.memo)

    def archive(self, project: bytes) -> bytes:
        stamp = _ZIP_EPOCH
        if self.modified:
            moment = datetime.fromisoformat(self.modified.replace("Z", "+00:00"))
            if moment.year >= _ZIP_EPOCH[0]:
                stamp = (moment.year, moment.month, moment.day,
                         moment.hour, moment.minute, moment.second)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in [(PROJECT_FILE, project), *sorted(self.sources.items())]:
                member = zipfile.ZipInfo(name, date_time=stamp)
                member.compress_type = zipfile.ZIP_DEFLATED
                member.external_attr = 0o644 << 16
                archive.writestr(member, data)
        return buffer.getvalue()


def project_archive(
    store: AnnotationStore,
    document_ids: Sequence[str] | None = None,
    tag_ids: Sequence[str] | None = None,
) -> tuple[bytes, ExportOutcome]:
    """The `.qdpx` archive's bytes, and what it holds and left out."""
    selection = select(store, document_ids, tag_ids)
    project = _Project(store, selection)
    data = project.archive(project.build())
    if selection.documents and not project.documents:
        raise ExportError("nothing to export: " + "; ".join(project.warnings))
    return data, ExportOutcome(project.passages, "passage", tuple(project.warnings))


def export_qdpx(
    store: AnnotationStore,
    destination: Path | IO[bytes],
    *,
    document_ids: Sequence[str] | None = None,
    tag_ids: Sequence[str] | None = None,
) -> ExportOutcome:
    """Write a REFI-QDA `.qdpx` project of the chosen documents and tags (all by default)."""
    refuse_store_file(destination, store.path)
    data, outcome = project_archive(store, document_ids, tag_ids)
    write_output(destination, data, binary=True, store_path=store.path)
    return outcome
