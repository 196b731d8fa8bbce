"""Counting the coded corpus: the document x tag matrix, characters coded, passages per annotator,
parent roll-ups, and tag co-occurrence.

Roll-up, everywhere: a passage counts for its tags and for every ancestor of them, once. A parent's
count is the number of distinct passages carrying it or any tag under it, so a passage tagged
both `place` and `place/prison` counts once for `place`, and a parent is never shown 0 beside
children that have passages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from operator import itemgetter
from typing import TypeVar

from reader.analysis.model import CountedModel, CountedPassage, ReadModel
from reader.core.codebook import Codebook
from reader.core.models import Annotation, Tag
from reader.core.review import codebook_entries

BY_DOCUMENT = "document"
BY_ANNOTATOR = "annotator"
GROUPINGS = (BY_DOCUMENT, BY_ANNOTATOR)

UNKNOWN_ANNOTATOR = "(unknown)"
"""The row of passages recorded without an annotator name (older databases, imports)."""
UNKNOWN_DOCUMENT = "(unknown document)"

T = TypeVar("T")
_span_order = itemgetter(0, 1)  # (start, end, ...) by start, then end


def tag_order(codebook: Codebook) -> list[Tag]:
    """The tags in tree order (each parent followed by its children), as the codebook lists them."""
    return [entry.tag for entry in codebook_entries(codebook, {})]


def lineages(codebook: Codebook) -> dict[str, frozenset[str]]:
    """Each tag id with the ids of itself and all its ancestors (safe against parent cycles)."""
    found: dict[str, frozenset[str]] = {}
    for tag in codebook:
        chain = {tag.id}
        current = tag
        while current.parent is not None and current.parent in codebook:
            if current.parent in chain:
                break
            chain.add(current.parent)
            current = codebook.get(current.parent)
        found[tag.id] = frozenset(chain)
    return found


class _RollUp:
    """Turns a passage's tags into the set it counts for: the tags and their ancestors.

    Tag ids the codebook does not know (a hand-edited file) count for nothing. Results are cached
    per distinct tag tuple: a corpus has few distinct combinations and many passages.
    """

    def __init__(self, codebook: Codebook) -> None:
        self._lineages = lineages(codebook)
        self._cache: dict[tuple[str, ...], frozenset[str]] = {}

    def __call__(self, tags: Sequence[str]) -> frozenset[str]:
        key = tuple(tags)
        rolled = self._cache.get(key)
        if rolled is None:
            rolled = frozenset().union(*(self._lineages.get(tag, ()) for tag in key))
            self._cache[key] = rolled
        return rolled


def rolled_up_counts(codebook: Codebook, tag_sets: Iterable[Sequence[str]]) -> dict[str, int]:
    """Distinct passages per tag id, parents counting their descendants' passages (see above).

    `tag_sets` holds each passage's tags (ids). The codebook bar, the codebook screen and
    `reader tags` all show these numbers.
    """
    by_combination = Counter(tuple(tags) for tags in tag_sets)
    roll_up = _RollUp(codebook)
    counts: dict[str, int] = {}
    for tags, number in by_combination.items():
        for tag_id in roll_up(tags):
            counts[tag_id] = counts.get(tag_id, 0) + number
    return counts


def covered_length(spans: list[tuple[int, int]]) -> int:
    """How many characters the union of half-open spans covers (overlaps counted once)."""
    spans.sort()
    total = 0
    current_start, current_end = -1, -1
    for start, end in spans:
        if start >= current_end:
            total += max(0, current_end - current_start)
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    total += max(0, current_end - current_start)
    return total


# ---------------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class MatrixRow:
    """A row of the matrix: a document (key = its id) or an annotator (key = the name)."""

    key: str
    label: str
    passages: int
    """Distinct passages in this row, whatever their tags."""
    characters: int
    """Characters coded in this row (the union of its passages' spans, per document)."""


@dataclass(frozen=True)
class TagMatrix:
    """Passages (and characters coded) per row and tag, rolled up to parents."""

    by: str
    rows: tuple[MatrixRow, ...]
    tags: tuple[Tag, ...]
    tag_paths: tuple[str, ...]
    passages: Mapping[tuple[str, str], int] = field(repr=False)
    characters: Mapping[tuple[str, str], int] = field(repr=False)
    totals: Mapping[str, int] = field(repr=False)
    """Distinct passages per tag id over all rows."""

    def count(self, row: str, tag_id: str) -> int:
        return self.passages.get((row, tag_id), 0)

    def characters_coded(self, row: str, tag_id: str) -> int:
        return self.characters.get((row, tag_id), 0)

    @property
    def largest(self) -> int:
        """The largest cell (what a bar chart scales to); 0 for an empty matrix."""
        return max(self.passages.values(), default=0)


def _row_key(passage: CountedPassage, by: str) -> str:
    if by == BY_DOCUMENT:
        return passage.document
    return passage.annotator or UNKNOWN_ANNOTATOR


def tag_matrix(model: CountedModel, by: str = BY_DOCUMENT) -> TagMatrix:
    """The document x tag (or annotator x tag) matrix of `model`.

    Rows: every document in the model's order (also those without passages), or every annotator
    by name. A cell counts the row's distinct passages carrying the tag or a tag under it.
    """
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")
    codebook = model.codebook
    roll_up = _RollUp(codebook)
    # Spans grouped by row, document and tags: rolled up and counted once a group, not once a
    # passage (a corpus has many passages and few groups).
    groups: defaultdict[tuple[str, str, tuple[str, ...]], list[tuple[int, int]]] = (
        defaultdict(list)
    )
    for passage in model.passages:
        groups[(_row_key(passage, by), passage.document, passage.tags)].append(
            (passage.start, passage.end)
        )
    passages: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    row_passages: Counter[str] = Counter()
    # (row, document, tag) -> spans; tag "" collects every passage of the row.
    spans: defaultdict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for (row, document_id, combination), group in groups.items():
        number = len(group)
        row_passages[row] += number
        spans[(row, document_id, "")] += group
        for tag_id in roll_up(combination):
            passages[(row, tag_id)] += number
            totals[tag_id] += number
            spans[(row, document_id, tag_id)] += group
    characters: Counter[tuple[str, str]] = Counter()
    for (row, _document, tag_id), covered in spans.items():
        characters[(row, tag_id)] += covered_length(covered)
    rows: list[MatrixRow] = []
    if by == BY_DOCUMENT:
        known = set()
        for document in model.documents:
            known.add(document.id)
            rows.append(MatrixRow(document.id, document.title, row_passages[document.id],
                                  characters[(document.id, "")]))
        for key in sorted(set(row_passages) - known):
            rows.append(MatrixRow(key, UNKNOWN_DOCUMENT, row_passages[key], characters[(key, "")]))
    else:
        for key in sorted(row_passages, key=lambda name: (name == UNKNOWN_ANNOTATOR, name)):
            rows.append(MatrixRow(key, key, row_passages[key], characters[(key, "")]))
    tags = tag_order(codebook)
    return TagMatrix(
        by=by,
        rows=tuple(rows),
        tags=tuple(tags),
        tag_paths=tuple(codebook.path(tag) for tag in tags),
        passages=dict(passages),
        characters={key: value for key, value in characters.items() if key[1]},
        totals=dict(totals),
    )


def passages_in_cell(model: ReadModel, row: str, tag_id: str, by: str = BY_DOCUMENT
                     ) -> list[Annotation]:
    """The passages a matrix cell counts, in document order."""
    roll_up = _RollUp(model.codebook)
    found = [p for p in model.passages
             if _row_key(p, by) == row and tag_id in roll_up(p.tags)]
    found.sort(key=lambda p: (p.document, p.start, p.end, p.id))
    return found


# ---------------------------------------------------------------------------- co-occurrence


@dataclass(frozen=True)
class Cooccurrence:
    """The tag x tag co-occurrence matrix (symmetric), tags in codebook order.

    Off the diagonal, the count for tags A and B is the number of unordered pairs of passages of
    one document, one tagged A and the other B, whose spans overlap (share at least one
    character); a single passage carrying both counts once. On the diagonal, the number of
    passages with the tag. "Tagged" rolls up, as everywhere: a passage tagged `place/prison` is
    tagged `place` too.
    """

    tags: tuple[Tag, ...]
    tag_paths: tuple[str, ...]
    counts: Mapping[tuple[str, str], int] = field(repr=False)
    """Keyed by the two tag ids in sorted order."""

    def count(self, first: str, second: str) -> int:
        key = (first, second) if first <= second else (second, first)
        return self.counts.get(key, 0)

    @property
    def largest_pair(self) -> int:
        """The largest count off the diagonal (what a chart scales to)."""
        return max((value for (a, b), value in self.counts.items() if a != b), default=0)


def _cross_pairs(first: frozenset[str], second: frozenset[str]) -> frozenset[tuple[str, str]]:
    """The unordered tag pairs {a, b}, a != b, with a on one passage and b on the other."""
    return frozenset(
        (a, b) if a < b else (b, a) for a in first for b in second if a != b
    )


def cooccurrence(model: CountedModel) -> Cooccurrence:
    """The co-occurrence matrix of `model` (see `Cooccurrence` for the definition)."""
    codebook = model.codebook
    roll_up = _RollUp(codebook)
    rolled_of: dict[tuple[str, ...], frozenset[str]] = {}
    with_tags: Counter[frozenset[str]] = Counter()
    by_document: defaultdict[str, list[tuple[int, int, frozenset[str]]]] = defaultdict(list)
    for passage in model.passages:
        rolled = rolled_of.get(passage.tags)
        if rolled is None:
            rolled = rolled_of[passage.tags] = roll_up(passage.tags)
        if rolled:
            with_tags[rolled] += 1
            by_document[passage.document].append((passage.start, passage.end, rolled))
    counts: Counter[tuple[str, str]] = Counter()
    for rolled, number in with_tags.items():  # the diagonal, and pairs on one passage
        for tag_id in rolled:
            counts[(tag_id, tag_id)] += number
        for pair in combinations(sorted(rolled), 2):
            counts[pair] += number
    overlapping: Counter[tuple[frozenset[str], frozenset[str]]] = Counter()
    for spans in by_document.values():
        spans.sort(key=_span_order)
        overlapping.update(_overlapping_pairs(spans))
    for (other_tags, tags), number in overlapping.items():
        for pair in _cross_pairs(other_tags, tags):
            counts[pair] += number
    ordered = tag_order(codebook)
    return Cooccurrence(tuple(ordered), tuple(codebook.path(tag) for tag in ordered), dict(counts))


def _overlapping_pairs(spans: list[tuple[int, int, T]]) -> Iterator[tuple[T, T]]:
    """The payloads of each pair of spans that overlap (share a character), for spans sorted by
    start: a sweep, so the cost follows the overlapping pairs, not every pair of a document."""
    open_spans: list[tuple[int, int, T]] = []
    for start, end, payload in spans:
        # Sorted by start, an earlier span overlaps this one exactly when it ends after this
        # one starts (and neither is empty); one that ends sooner overlaps nothing later.
        open_spans = [item for item in open_spans if item[1] > start]
        if start < end:
            for _, _, other in open_spans:
                yield other, payload
            open_spans.append((start, end, payload))


def passages_cooccurring(model: ReadModel, first: str, second: str) -> list[Annotation]:
    """The passages a co-occurrence cell counts (each passage once), in document order."""
    roll_up = _RollUp(model.codebook)
    if first == second:
        found = [p for p in model.passages if first in roll_up(p.tags)]
        found.sort(key=lambda p: (p.document, p.start, p.end, p.id))
        return found
    by_document: defaultdict[str, list[tuple[int, int, Annotation]]] = defaultdict(list)
    for passage in model.passages:
        rolled = roll_up(passage.tags)
        if first in rolled or second in rolled:
            by_document[passage.document].append((passage.start, passage.end, passage))
    chosen: dict[str, Annotation] = {}
    for spans in by_document.values():
        for _, _, passage in spans:
            rolled = roll_up(passage.tags)
            if first in rolled and second in rolled:
                chosen[passage.id] = passage
        spans.sort(key=_span_order)
        for one, other in _overlapping_pairs(spans):
            one_tags, other_tags = roll_up(one.tags), roll_up(other.tags)
            if (first in one_tags and second in other_tags) or (
                second in one_tags and first in other_tags
            ):
                chosen[one.id] = one
                chosen[other.id] = other
    return sorted(chosen.values(), key=lambda p: (p.document, p.start, p.end, p.id))


class RollUpTracker:
    """Rolled-up counts kept current after each change without reading every passage again.

    The reader rebuilds its counts after every change; reading all passages each time (a third
    of a second at 20,000) would slow every key press. The tracker keeps, per document, how
    many passages carry each combination of tags. After a change it takes fresh combinations
    only for the documents given (those open, whose passages are read anyway), and checks the
    result against the per-tag counts the store gives cheaply: if they disagree (a change
    elsewhere: another window, an import, a merge), it reads every passage once more.
    """

    def __init__(self) -> None:
        self._by_document: dict[str, Counter[tuple[str, ...]]] = {}
        self._combinations: Counter[tuple[str, ...]] = Counter()
        self.full_reads = 0
        """How many times every passage was read (for tests)."""

    def _replace(self, document_id: str, passages: Iterable[Annotation]) -> None:
        fresh = Counter(passage.tags for passage in passages)
        old = self._by_document.get(document_id)
        if old is not None:
            self._combinations.subtract(old)
        self._combinations.update(fresh)
        if fresh:
            self._by_document[document_id] = fresh
        else:
            self._by_document.pop(document_id, None)

    def _direct_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for tags, number in self._combinations.items():
            if number:
                for tag_id in tags:
                    counts[tag_id] = counts.get(tag_id, 0) + number
        return counts

    def counts(
        self,
        codebook: Codebook,
        direct: Mapping[str, int],
        fresh: Mapping[str, Sequence[Annotation]],
        read_all: Callable[[], Iterable[Annotation]],
    ) -> dict[str, int]:
        """The rolled-up counts now. `direct` is the store's passages per tag; `fresh` the
        current passages of some documents; `read_all` reads every passage (when needed)."""
        for document_id, passages in fresh.items():
            self._replace(document_id, passages)
        wanted = {tag_id: number for tag_id, number in direct.items() if number}
        if self._direct_counts() != wanted:
            self.full_reads += 1
            self._by_document = {}
            self._combinations = Counter()
            grouped: defaultdict[str, list[Annotation]] = defaultdict(list)
            for passage in read_all():
                grouped[passage.document].append(passage)
            for document_id, passages in grouped.items():
                self._replace(document_id, passages)
        counts: dict[str, int] = {}
        roll_up = _RollUp(codebook)
        for tags, number in self._combinations.items():
            if number <= 0:
                continue
            for tag_id in roll_up(tags):
                counts[tag_id] = counts.get(tag_id, 0) + number
        return counts
