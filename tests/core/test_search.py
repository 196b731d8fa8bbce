"""Plain and regex search, match stepping."""

from __future__ import annotations

import tracemalloc

import pytest

from reader.core.search import (
    SearchError,
    SearchQuery,
    find_all,
    first_match_from,
    iter_matches,
    next_match,
    previous_match,
)

TEXT = "Lebanon and lebanon. LEBANON!\nBeirut, Lebanon"


def spans(query: SearchQuery, text: str = TEXT) -> list[tuple[int, int]]:
    result = find_all(text, query)
    return [result.span(index) for index in range(len(result))]


def test_plain_search_ignores_case_by_default() -> None:
    assert [TEXT[a:b] for a, b in spans(SearchQuery("lebanon"))] == [
        "Lebanon",
        "lebanon",
        "LEBANON",
        "Lebanon",
    ]


def test_case_sensitive_plain_search() -> None:
    assert spans(SearchQuery("Lebanon", case_sensitive=True)) == [(0, 7), (38, 45)]


def test_plain_search_treats_regex_characters_literally() -> None:
    assert spans(SearchQuery("n.")) == [(TEXT.index("n."), TEXT.index("n.") + 2)]


def test_regex_search_is_multiline() -> None:
    found = spans(SearchQuery(r"^\w+", regex=True))
    assert [TEXT[a:b] for a, b in found] == ["Lebanon", "Beirut"]


def test_regex_case_sensitivity() -> None:
    assert len(spans(SearchQuery("LEB[A-Z]+", regex=True, case_sensitive=True))) == 1
    assert len(spans(SearchQuery("LEB[A-Z]+", regex=True))) == 4


def test_invalid_regex_is_a_clear_error() -> None:
    with pytest.raises(SearchError, match="invalid regular expression"):
        find_all(TEXT, SearchQuery("(unclosed", regex=True))


def test_a_runaway_regex_times_out_with_a_clear_error() -> None:
    with pytest.raises(SearchError, match="took longer"):
        list(iter_matches("x" * 5000, SearchQuery("(x+x+)+y", regex=True), timeout=0.2))


def test_empty_query_and_empty_matches_find_nothing() -> None:
    assert not find_all(TEXT, SearchQuery(""))
    assert not find_all(TEXT, SearchQuery("x*", regex=True))


def test_matches_are_capped_with_a_plus_count() -> None:
    result = find_all("a" * 50, SearchQuery("a"), limit=10)
    assert len(result) == 10 and result.truncated and result.count_label == "10+"
    assert find_all("aaa", SearchQuery("a")).count_label == "3"


def test_matches_cost_four_bytes_an_offset() -> None:
    text = "a" * 100_000
    tracemalloc.start()
    try:
        result = find_all(text, SearchQuery("a", case_sensitive=True))
        current, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result) == 100_000
    assert current < 4.5 * 2 * len(result)  # a start and an end, and the arrays' slack


def test_cancelled_search_stops_early() -> None:
    result = find_all("a" * 100_000, SearchQuery("a"), should_stop=lambda: True)
    assert len(result) < 100_000


def test_next_and_previous_wrap_around() -> None:
    result = find_all(TEXT, SearchQuery("lebanon"))
    assert next_match(result, 0) == 1  # strictly after the cursor
    assert next_match(result, 38) == 0  # past the last: wraps to the first
    assert next_match(result, 38, wrap=False) is None
    assert previous_match(result, 12) == 0  # strictly before the cursor
    assert previous_match(result, 13) == 1
    assert previous_match(result, 0) == 3  # before the first: wraps to the last
    assert previous_match(result, 0, wrap=False) is None
    assert first_match_from(result, 12) == 1
    assert first_match_from(result, 13) == 2
    empty = find_all(TEXT, SearchQuery("absent"))
    assert next_match(empty, 0) is None and previous_match(empty, 0) is None


def test_spans_between_and_index_at() -> None:
    result = find_all(TEXT, SearchQuery("lebanon"))
    assert [index for index, _s, _e in result.spans_between(5, 14)] == [0, 1]
    assert result.index_at(12) == 1 and result.index_at(13) is None


def test_iter_matches_from_an_offset() -> None:
    assert next(iter_matches(TEXT, SearchQuery("lebanon"), 1)) == (12, 19)


def test_search_on_a_large_text() -> None:
    text = ("Natasha went to Lebanon. " * 4 + "\n") * 20_000
    result = find_all(text, SearchQuery("lebanon"))
    assert len(result) == 80_000
    assert len(find_all(text, SearchQuery("n", case_sensitive=True))) == 100_000


ARABIC = "عادَ اللّاجئـون إلى سوريا، وإنّ الأمل باقٍ؛ ومشى إلي البيت. الى"


def test_arabic_search_ignores_harakat_tatweel_alef_forms_and_final_ya() -> None:
    found = [ARABIC[a:b] for a, b in spans(SearchQuery("اللاجئون"), ARABIC)]
    assert found == ["اللّاجئـون"]  # shadda and tatweel in the text
    assert [ARABIC[a:b] for a, b in spans(SearchQuery("عاد"), ARABIC)] == ["عادَ"]  # its fatha too
    assert [ARABIC[a:b] for a, b in spans(SearchQuery("ان"), ARABIC)] == ["إنّ"]
    assert [ARABIC[a:b] for a, b in spans(SearchQuery("إلى"), ARABIC)] == ["إلى", "إلي", "الى"]
    assert [ARABIC[a:b] for a, b in spans(SearchQuery("بَاقٍ"), ARABIC)] == ["باقٍ"]


def test_arabic_folding_can_be_turned_off_like_match_case() -> None:
    exact = SearchQuery("إلى", arabic_folding=False)
    assert [ARABIC[a:b] for a, b in spans(exact, ARABIC)] == ["إلى"]
    assert spans(SearchQuery("اللاجئون", arabic_folding=False), ARABIC) == []


def test_arabic_folding_leaves_other_queries_alone() -> None:
    assert spans(SearchQuery("lebanon", case_sensitive=True)) == [(12, 19)]
    assert len(spans(SearchQuery("ا.", regex=True), ARABIC)) > 0  # a regex is the user's own
