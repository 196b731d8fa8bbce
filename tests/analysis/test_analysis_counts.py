"""Counts, roll-ups and co-occurrence against hand-computed fixtures."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest

from reader.analysis.counts import (
    BY_ANNOTATOR,
    BY_DOCUMENT,
    UNKNOWN_ANNOTATOR,
    cooccurrence,
    covered_length,
    passages_cooccurring,
    passages_in_cell,
    rolled_up_counts,
    tag_matrix,
)
from reader.analysis.model import Corpus, CountedCorpus
from reader.core.codebook import Codebook
from reader.core.models import Annotation, Document, Tag
from reader.core.passage_facts import PassageFacts

TAGS = {
    "place": Tag("place", "place", "#111111"),
    "prison": Tag("prison", "prison", "#222222", parent="place"),
    "camp": Tag("camp", "camp", "#333333", parent="place"),
    "refugees": Tag("refugees", "refugees", "#444444"),
    "fear": Tag("fear", "fear", "#555555"),
}


def passage(pid: str, document: str, start: int, end: int, *tags: str,
            annotator: str = "") -> Annotation:
    return Annotation(pid, document, start, end, "x" * (end - start), "", "", tags=tags,
                      annotator=annotator)


def corpus(*passages: Annotation, tags: dict[str, Tag] = TAGS) -> Corpus:
    documents = (Document("d1", "/d1.txt", "Interview one", 100, "utf-8", "a"),
                 Document("d2", "/d2.txt", "Interview two", 100, "utf-8", "b"),
                 Document("d3", "/d3.txt", "No passages here", 100, "utf-8", "c"))
    return Corpus(documents, Codebook(tags.values()), passages)


# d1: nested tags, overlapping and identical spans, several tags on one passage.
# d2: adjacent (touching, not overlapping) passages.
FIXTURE = corpus(
    passage("p1", "d1", 0, 10, "prison", annotator="amal"),
    passage("p2", "d1", 5, 15, "refugees", annotator="amal"),
    passage("p3", "d1", 5, 15, "refugees", "fear", annotator="amal"),
    passage("p4", "d1", 20, 30, "place", "camp", annotator="ben"),
    passage("p5", "d1", 25, 40, "fear", annotator="ben"),
    passage("p6", "d2", 0, 10, "prison", "refugees"),
    passage("p7", "d2", 10, 20, "refugees"),
)


def test_the_matrix_counts_passages_per_document_and_tag_with_parents_rolled_up() -> None:
    matrix = tag_matrix(FIXTURE)
    assert matrix.tag_paths == ("fear", "place", "place/camp", "place/prison", "refugees")
    assert [row.label for row in matrix.rows] == ["Interview one", "Interview two",
                                                  "No passages here"]
    expected = {
        "d1": {"place": 2, "prison": 1, "camp": 1, "refugees": 2, "fear": 2},
        "d2": {"place": 1, "prison": 1, "camp": 0, "refugees": 2, "fear": 0},
        "d3": {"place": 0, "prison": 0, "camp": 0, "refugees": 0, "fear": 0},
    }
    for row, cells in expected.items():
        for tag_id, count in cells.items():
            assert matrix.count(row, tag_id) == count, (row, tag_id)
    # p4 carries both `place` and `place/camp`: one passage for `place`, not two.
    assert matrix.totals == {"place": 3, "prison": 2, "camp": 1, "refugees": 4, "fear": 2}
    assert [row.passages for row in matrix.rows] == [5, 2, 0]
    assert matrix.largest == 2


def test_characters_coded_count_overlapping_spans_once() -> None:
    matrix = tag_matrix(FIXTURE)
    assert matrix.characters_coded("d1", "place") == 20  # [0,10) and [20,30)
    assert matrix.characters_coded("d1", "refugees") == 10  # two identical [5,15)
    assert matrix.characters_coded("d1", "fear") == 25  # [5,15) and [25,40)
    assert matrix.characters_coded("d2", "refugees") == 20  # [0,10) and [10,20) touch
    # Everything coded in d1: [0,15) and [20,40).
    assert [row.characters for row in matrix.rows] == [35, 20, 0]


def test_passages_per_annotator() -> None:
    matrix = tag_matrix(FIXTURE, by=BY_ANNOTATOR)
    assert [row.key for row in matrix.rows] == ["amal", "ben", UNKNOWN_ANNOTATOR]
    assert [row.passages for row in matrix.rows] == [3, 2, 2]
    assert matrix.count("amal", "place") == 1
    assert matrix.count("amal", "refugees") == 2
    assert matrix.count("ben", "place") == 1
    assert matrix.count("ben", "camp") == 1
    assert matrix.count(UNKNOWN_ANNOTATOR, "refugees") == 2
    assert matrix.characters_coded("ben", "fear") == 15


def test_cooccurrence_counts_overlapping_pairs_and_each_passage_with_both_tags_once() -> None:
    matrix = cooccurrence(FIXTURE)
    diagonal = {tag_id: matrix.count(tag_id, tag_id) for tag_id in TAGS}
    assert diagonal == {"place": 3, "prison": 2, "camp": 1, "refugees": 4, "fear": 2}
    expected = {
        ("place", "prison"): 2,  # p1 and p6, each carrying both (prison rolls up to place)
        ("place", "refugees"): 3,  # p6; p1 with p2; p1 with p3
        ("prison", "refugees"): 3,  # the same three
        ("fear", "refugees"): 2,  # p3 alone; p2 with p3 (identical spans)
        ("camp", "place"): 1,  # p4
        ("fear", "place"): 2,  # p1 with p3; p4 with p5
        ("fear", "prison"): 1,  # p1 with p3
        ("camp", "fear"): 1,  # p4 with p5
        ("camp", "prison"): 0,
        ("camp", "refugees"): 0,  # p6 and p7 touch at 10 but do not overlap
    }
    for (first, second), count in expected.items():
        assert matrix.count(first, second) == count, (first, second)
        assert matrix.count(second, first) == count
    assert matrix.largest_pair == 3


def test_a_pair_of_passages_both_carrying_both_tags_counts_once() -> None:
    both = corpus(passage("a", "d1", 0, 10, "fear", "refugees"),
                  passage("b", "d1", 0, 10, "fear", "refugees"))
    # Each passage once, and the pair {a, b} once (not once per direction).
    assert cooccurrence(both).count("fear", "refugees") == 3


def test_the_passages_behind_a_cell() -> None:
    assert [p.id for p in passages_in_cell(FIXTURE, "d1", "place")] == ["p1", "p4"]
    assert [p.id for p in passages_cooccurring(FIXTURE, "fear", "place")] == [
        "p1", "p3", "p4", "p5"]
    assert [p.id for p in passages_cooccurring(FIXTURE, "refugees", "refugees")] == [
        "p2", "p3", "p6", "p7"]


def test_rolled_up_counts_give_a_parent_its_childrens_passages_once() -> None:
    tag_sets = [p.tags for p in FIXTURE.passages]
    assert rolled_up_counts(FIXTURE.codebook, tag_sets) == {
        "place": 3, "prison": 2, "camp": 1, "refugees": 4, "fear": 2}
    # A grandparent too, and a tag the codebook does not know counts for nothing.
    deep = {**TAGS, "cell": Tag("cell", "cell", "#666666", parent="prison")}
    counts = rolled_up_counts(Codebook(deep.values()), [("cell",), ("ghost",), ("cell", "place")])
    assert counts == {"cell": 2, "prison": 2, "place": 2}


def test_a_cycle_of_parents_does_not_hang_the_roll_up() -> None:
    looped = {"a": Tag("a", "a", "#111111", parent="b"), "b": Tag("b", "b", "#222222", parent="a")}
    assert rolled_up_counts(Codebook(looped.values()), [("a",)]) == {"a": 1, "b": 1}


def test_arabic_tags_and_passages_count_like_any_other() -> None:
    arabic = {**TAGS, "khawf": Tag("khawf", "خوف", "#777777", parent="fear")}
    model = corpus(passage("a", "d3", 0, 5, "khawf"), passage("b", "d3", 3, 8, "khawf", "camp"),
                   tags=arabic)
    matrix = tag_matrix(model)
    assert "fear/خوف" in matrix.tag_paths
    assert matrix.count("d3", "khawf") == 2
    assert matrix.count("d3", "fear") == 2
    assert matrix.characters_coded("d3", "khawf") == 8
    pairs = cooccurrence(model)
    assert pairs.count("khawf", "camp") == 2  # b alone, and a with b
    assert pairs.count("fear", "place") == 2


@pytest.mark.parametrize(("spans", "length"), [
    ([], 0), ([(0, 5)], 5), ([(0, 5), (5, 9)], 9), ([(3, 9), (0, 5)], 9),
    ([(0, 10), (2, 3)], 10), ([(0, 2), (4, 6)], 4),
])
def test_covered_length(spans: list[tuple[int, int]], length: int) -> None:
    assert covered_length(spans) == length


@pytest.mark.parametrize(("value", "largest", "width", "drawn"), [
    (10, 10, 4, "████"), (5, 10, 4, "██  "), (1, 1000, 4, "▏   "), (0, 10, 3, "   "),
    (3, 0, 2, "  "), (7, 8, 1, "▉"), (12, 10, 2, "██"),
])
def test_bars_fill_in_eighths(value: int, largest: int, width: int, drawn: str) -> None:
    from reader.analysis.bars import bar

    assert bar(value, largest, width) == drawn


def test_the_roll_up_tracker_reads_everything_only_when_a_change_happened_elsewhere() -> None:
    from reader.analysis.counts import RollUpTracker

    def direct(passages: tuple[Annotation, ...]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in passages:
            for tag_id in p.tags:
                counts[tag_id] = counts.get(tag_id, 0) + 1
        return counts

    everything = FIXTURE.passages
    reads: list[int] = []

    def read_all(passages: tuple[Annotation, ...]):  # type: ignore[no-untyped-def]
        reads.append(1)
        return passages

    tracker = RollUpTracker()
    expected = rolled_up_counts(FIXTURE.codebook, [p.tags for p in everything])
    d1 = [p for p in everything if p.document == "d1"]
    assert tracker.counts(FIXTURE.codebook, direct(everything), {"d1": d1},
                          lambda: read_all(everything)) == expected
    assert len(reads) == 1  # the first time: every passage
    # A change in the open document d1: only its passages are read.
    added = passage("p8", "d1", 50, 60, "camp")
    now = (*everything, added)
    counts = tracker.counts(FIXTURE.codebook, direct(now), {"d1": [*d1, added]},
                            lambda: read_all(now))
    assert counts == rolled_up_counts(FIXTURE.codebook, [p.tags for p in now])
    assert len(reads) == 1
    # A change in d2, which is not open (another window): the counts disagree, all is read.
    changed = tuple(p for p in now if p.id != "p7")
    counts = tracker.counts(FIXTURE.codebook, direct(changed), {"d1": [*d1, added]},
                            lambda: read_all(changed))
    assert counts == rolled_up_counts(FIXTURE.codebook, [p.tags for p in changed])
    assert len(reads) == 2


# ---------------------------------------------------------------- the facts `reader stats` counts


def facts_of(model: Corpus) -> CountedCorpus:
    return CountedCorpus(model.documents, model.codebook, tuple(
        PassageFacts(p.document, p.start, p.end, p.tags, p.annotator) for p in model.passages))


def test_counting_the_facts_gives_what_counting_the_passages_gives() -> None:
    facts = facts_of(FIXTURE)
    for by in (BY_DOCUMENT, BY_ANNOTATOR):
        assert tag_matrix(facts, by=by) == tag_matrix(FIXTURE, by=by)
    assert cooccurrence(facts) == cooccurrence(FIXTURE)


def test_an_empty_passage_overlaps_nothing() -> None:
    # A hand-edited file may hold one: it shares no character with the passage around it.
    model = corpus(passage("a", "d1", 3, 8, "fear"), passage("b", "d1", 5, 5, "refugees"),
                   passage("c", "d1", 5, 5, "place"))
    assert cooccurrence(model).count("fear", "refugees") == 0
    assert cooccurrence(model).count("place", "refugees") == 0
    assert passages_cooccurring(model, "fear", "refugees") == []


def rolled_of(model: Corpus, passage: Annotation) -> set[str]:
    """A passage's tags and all their ancestors."""
    found: set[str] = set()
    for tag_id in passage.tags:
        while tag_id is not None:
            found.add(tag_id)
            tag_id = model.codebook.get(tag_id).parent
    return found


