"""REFI-QDA project import: a `.qdpx` from NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette.

Read as real tools write them, not only as the standard says:
- `project.qde` and `sources/` are found whatever their case (the standard's annex writes
  `Sources/`); only `internal://` names that are members of the archive are read, never a path
  outside it (`..`, `/`, `relative://`, `absolute://`), with the size and ratio guards of DOCX;
- the XML is parsed without a DTD, entities or network; problems against `Project.xsd` (shipped
  in the package, MIT licensed) are warnings, not failures;
- positions count code points of the source text as stored (a CRLF counts two, a BOM does not)
  and are mapped onto the canonical text; where the selection's `name` disagrees, UTF-16 units
  (QualCoder, when a text holds emoji) and a CRLF counted as one (ATLAS.ti) are tried before the
  name itself is looked for near the position; an empty name (NVivo) trusts the standard;
- the codebook is read as a `.qdc` is (folders become parent tags, same-named codes under
  different parents stay apart, Taguette's `a/b` names become paths); `Sets`, cases, variables,
  links, graphs and audio, video, picture and PDF sources without a text are reported and skipped.

Each text source becomes a document titled with its `name`, its text kept as a file beside the
database (`paths.imported_texts_dir`), unless a document with the same text is there already.
The selection's memo (its `Description`, or the `Note` it refers to), author (a project user)
and times are kept. The import is one undoable step, and idempotent: a passage's id is derived
from its selection's GUID, so the same file imported twice adds nothing.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from reader.core.anchors import AnchorError, find_quote_span, make_anchor
from reader.core.durable import atomic_write_bytes
from reader.core.hashing import text_sha256
from reader.core.models import Annotation, Document, utc_now
from reader.core.store import AnnotationStore
from reader.core.text import canonicalize
from reader.formats.base import DocumentError
from reader.formats.packages import open_package, read_member
from reader.interop.common import GUID_NAMESPACE, KnownPassages, iso_datetime, stable_guid
from reader.interop.outcomes import ExchangeError
from reader.interop.refi_qda_import import (
    QdcImportReport,
    _local,
    _refuse_dtd,
    add_codes,
    codes_of,
)
from reader.paths import imported_texts_dir

PROJECT_NAMESPACES = (
    "urn:QDA-XML:project:1.0",  # the standard
    "urn:QDA-XML:project:1:0",  # NVivo for Mac, as in its codebooks
    "urn:QDA-XML:project:0:4",  # ATLAS.ti, likewise
)
_STANDARD_NAMESPACE = PROJECT_NAMESPACES[0]
PROJECT_MEMBER = "project.qde"
SOURCES_FOLDER = "sources/"
INTERNAL = "internal://"
_KIND = "a REFI-QDA project (.qdpx)"
_MEDIA_SOURCES = {"AudioSource": "audio", "VideoSource": "video", "PictureSource": "picture"}
_SKIPPED_PARTS = {"Sets": "set", "Cases": "case", "Variables": "variable", "Links": "link",
                  "Graphs": "graph"}
# A member name is a GUID with an extension, a tool's own file name, or (some tools) a path
# inside the archive such as `Sources/a.txt`; never absolute, a drive, a backslash path or NUL.
_UNSAFE_MEMBER = re.compile(r"[\\\x00]|^/|^[A-Za-z]:")
_SCHEMA_PROBLEMS_SHOWN = 3
STANDARD = "positions in code points"  # the standard's reading: nothing to tell the user
WHOLE_SOURCE = "coding the whole source"
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")  # two UTF-16 units each
# A name at least this long that begins the span is that span's name, shortened.
_TRUNCATED_NAME = 16


class QdpxImportError(ExchangeError):
    """A file that cannot be read as a REFI-QDA project; str() is one line naming it."""


@dataclass
class QdpxImportReport:
    """What a project import did, and what it left aside and why."""

    documents_added: list[str] = field(default_factory=list)  # titles
    documents_known: list[str] = field(default_factory=list)  # titles of texts already there
    passages_added: int = 0
    passages_known: int = 0
    users: list[str] = field(default_factory=list)
    codes: QdcImportReport = field(default_factory=QdcImportReport)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- positions


class StoredText:
    """A source text as stored in the archive, and its offsets mapped onto its canonical text."""

    def __init__(self, stored: str) -> None:
        self.stored = stored[1:] if stored.startswith("\ufeff") else stored
        self.canonical = canonicalize(self.stored)
        # Where each CRLF's "\n" is in the stored text: each one before an offset is one
        # character less in the canonical text.
        self._crlf = [match.start() + 1 for match in re.finditer("\r\n", self.stored)]
        self._stored_units = _Utf16Units(self.stored)
        self._canonical_units = _Utf16Units(self.canonical)

    def canonical_offset(self, stored_offset: int) -> int:
        return stored_offset - bisect_left(self._crlf, stored_offset)

    def spans(self, start: int, end: int) -> Iterator[tuple[str, int, int]]:
        """The canonical span `start`/`end` stand for under each reading real tools use, the
        standard's first: (how they were read, start, end)."""
        if not 0 <= start < end:
            return
        if end <= len(self.stored):
            yield STANDARD, self.canonical_offset(start), self.canonical_offset(end)
        units = self._stored_units.span(start, end)
        if units is not None:
            yield ("positions in UTF-16 units", self.canonical_offset(units[0]),
                   self.canonical_offset(units[1]))
        if self._crlf:
            if end <= len(self.canonical):
                yield "positions counting a CRLF as one character", start, end
            units = self._canonical_units.span(start, end)
            if units is not None:
                yield ("positions in UTF-16 units, a CRLF as one", *units)


