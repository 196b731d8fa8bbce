"""A read model of the annotation database: an immutable view exporters and analysis consume.

The documents and the codebook are taken when the view is made; passages are read document by
document as they are streamed, so an export of a large corpus holds one document's passages in
memory at a time. No module reading it needs the store's files or TinyDB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from reader.core.codebook import Codebook
from reader.core.models import Annotation, Document


class PassageSource(Protocol):
    """Where a read model's passages come from (the store)."""

    def documents(self) -> list[Document]: ...

    def codebook(self) -> Codebook: ...

    def passages_of(self, document_id: str, *, keep: bool = True) -> list[Annotation]: ...


@dataclass(frozen=True)
class DocumentPassages:
    """One document and its passages, in text order."""

    document: Document
    passages: tuple[Annotation, ...]


@dataclass(frozen=True)
class ReadModel:
    """Documents (by title), the codebook, and a stream of each document's passages."""

    documents: tuple[Document, ...]
    codebook: Codebook
    _source: PassageSource

    @classmethod
    def of(cls, source: PassageSource) -> ReadModel:
        return cls(tuple(source.documents()), source.codebook(), source)

    def document(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)

    def passages(self, document_id: str) -> tuple[Annotation, ...]:
        """One document's passages, read now."""
        return tuple(self._source.passages_of(document_id, keep=False))

    def stream(self, document_ids: Sequence[str] | None = None) -> Iterator[DocumentPassages]:
        """Each document (all, or these, in this order) with its passages, one at a time."""
        if document_ids is None:
            chosen = self.documents
        else:
            by_id = {document.id: document for document in self.documents}
            chosen = tuple(by_id[wanted] for wanted in document_ids if wanted in by_id)
        for document in chosen:
            yield DocumentPassages(document, self.passages(document.id))
