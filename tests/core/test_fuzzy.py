"""Fuzzy matching: what matches, how it ranks, and that the scoring finds the best alignment."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from reader.core import fuzzy
from reader.core.fuzzy import fuzzy_filter, fuzzy_match, fuzzy_score

TAGS = [
    "detainees",
    "human rights",
    "humanitarian aid",
    "local governance",
    "political process",
    "recovery funds",
    "refugees",
    "refugees/Lebanon",
    "sanctions and normalization",
]


def ranked(query: str) -> list[str]:
    return fuzzy_filter(query, TAGS, key=lambda name: name)


def test_a_subsequence_matches_and_anything_else_does_not() -> None:
    assert fuzzy_score("rfg", "refugees") is not None
    assert fuzzy_score("REF", "refugees") is not None
    assert fuzzy_score("xyz", "refugees") is None
    assert fuzzy_score("gr", "refugees") is None  # order matters
    assert fuzzy_score("refugeesx", "refugees") is None


def test_a_prefix_run_ranks_first() -> None:
    assert ranked("ref")[:2] == ["refugees", "refugees/Lebanon"]
    assert ranked("ref").index("recovery funds") > 1


def test_initials_beat_a_scattered_match() -> None:
    # "rf" is the initials of recovery funds; in refugees the f is mid-word.
    first = ranked("rf")
    assert first.index("recovery funds") < first.index("refugees")
    assert ranked("hr")[0] == "human rights"


def test_terms_separated_by_spaces_match_in_order() -> None:
    assert ranked("rec fun")[0] == "recovery funds"
    assert fuzzy_score("fun rec", "recovery funds") is None
    assert ranked("hum aid")[0] == "humanitarian aid"


def test_a_child_matches_by_its_own_name_and_by_the_full_path() -> None:
    assert ranked("leb") == ["refugees/Lebanon"]
    assert ranked("ref/leb") == ["refugees/Lebanon"]


def test_blank_query_keeps_the_original_order() -> None:
    assert ranked("") == TAGS
    assert ranked("   ") == TAGS


def test_ties_keep_the_original_order() -> None:
    items = ["b one", "a one", "c one"]
    assert fuzzy_filter("one", items, key=lambda item: item) == items


def test_filter_uses_the_key() -> None:
    items = [(1, "refugees"), (2, "detainees")]
    assert fuzzy_filter("det", items, key=lambda item: item[1]) == [(2, "detainees")]


def test_arabic_names_match_with_or_without_hamza_and_vowel_marks() -> None:
    names = ["اللاجئون", "المعتقلون", "حقوق الإنسان"]
    assert fuzzy_filter("لاجئ", names, key=lambda name: name) == ["اللاجئون"]
    assert fuzzy_filter("لاجي", names, key=lambda name: name) == ["اللاجئون"]  # no hamza typed
    assert fuzzy_filter("انسان", names, key=lambda name: name) == ["حقوق الإنسان"]
    assert fuzzy_score("مُعتقل", "المعتقلون") is not None  # a damma in the query
    assert fuzzy_score("حقوق", "حقوق الإنسان") is not None


def test_accents_and_case_fold() -> None:
    assert fuzzy_score("cafe", "Café") is not None
    assert fuzzy_score("STRASSE", "straße") is not None


def test_positions_point_into_the_original_candidate() -> None:
    found = fuzzy_match("leb", "refugees/Lebanon")
    assert found is not None
    assert found.positions == (9, 10, 11)
    # An accented letter folds to two characters but is one position.
    found = fuzzy_match("ce", "Café")
    assert found is not None
    assert found.positions == (0, 3)
    assert fuzzy_match("", "anything") == fuzzy.FuzzyMatch(0, ())


def _brute_force(query: str, candidate: str) -> int | None:
    """The best score over every alignment, by the rules the module docstring states."""
    pattern = "".join(query.split())
    terms = [index == 0 for term in query.split() for index in range(len(term))]
    folded, origins = fuzzy._folded(candidate)
    if len(pattern) > len(folded):
        return None
    starts = fuzzy._word_starts(candidate, origins)
    best: int | None = None
    for positions in combinations(range(len(folded)), len(pattern)):
        if any(folded[p] != c for p, c in zip(positions, pattern, strict=True)):
            continue
        total = 0
        for i, p in enumerate(positions):
            total += fuzzy.MATCH
            if starts[p]:
                total += fuzzy.WORD_START * (2 if terms[i] else 1)
            if i == 0:
                total += fuzzy.PREFIX if p == 0 else -min(p, fuzzy.GAP_CAP)
            elif p == positions[i - 1] + 1:
                total += fuzzy.CONTIGUOUS
            else:
                total -= min(p - positions[i - 1] - 1, fuzzy.GAP_CAP)
        best = total if best is None else max(best, total)
    return best


@given(
    st.text(alphabet="ab /", min_size=0, max_size=4),
    st.text(alphabet="abAB /-", min_size=0, max_size=11),
)
def test_the_score_is_the_best_alignment(query: str, candidate: str) -> None:
    expected = _brute_force(query, candidate) if query.strip() else 0
    assert fuzzy_score(query, candidate) == expected