class _Utf16Units:
    """Offsets in UTF-16 code units of a text as code points: every character outside the BMP
    is two units (a surrogate pair) but one code point."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        astral = [match.start() for match in _ASTRAL.finditer(text)]
        self._unit_starts = [index + rank for rank, index in enumerate(astral)]

    def code_point(self, units: int) -> int | None:
        before = bisect_left(self._unit_starts, units)
        if before and self._unit_starts[before - 1] + 1 == units:
            return None  # between the two halves of a pair
        offset = units - before
        return offset if 0 <= offset <= self.length else None

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The span in code points, or None when the text has nothing outside the BMP (the
        count is the same) or an end is not at a character."""
        if not self._unit_starts:
            return None
        first, last = self.code_point(start), self.code_point(end)
        return (first, last) if first is not None and last is not None else None


def _same_words(first: str, second: str) -> bool:
    return " ".join(unicodedata.normalize("NFC", first).split()) == " ".join(
        unicodedata.normalize("NFC", second).split())


def place_selection(text: StoredText, start: int, end: int, name: str
                    ) -> tuple[int, int, str] | None:
    """The canonical span of a selection and how its positions were read, or None when no
    reading gives its `name` (when it has one) and the name is not found near it either."""
    canonical = text.canonical
    readings = list(text.spans(start, end))
    quote = canonicalize(name)
    if not quote.strip():
        # NVivo writes no names: the standard's reading is all there is to go on.
        return (readings[0][1], readings[0][2], readings[0][0]) if readings else None
    for how, first, last in readings:
        if canonical[first:last] == quote:
            return first, last, how
    for how, first, last in readings:
        if _same_words(canonical[first:last], quote):
            return first, last, how + ", whitespace aside"
    if len(quote) >= _TRUNCATED_NAME:
        # Some tools cut the name short (at 60 characters, say): its start must agree.
        for how, first, last in readings:
            if " ".join(canonical[first:last].split()).startswith(" ".join(quote.split())):
                return first, last, how + ", its name cut short"
    # A tool that counted some other way: the name where it occurs nearest the position.
    best: tuple[int, int] | None = None
    occurrence = 1
    while (span := find_quote_span(canonical, quote, occurrence)) is not None:
        if best is None or abs(span[0] - start) < abs(best[0] - start):
            best = span
        occurrence += 1
        if occurrence > 1000:
            break
    if best is not None:
        return best[0], best[1], "its name, found in the text"
    return None


# ---------------------------------------------------------------------------- the archive


@cache
def _project_schema() -> object:
    from lxml import etree

    schema_file = resources.files("reader.interop").joinpath("schemas/Project.xsd")
    return etree.XMLSchema(etree.fromstring(schema_file.read_bytes()))


def schema_problems(data: bytes) -> list[str]:
    """What `Project.xsd` finds wrong with a standard-namespace `project.qde`, one line each."""
    from lxml import etree

    from reader.formats.packages import parse_xml

    schema = _project_schema()
    assert isinstance(schema, etree.XMLSchema)
    try:
        root = parse_xml(data, _KIND)
    except DocumentError as error:
        return [str(error)]
    if schema.validate(root):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


