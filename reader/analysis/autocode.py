"""Auto-coding: code the hits of a corpus search with a tag, each widened to its sentence or
paragraph on request, skipping hits a passage with that tag already covers; one undo step."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from reader.analysis.kwic import KwicHit, TextSource
from reader.core.models import Annotation, Document
from reader.core.segments import paragraph_span, sentence_span

UNIT_MATCH = "match"
UNIT_SENTENCE = "sentence"
UNIT_PARAGRAPH = "paragraph"
UNITS = (UNIT_MATCH, UNIT_SENTENCE, UNIT_PARAGRAPH)


class CodingStore(Protocol):
    """The part of the store's public API auto-coding writes through."""

    def batch(self, label: str) -> AbstractContextManager[None]: ...

    def add_annotation(
        self, document_id: str, text: str, start: int, end: int, *,
        tags: Sequence[str] = (), memo: str = "",
    ) -> Annotation: ...


@dataclass(frozen=True)
class Candidate:
    """A passage auto-coding proposes: the hit, and the span that would be coded."""

    hit: KwicHit
    start: int
    end: int
    quote: str

    @property
    def document(self) -> Document:
        return self.hit.document


def widen(text: str, start: int, end: int, unit: str) -> tuple[int, int]:
    """The span to code for a hit at [start, end): the hit itself, or the sentence(s) or
    paragraph(s) it lies in (a hit across a boundary takes both sides)."""
    if unit == UNIT_MATCH:
        return start, end
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; choose one of {', '.join(UNITS)}")
    span_of: Callable[[str, int], tuple[int, int]] = (
        sentence_span if unit == UNIT_SENTENCE else paragraph_span
    )
    first_start, _ = span_of(text, start)
    _, last_end = span_of(text, max(start, end - 1))
    return min(first_start, start), max(last_end, end)


class CachedTexts:
    """A text source that reads each document once (auto-coding needs what the search read)."""

    def __init__(self, text_of: TextSource) -> None:
        self._text_of = text_of
        self._texts: dict[str, str] = {}

    def __call__(self, document: Document) -> str:
        text = self._texts.get(document.id)
        if text is None:
            text = self._text_of(document)
            self._texts[document.id] = text
        return text


def plan_autocoding(
    hits: Iterable[KwicHit],
    tag_id: str,
    existing: Iterable[Annotation],
    text_of: TextSource,
    *,
    unit: str = UNIT_MATCH,
) -> list[Candidate]:
    """The passages coding `hits` with `tag_id` would add, in hit order.

    A hit lying inside a passage that already has the tag is skipped, and so is a widened span
    already proposed (two hits in one sentence make one passage).
    """
    covered: dict[str, list[tuple[int, int]]] = {}
    for passage in existing:
        if tag_id in passage.tags:
            covered.setdefault(passage.document, []).append((passage.start, passage.end))
    proposed: set[tuple[str, int, int]] = set()
    candidates: list[Candidate] = []
    for hit in hits:
        spans = covered.get(hit.document.id, ())
        if any(start <= hit.start and hit.end <= end for start, end in spans):
            continue
        text = text_of(hit.document)
        start, end = widen(text, hit.start, hit.end, unit)
        key = (hit.document.id, start, end)
        if key in proposed:
            continue
        proposed.add(key)
        candidates.append(Candidate(hit, start, end, text[start:end]))
    return candidates


def autocoding_label(count: int, tag_path: str) -> str:
    return f"auto-code {count} passage{'s' * (count != 1)} with {tag_path}"


def apply_autocoding(
    store: CodingStore,
    candidates: Sequence[Candidate],
    tag_id: str,
    text_of: TextSource,
    *,
    label: str,
) -> list[Annotation]:
    """Add the candidates as passages with `tag_id`, all in one undo step (or none, on error)."""
    added: list[Annotation] = []
    if not candidates:
        return added
    with store.batch(label):
        for candidate in candidates:
            text = text_of(candidate.document)
            added.append(store.add_annotation(candidate.document.id, text, candidate.start,
                                              candidate.end, tags=[tag_id]))
    return added
