"""Extraction done once: extracted text and its structure map kept beside the database,
content-addressed by the text's hash and found again by the source file's bytes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from reader.core.durable import CorruptFileError, atomic_write_bytes, dump_json, parse_json_strict
from reader.core.hashing import text_sha256
from reader.core.structure import Structure, StructureMark, page_at, section_at

_SHA256 = re.compile(r"[0-9a-f]{64}")
# Extractor names and versions become part of file names: anything else is replaced.
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]")


class Extracted(NamedTuple):
    """A document's extracted text, with what made it and from which bytes.

    (A NamedTuple, not a frozen dataclass: the class is made at every start-up, where a
    dataclass's generated methods cost half a millisecond.)
    """

    text: str
    structure: Structure
    title: str
    format: str  # the loader's name
    encoding: str
    source_sha256: str  # of the file's bytes
    extractor: str  # the extracting library and reader's own rules: "pypdf 7.1.1; reader 0.1.0"
    text_sha256: str


def _structure_to_json(structure: Iterable[StructureMark]) -> list[list[Any]]:
    return [[mark.offset, mark.kind, mark.label, mark.level] for mark in structure]


def _structure_from_json(rows: Any) -> Structure:
    if not isinstance(rows, list):
        raise ValueError("structure is not a list")
    marks = []
    for row in rows:
        offset, kind, label, level = row
        if not (isinstance(offset, int) and isinstance(kind, str) and isinstance(label, str)
                and isinstance(level, int)):
            raise ValueError("a structure mark of the wrong types")
        marks.append(StructureMark(offset, kind, label, level))
    return tuple(marks)


class ExtractionCache:
    """Texts in `folder/texts/<text sha256>.txt` (shared by every source that gives the same
    text) and their structure maps in `folder/structures/<text sha256>.json`, and per source and
    extractor a record `folder/sources/<source sha256>-<extractor>.json` naming its text, its
    structure map and its title.

    A newer extractor is a different key, so its text is extracted afresh and, if it differs,
    stored as a new text; what was stored before stays for the versions that name it. Every
    read checks the text's hash, so a damaged or edited cache file is a miss, never wrong text.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _text_path(self, text_hash: str) -> Path:
        return self.folder / "texts" / f"{text_hash}.txt"

    def _structure_path(self, text_hash: str) -> Path:
        return self.folder / "structures" / f"{text_hash}.json"

    def structure(self, text_hash: str) -> Structure | None:
        """The structure map of the text with this hash, if one was stored and is intact: what
        tells a passage's page and section where its document is not open."""
        if not _SHA256.fullmatch(text_hash):
            return None
        try:
            record = parse_json_strict(self._structure_path(text_hash).read_bytes())
            if record["text_sha256"] != text_hash:
                return None
            return _structure_from_json(record["structure"])
        except (OSError, CorruptFileError, KeyError, TypeError, ValueError):
            return None

    def put_structure(self, text_hash: str, structure: Structure) -> None:
        """Keep a text's structure map (a text's map never changes: written once)."""
        path = self._structure_path(text_hash)
        if not _SHA256.fullmatch(text_hash) or path.exists():
            return
        record = {"text_sha256": text_hash, "structure": _structure_to_json(structure)}
        atomic_write_bytes(path, dump_json(record))

    def _record_path(self, source_sha256: str, extractor: str) -> Path:
        if not _SHA256.fullmatch(source_sha256):
            raise ValueError(f"not a SHA-256 hex digest: {source_sha256!r}")
        safe = _UNSAFE_NAME.sub("_", extractor)[:120]
        return self.folder / "sources" / f"{source_sha256}-{safe}.json"

    def get(self, source_sha256: str, extractor: str) -> Extracted | None:
        """What `extractor` made of the bytes with this hash, if it was stored and is intact."""
        try:
            record = parse_json_strict(self._record_path(source_sha256, extractor).read_bytes())
            text_hash = record["text_sha256"]
            if not isinstance(text_hash, str) or not _SHA256.fullmatch(text_hash):
                return None
            text = self._text_path(text_hash).read_bytes().decode("utf-8", "surrogatepass")
            if text_sha256(text) != text_hash or record["extractor"] != extractor:
                return None
            return Extracted(
                text=text,
                structure=_structure_from_json(record["structure"]),
                title=str(record["title"]),
                format=str(record["format"]),
                encoding=str(record["encoding"]),
                source_sha256=source_sha256,
                extractor=extractor,
                text_sha256=text_hash,
            )
        except (OSError, CorruptFileError, KeyError, TypeError, ValueError, UnicodeDecodeError):
            return None

    def put(
        self,
        *,
        text: str,
        structure: Structure,
        title: str,
        format: str,
        encoding: str,
        source_sha256: str,
        extractor: str,
    ) -> Extracted:
        """Stores an extraction (the text once however many sources give it); returns it."""
        text_hash = text_sha256(text)
        text_path = self._text_path(text_hash)
        if not text_path.exists():
            atomic_write_bytes(text_path, text.encode("utf-8", "surrogatepass"))
        record = {
            "text_sha256": text_hash,
            "source_sha256": source_sha256,
            "extractor": extractor,
            "format": format,
            "encoding": encoding,
            "title": title,
            "structure": _structure_to_json(structure),
        }
        atomic_write_bytes(self._record_path(source_sha256, extractor), dump_json(record))
        self.put_structure(text_hash, structure)
        return Extracted(
            text=text,
            structure=structure,
            title=title,
            format=format,
            encoding=encoding,
            source_sha256=source_sha256,
            extractor=extractor,
            text_sha256=text_hash,
        )


class StructureLookup:
    """The page and section of a passage in any document the database knows, by its text's
    hash: from the documents open now (`remember`), else from the structure maps kept in the
    cache. A text's map never changes, so what is found is kept; a text without one (plain
    text, or a document never opened since maps were kept) has no page and no section."""

    def __init__(self, cache: ExtractionCache) -> None:
        self._cache = cache
        self._known: dict[str, Structure] = {}

    def remember(self, text_hash: str, structure: Structure) -> None:
        self._known[text_hash] = structure

    def structure(self, text_hash: str) -> Structure:
        found = self._known.get(text_hash)
        if found is None:
            found = self._known[text_hash] = self._cache.structure(text_hash) or ()
        return found

    def page(self, text_hash: str, offset: int) -> str:
        """The page label at `offset` ("12", "iv"), or ""."""
        return page_at(self.structure(text_hash), offset) or ""

    def section(self, text_hash: str, offset: int) -> str:
        """The heading path at `offset` ("Chapter 2 > Returns"), or ""."""
        return section_at(self.structure(text_hash), offset)