class _Archive:
    """The members of a `.qdpx`, found case-insensitively, only ever by a plain member name."""

    def __init__(self, data: bytes, name: str) -> None:
        self.name = name
        try:
            self.package = open_package(data, _KIND)
        except DocumentError as error:
            raise QdpxImportError(f"{name}: {error}") from None
        self.members = {info.filename.lower(): info.filename
                        for info in self.package.infolist() if not info.is_dir()}

    def read(self, member: str) -> bytes:
        try:
            return read_member(self.package, member, _KIND)
        except DocumentError as error:
            raise QdpxImportError(f"{self.name}: {error}") from None

    def project(self) -> bytes:
        found = self.members.get(PROJECT_MEMBER)
        if found is None:
            candidates = [real for lower, real in self.members.items()
                          if lower.endswith(".qde") and "/" not in lower]
            if len(candidates) != 1:
                raise QdpxImportError(f"{self.name}: not a REFI-QDA project (no project.qde "
                                      "in the archive)")
            found = candidates[0]
        return self.read(found)

    def internal(self, reference: str) -> tuple[bytes | None, str]:
        """The bytes of an `internal://` source, or None and why it cannot be read."""
        if not reference.lower().startswith(INTERNAL):
            scheme = reference.partition("://")[0] or reference
            return None, (f"its text is outside the project ({scheme}://), and reader reads "
                          "nothing outside the archive")
        member = reference[len(INTERNAL):]
        parts = member.split("/")
        if (not member or _UNSAFE_MEMBER.search(member) or any(
                part in ("", ".", "..") for part in parts)):
            return None, f"its path {member!r} leads outside the archive; refused"
        # The standard names the file inside sources/; some tools name the folder too.
        for candidate in (SOURCES_FOLDER + member.lower(), member.lower()):
            found = self.members.get(candidate)
            if found is not None:
                return self.read(found), ""
        return None, f"its text {member!r} is not in the archive"


