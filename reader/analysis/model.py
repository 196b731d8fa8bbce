"""The read model analysis works on: documents, the codebook and the coded passages, frozen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from reader.core.codebook import Codebook
from reader.core.models import Annotation, Document
from reader.core.passage_facts import PassageFacts


class ReadModel(Protocol):
    """What analysis reads. Any object with these three attributes will do (a store's own
    snapshot, or `Corpus` below), so analysis never depends on how the store is built."""

    @property
    def documents(self) -> Sequence[Document]: ...

    @property
    def codebook(self) -> Codebook: ...

    @property
    def passages(self) -> Sequence[Annotation]: ...


class CountedPassage(Protocol):
    """What counting reads of a passage: an `Annotation`, or the store's `PassageFacts`."""

    @property
    def document(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def annotator(self) -> str: ...


class CountedModel(Protocol):
    """What counting reads: a `ReadModel`, or a `CountedCorpus` (passages without their text)."""

    @property
    def documents(self) -> Sequence[Document]: ...

    @property
    def codebook(self) -> Codebook: ...

    @property
    def passages(self) -> Sequence[CountedPassage]: ...


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


class CountingStore(Protocol):
    """The part of the store's public API a `CountedCorpus` is read from."""

    def documents(self) -> list[Document]: ...

    def codebook(self) -> Codebook: ...

    def passage_facts(self) -> list[PassageFacts]: ...


@dataclass(frozen=True)
class CountedCorpus:
    """The corpus as counting sees it: every document, the codebook, and each passage's document,
    span, tags and annotator, without its text (what `reader stats` needs, read fast)."""

    documents: tuple[Document, ...]
    codebook: Codebook
    passages: tuple[PassageFacts, ...]

    @classmethod
    def from_store(cls, store: CountingStore) -> CountedCorpus:
        return cls(tuple(store.documents()), store.codebook(), tuple(store.passage_facts()))
