"""Tests of quote lookup: exact occurrences, and whitespace runs matching any whitespace run."""

from __future__ import annotations

from reader.core.anchors import find_quote, find_quote_span

TEXT = "The families returned.\nThe old market had been\nrebuilt,  and the old market\tthrived."


def test_a_quote_wrapped_differently_from_the_text_is_found() -> None:
    span = find_quote_span(TEXT, "had been rebuilt, and")
    assert span is not None
    assert TEXT[span[0] : span[1]] == "had been\nrebuilt,  and"


def test_a_quote_copied_with_line_breaks_is_found_in_joined_text() -> None:
    text = "They found that the old market had been rebuilt."
    span = find_quote_span(text, "the old\nmarket had\r\n  been")
    assert span is not None and text[span[0] : span[1]] == "the old market had been"


def test_surrounding_whitespace_in_the_quote_is_ignored() -> None:
    span = find_quote_span(TEXT, "  \nThe families returned.\n")
    assert span == (0, len("The families returned."))


def test_occurrences_count_whitespace_variants_alike() -> None:
    first = find_quote_span(TEXT, "old market")
    second = find_quote_span(TEXT, "old market", occurrence=2)
    assert first is not None and second is not None
    assert TEXT[first[0] : first[1]] == TEXT[second[0] : second[1]] == "old market"
    assert first[0] < second[0]
    assert find_quote_span(TEXT, "old market", occurrence=3) is None
    span = find_quote_span(TEXT, "market had been rebuilt,", occurrence=1)
    assert span is not None and TEXT[span[0] : span[1]] == "market had been\nrebuilt,"


def test_whitespace_is_required_where_the_quote_has_it() -> None:
    assert find_quote_span("theold market", "the old market") is None
    assert find_quote_span("abc", "a b c") is None


def test_special_characters_are_literal() -> None:
    text = "Cost (in $): 3.5*2 [est.] عاد  اللاجئون"
    for quote in ("(in $): 3.5*2 [est.]", "عاد اللاجئون"):
        span = find_quote_span(text, quote)
        assert span is not None and " ".join(text[span[0] : span[1]].split()) == quote


def test_empty_quotes_and_bad_occurrences_find_nothing() -> None:
    assert find_quote_span(TEXT, "") is None
    assert find_quote_span(TEXT, " \n ") is None
    assert find_quote_span(TEXT, "The", occurrence=0) is None


def test_exact_lookup_still_counts_overlapping_occurrences() -> None:
    assert find_quote("aaaa", "aa", occurrence=3) == 2
    assert find_quote_span("aaaa", "aa", occurrence=3) == (2, 4)
