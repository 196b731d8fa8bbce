"""The read model analysis works on: documents, the codebook and the coded passages, frozen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from reader.core.codebook import Codebook
from reader.core.models import Annotation, Document


class ReadModel(Protocol):
    """What analysis reads. Any object with these three attributes will do (a store's own
    snapshot, or `Corpus` below), so analysis never depends on how the store is built."""

    @property
    def documents(self) -> Sequence[Document]: ...

    @property
    def codebook(self) -> Codebook: ...

    @property
    def passages(self) -> Sequence[Annotation]: ...


class ReadableStore(Protocol):
    """The part of the store's public API a `Corpus` is read from."""

    def documents(self) -> list[Document]: ...

    def annotations(
        self, *, document: str | None = None, tag: str | None = None
    ) -> list[Annotation]: ...

    def codebook(self) -> Codebook: ...


@dataclass(frozen=True)
class Corpus:
    """An immutable snapshot of the coded corpus: every document, the codebook, every passage."""

    documents: tuple[Document, ...]
    codebook: Codebook
    passages: tuple[Annotation, ...]

    @classmethod
    def from_store(cls, store: ReadableStore) -> Corpus:
        return cls(tuple(store.documents()), store.codebook(), tuple(store.annotations()))

    def document_titles(self) -> dict[str, str]:
        return {document.id: document.title for document in self.documents}
