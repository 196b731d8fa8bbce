"""What the exchange exporters share: the passages and tags a filter keeps, texts, ids and times."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, cast

from reader.core.anchors import quote_still_at
from reader.core.codebook import Codebook
from reader.core.durable import atomic_write_bytes
from reader.core.models import Annotation, Document, Tag
from reader.core.store import AnnotationStore, own_file_role
from reader.formats.base import DocumentError
from reader.formats.cached import load_for_database
from reader.interop.outcomes import ExportError

# Fixed for good: every GUID and URN reader writes is derived from it and one of our ids, so
# exporting the same database twice names everything the same (and another tool's re-import
# recognises what it has seen).
GUID_NAMESPACE = uuid.UUID("5b0c3f4e-8a51-4c39-9d7e-2f7a0e6b1c84")


def stable_guid(kind: str, *parts: str) -> str:
    """A GUID (upper case, as most QDA tools write it) for one of our records, always the same."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join((kind, *parts)))).upper()


def iso_datetime(value: str) -> str | None:
    """A stored time as ISO 8601 UTC with a `Z` (valid `xsd:dateTime` and RFC 3339), or None when
    a hand-edited database holds something else."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Selection:
    """What a filtered export carries: the documents, the passages with the tags kept, the tags."""

    documents: list[Document]
    passages: list[tuple[Annotation, tuple[str, ...]]]
    codebook: Codebook
    tags: list[Tag]  # the codebook's tags the export names, in path order


def select(
    store: AnnotationStore,
    document_ids: Sequence[str] | None = None,
    tag_ids: Sequence[str] | None = None,
) -> Selection:
    """The documents chosen (all by default) and their passages. With `tag_ids`, a passage is kept
    when it has one of those tags or a descendant of one, with just those of its tags, and the
    tags named are those, their descendants and their ancestors (so the hierarchy stays whole)."""
    codebook = store.codebook()
    wanted_documents = set(document_ids) if document_ids is not None else None
    documents = sorted(
        (document for document in store.documents()
         if wanted_documents is None or document.id in wanted_documents),
        key=lambda document: (document.title.casefold(), document.title, document.id),
    )
    known = {document.id for document in documents}
    wanted_tags: set[str] | None = None
    if tag_ids is not None:
        wanted_tags = set()
        for tag_id in tag_ids:
            if tag_id in codebook:
                wanted_tags |= {tag_id} | codebook.descendants(tag_id)
    passages: list[tuple[Annotation, tuple[str, ...]]] = []
    for annotation in store.annotations():
        if annotation.document not in known:
            continue
        tags = tuple(tag for tag in annotation.tags if tag in codebook)
        if wanted_tags is not None:
            tags = tuple(tag for tag in tags if tag in wanted_tags)
            if not tags:
                continue
        passages.append((annotation, tags))
    passages.sort(key=lambda item: (item[0].document, item[0].start, item[0].end, item[0].id))
    named = set(wanted_tags) if wanted_tags is not None else {tag.id for tag in codebook}
    for tag_id in list(named):
        named |= _ancestors(codebook, tag_id)
    return Selection(documents, passages, codebook,
                     [tag for tag in codebook if tag.id in named])


def _ancestors(codebook: Codebook, tag_id: str) -> set[str]:
    found: set[str] = set()
    current = codebook.get(tag_id).parent
    while current is not None and current in codebook and current not in found:
        found.add(current)
        current = codebook.get(current).parent
    return found


def current_text(document: Document, db: Path) -> tuple[str | None, str]:
    """The document's canonical text if its file still holds what was coded, else None and why.

    The store keeps quotes, not whole texts, so only the file can supply the text; a file that
    changed since would put the passages' positions in the wrong places. An extracted format
    (PDF, DOCX, ...) comes from the extraction cache of the database at `db`.
    """
    path = Path(document.path)
    if not path.exists() and not path.is_symlink():
        return None, (f"its file is missing ({document.path}); "
                      f"`reader docs relink {document.id[:8]} NEW_PATH` connects it")
    try:
        loaded = load_for_database(path, db)
    except DocumentError as error:
        return None, f"its file cannot be read ({error})"
    if loaded.sha256 != document.sha256:
        return None, (f"its file changed since it was coded ({document.path}); open it in "
                      "reader to re-anchor its passages, then export again")
    return loaded.whole_text, ""


def passages_in_text(
    text: str, passages: Iterable[tuple[Annotation, tuple[str, ...]]]
) -> tuple[list[tuple[Annotation, tuple[str, ...]]], int]:
    """The passages whose quote is at their position in `text`, and how many are not (those wait
    for re-anchoring)."""
    placed = []
    astray = 0
    for annotation, tags in passages:
        if quote_still_at(text, annotation.start, annotation.end, annotation.quote):
            placed.append((annotation, tags))
        else:
            astray += 1
    return placed, astray


class KnownPassages:
    """The passages a store has, by document, span, tags and memo, so an import adds none a
    second time (under another id: written by reader, exported, and read back)."""

    def __init__(self, store: AnnotationStore) -> None:
        self._keys = {self._key(a.document, a.start, a.end, a.tags, a.memo)
                      for a in store.annotations()}

    @staticmethod
    def _key(document: str, start: int, end: int, tags: Iterable[str], memo: str
             ) -> tuple[str, int, int, frozenset[str], str]:
        return document, start, end, frozenset(tags), memo

    def add(self, annotation: Annotation) -> bool:
        """Note the passage; False when it was known already."""
        key = self._key(annotation.document, annotation.start, annotation.end,
                        annotation.tags, annotation.memo)
        if key in self._keys:
            return False
        self._keys.add(key)
        return True


# Characters XML 1.0 cannot hold at all, not even escaped (most C0 controls, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: str) -> str:
    """`value` with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def refuse_store_file(destination: Path | IO[bytes] | IO[str], store_path: Path) -> None:
    """Refuse a destination that is one of the store's own files (checked before the work of an
    export, and again just before writing)."""
    if isinstance(destination, Path) and (role := own_file_role(destination, store_path)):
        # The next open would find an export where the database belongs.
        raise ExportError(f"cannot write the export to {destination}: it is {role}; "
                          "choose another file")


def write_output(
    destination: Path | IO[bytes] | IO[str], data: bytes, *, binary: bool, store_path: Path
) -> None:
    """Write an export to a file (atomically) or to an open stream (text decoded as UTF-8);
    never onto a file of the store at `store_path`."""
    if isinstance(destination, Path):
        refuse_store_file(destination, store_path)
        try:
            atomic_write_bytes(destination, data)
        except OSError as error:
            raise ExportError(f"cannot write {destination}: {error.strerror or error}") from None
        return
    if binary:
        cast(IO[bytes], destination).write(data)
    else:
        cast(IO[str], destination).write(data.decode("utf-8"))
    destination.flush()