def overlap(one: Annotation, other: Annotation) -> bool:
    return one.document == other.document and max(one.start, other.start) < min(one.end,
                                                                                  other.end)


def by_definition(model: Corpus) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], set]]:
    """Co-occurrence counts and the passages behind each cell, every pair of passages looked at."""
    counts: Counter[tuple[str, str]] = Counter()
    behind: dict[tuple[str, str], set[str]] = {}
    passages = model.passages
    for index, one in enumerate(passages):
        rolled = rolled_of(model, one)
        for pair in [(tag_id, tag_id) for tag_id in rolled] + list(combinations(sorted(rolled),
                                                                                 2)):
            counts[pair] += 1
            behind.setdefault(pair, set()).add(one.id)
        for other in passages[index + 1:]:
            if overlap(one, other):
                pairs = {tuple(sorted((a, b))) for a in rolled for b in rolled_of(model, other)
                         if a != b}
                counts.update(pairs)
                for pair in pairs:
                    behind.setdefault(pair, set()).update({one.id, other.id})
    return counts, behind


@pytest.mark.parametrize("seed", range(5))
def test_the_sweep_finds_every_overlapping_pair(seed: int) -> None:
    chooser = random.Random(seed)
    passages = []
    for number in range(120):
        start = chooser.randrange(0, 300)
        end = start + chooser.choice([0, 1, 3, 10, 40, 120])
        tags = chooser.sample(sorted(TAGS), chooser.choice([1, 1, 2, 3]))
        passages.append(passage(f"p{number:03}", chooser.choice(["d1", "d2"]), start, end, *tags))
    model = corpus(*passages)
    counts, behind = by_definition(model)
    matrix = cooccurrence(model)
    for first in TAGS:
        for second in TAGS:
            key = (first, second) if first <= second else (second, first)
            assert matrix.count(first, second) == counts.get(key, 0), key
            found = {p.id for p in passages_cooccurring(model, first, second)}
            assert found == behind.get(key, set()), key