def _decode(data: bytes) -> tuple[str, str]:
    """The stored text and a warning when it was not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "stored as UTF-16, not UTF-8"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return (data.decode("utf-8", errors="replace"),
                "not valid UTF-8: undecodable bytes became U+FFFD")


def _guid(element: ET.Element, attribute: str = "guid") -> str:
    return element.get(attribute, "").strip().strip("{}").upper()


def _children(element: ET.Element, local: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag)[1] == local]


def _child_text(element: ET.Element, local: str) -> str:
    for child in _children(element, local):
        return (child.text or "").strip()
    return ""


def _annotation_id(selection_guid: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(("qdpx selection", selection_guid))))


@dataclass
class _Source:
    """A text source to import: its name, text and the selections (and whole codings) on it."""

    element: ET.Element
    name: str
    text: StoredText
    selections: list[ET.Element]


class _ProjectImport:
    def __init__(self, store: AnnotationStore, archive: _Archive, root: ET.Element) -> None:
        self.store = store
        self.archive = archive
        self.root = root
        self.report = QdpxImportReport()
        self.users: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.tags: dict[str, str] = {}
        self.passages = KnownPassages(store)

    def warn(self, message: str) -> None:
        self.report.warnings.append(message)

    def read_users_and_notes(self) -> None:
        for users in _children(self.root, "Users"):
            for user in _children(users, "User"):
                name = user.get("name", "").strip()
                if name:
                    self.users[_guid(user)] = name
                    self.report.users.append(name)
        for notes in _children(self.root, "Notes"):
            for note in _children(notes, "Note"):
                text = _child_text(note, "PlainTextContent")
                if not text and (path := note.get("plainTextPath")):
                    data, _why = self.archive.internal(path)
                    text = canonicalize(_decode(data)[0]).strip() if data is not None else ""
                if text:
                    self.notes[_guid(note)] = text

    def read_sources(self) -> list[_Source]:
        sources: list[_Source] = []
        skipped: dict[str, int] = {}
        for container in _children(self.root, "Sources"):
            for element in container:
                kind = _local(element.tag)[1]
                name = element.get("name", "").strip() or _guid(element) or "untitled"
                if kind == "PDFSource":
                    # A PDF's selections can only be placed in its plain-text representation.
                    representations = _children(element, "Representation")
                    if not representations:
                        skipped["PDF without a plain text"] = skipped.get(
                            "PDF without a plain text", 0) + 1
                        continue
                    text_element = representations[0]
                elif kind == "TextSource":
                    text_element = element
                else:
                    what = _MEDIA_SOURCES.get(kind, kind)
                    skipped[what] = skipped.get(what, 0) + 1
                    continue
                text = self._source_text(text_element, name)
                if text is None:
                    continue
                sources.append(_Source(text_element, name, StoredText(text),
                                       _children(text_element, "PlainTextSelection")))
        for what, count in skipped.items():
            self.warn(f"{count} {what} source(s) skipped: reader codes texts only")
        return sources

    def _source_text(self, element: ET.Element, name: str) -> str | None:
        inline = _children(element, "PlainTextContent")
        path = element.get("plainTextPath")
        if path:
            data, why = self.archive.internal(path)
            if data is None:
                if not inline:
                    self.warn(f"source {name!r} skipped: {why}")
                    return None
            else:
                text, problem = _decode(data)
                if problem:
                    self.warn(f"source {name!r}: its text is {problem}")
                return text
        if inline:
            return inline[0].text or ""
        self.warn(f"source {name!r} skipped: it has no plain text")
        return None

    def skipped_parts(self) -> None:
        for part, what in _SKIPPED_PARTS.items():
            count = sum(len(list(element)) for element in _children(self.root, part))
            if count:
                self.warn(f"{count} {what}(s) skipped: reader has none")

    def document_for(self, source: _Source) -> Document:
        text = source.text.canonical
        sha256 = text_sha256(text)
        for document in self.store.documents():
            if document.sha256 == sha256:
                self.report.documents_known.append(source.name)
                return document
        folder = imported_texts_dir(self.store.path)
        stem = re.sub(r"[^\w.-]+", "_", Path(source.name).stem).strip("._")[:60] or "source"
        path = folder / f"{stem}-{sha256[:12]}.txt"
        data = text.encode("utf-8", "surrogatepass")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_bytes() != data:
                atomic_write_bytes(path, data)
        except OSError as error:
            raise QdpxImportError(f"cannot keep the text of {source.name!r} in {folder}: "
                                  f"{error.strerror or error}") from None
        registered = self.store.register_document(
            path=path, text=text, title=source.name, size=len(data), encoding="utf-8",
            sha256=sha256)
        document = registered.document
        if document.title != source.name:
            document = document.evolve(title=source.name)
            self.store.update_document(document)
        self.report.documents_added.append(source.name)
        return document

    def memo(self, selection: ET.Element) -> str:
        parts = [_child_text(selection, "Description")]
        parts += [self.notes.get(_guid(ref, "targetGUID"), "")
                  for ref in _children(selection, "NoteRef")]
        kept = [part for part in dict.fromkeys(canonicalize(part) for part in parts) if part]
        return "\n\n".join(kept)

    def import_source(self, source: _Source, known_ids: set[str]) -> None:
        document: Document | None = None
        unplaced: list[str] = []
        readings: dict[str, int] = {}
        missing_codes: set[str] = set()
        whole = _children(source.element, "Coding")
        for selection in [*source.selections, *([source.element] if whole else [])]:
            guid = _guid(selection) or f"{source.name}@{selection.get('startPosition')}"
            annotation_id = _annotation_id(guid)
            if annotation_id in known_ids or guid in known_ids:
                self.report.passages_known += 1
                continue
            tags = []
            for coding in _children(selection, "Coding"):
                for ref in _children(coding, "CodeRef"):
                    tag = self.tags.get(_guid(ref, "targetGUID"))
                    if tag is None:
                        missing_codes.add(ref.get("targetGUID", ""))
                    elif tag not in tags:
                        tags.append(tag)
            memo = self.memo(selection) if selection is not source.element else ""
            if not tags and not memo:
                continue
            if selection is source.element:  # codes on the whole source
                text = source.text.canonical
                first, last = len(text) - len(text.lstrip()), len(text.rstrip())
                placed: tuple[int, int, str] | None = (first, last, WHOLE_SOURCE) if (
                    first < last) else None
            else:
                try:
                    start = int(selection.get("startPosition", ""))
                    end = int(selection.get("endPosition", ""))
                except ValueError:
                    start = end = -1
                name = selection.get("name", "")
                placed = place_selection(source.text, start, end, name) if end > start else None
            if placed is None:
                unplaced.append(f"{selection.get('startPosition')}-"
                                f"{selection.get('endPosition')}"
                                + (f" {selection.get('name', '')[:30]!r}"
                                   if selection.get("name") else ""))
                continue
            first, last, how = placed
            try:
                anchor = make_anchor(source.text.canonical, first, last)
            except AnchorError as error:
                unplaced.append(f"{selection.get('startPosition')}-"
                                f"{selection.get('endPosition')} ({error})")
                continue
            readings[how] = readings.get(how, 0) + 1
            if document is None:
                document = self.document_for(source)
            created = iso_datetime(selection.get("creationDateTime", "")) or utc_now()
            updated = iso_datetime(selection.get("modifiedDateTime", "")) or created
            author = self.users.get(_guid(selection, "creatingUser"), self.store.annotator)
            annotation = Annotation(
                id=annotation_id, document=document.id, start=anchor.start, end=anchor.end,
                quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix,
                tags=tuple(tags), memo=memo, annotator=author, created=created,
                updated=updated)
            if not self.passages.add(annotation):
                self.report.passages_known += 1
                continue
            self.store.put_annotation(annotation)
            self.report.passages_added += 1
        if document is None:
            self.document_for(source)  # an uncoded text is a document all the same
        for how, count in readings.items():
            if how not in (STANDARD, WHOLE_SOURCE):
                self.report.notes.append(f"{source.name!r}: {count} passage(s) placed by {how}")
        if missing_codes:
            self.warn(f"{source.name!r}: codings of {len(missing_codes)} code(s) the codebook "
                      "does not have left out: " + ", ".join(sorted(missing_codes)))
        if unplaced:
            self.warn(f"{source.name!r}: {len(unplaced)} passage(s) could not be placed (their "
                      "positions and names do not agree with the text): "
                      + "; ".join(unplaced[:5]) + (" ..." if len(unplaced) > 5 else ""))


def _known_selection_ids(store: AnnotationStore) -> set[str]:
    """Ids of annotations there already, and the GUIDs reader's own export gives them."""
    known: set[str] = set()
    for annotation in store.annotations():
        known.add(annotation.id)
        known.add(stable_guid("annotation", annotation.id))
    return known


def import_qdpx(store: AnnotationStore, source: Path) -> QdpxImportReport:
    """Import a `.qdpx` project's texts, codebook and codings, in one undoable step."""
    try:
        data = source.read_bytes()
    except OSError as error:
        raise QdpxImportError(f"{source}: {error.strerror or error}") from None
    archive = _Archive(data, source.name)
    project = archive.project()
    try:
        _refuse_dtd(project, f"{source.name} (project.qde)", "a project")
        root = ET.fromstring(project)
    except ET.ParseError as error:
        raise QdpxImportError(f"{source.name}: project.qde is not well-formed XML "
                              f"({error})") from None
    except ExchangeError as error:
        raise QdpxImportError(str(error)) from None
    namespace, local = _local(root.tag)
    if local != "Project":
        raise QdpxImportError(f"{source.name}: project.qde is not a REFI-QDA project "
                              f"(it holds <{local}>)")
    job = _ProjectImport(store, archive, root)
    if namespace == _STANDARD_NAMESPACE:
        problems = schema_problems(project)
        if problems:
            shown = "; ".join(problems[:_SCHEMA_PROBLEMS_SHOWN])
            more = len(problems) - _SCHEMA_PROBLEMS_SHOWN
            job.warn(f"project.qde does not follow Project.xsd ({shown}"
                     + (f"; and {more} more" if more > 0 else "") + "); read all the same")
    elif namespace not in PROJECT_NAMESPACES:
        job.warn(f"unfamiliar namespace {namespace or '(none)'!r}; read as a REFI-QDA project")
    codes = []
    for codebook in _children(root, "CodeBook"):
        found, warnings, _unnamed = codes_of(codebook)
        codes += found
        job.report.warnings += warnings
    job.skipped_parts()
    job.read_users_and_notes()
    sources = job.read_sources()
    with store.batch(f"import project {source.name}"):
        job.tags = add_codes(store, codes, job.report.codes)
        known = _known_selection_ids(store)
        for text_source in sources:
            job.import_source(text_source, known)
    return job.report

