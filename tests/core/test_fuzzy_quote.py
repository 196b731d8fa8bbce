"""Fuzzy quote search: an edited passage found again with its likeness, or not at all."""

from __future__ import annotations

from reader.core.anchors import FUZZY_THRESHOLD, fuzzy_quote_span

TEXT = ("Intro text here. The refugees said that return must be voluntary, safe and dignified, "
        "always. Other things follow later in the document.")


def found(text: str, quote: str, prefix: str = "", suffix: str = "") -> str | None:
    place = fuzzy_quote_span(text, quote, prefix, suffix)
    return None if place is None else text[place.start:place.end]


def test_an_exact_quote_scores_one() -> None:
    place = fuzzy_quote_span(TEXT, "return must be voluntary, safe and dignified")
    assert place is not None and place.score == 1.0
    assert TEXT[place.start:place.end] == "return must be voluntary, safe and dignified"


def test_a_changed_word_is_found_with_a_score_below_one() -> None:
    place = fuzzy_quote_span(TEXT, "return should be voluntary, safe and dignified")
    assert place is not None and FUZZY_THRESHOLD <= place.score < 1.0
    assert TEXT[place.start:place.end] == "return must be voluntary, safe and dignified"


def test_a_changed_first_character_keeps_the_span_whole() -> None:
    assert found(TEXT, "Return must be voluntary and safe and dignified") == (
        "return must be voluntary, safe and dignified")


def test_context_decides_between_places_equally_alike() -> None:
    text = "He said yes. Later, she said yes. Then he said yes again."
    first = fuzzy_quote_span(text, "he sayd yes", "Then ", " again")
    second = fuzzy_quote_span(text, "he sayd yes", "Later, s", ". Then")
    assert first is not None and second is not None
    assert (first.start, second.start) == (text.index("he said yes again"), text.index(
        "he said yes. Then"))


def test_nothing_alike_is_none() -> None:
    assert fuzzy_quote_span(TEXT, "a completely unrelated sentence about weather") is None
    assert fuzzy_quote_span(TEXT, "   ") is None


def test_the_span_never_splits_a_grapheme_cluster() -> None:
    text = "before 👩‍👩‍👧 family reunion after"
    place = fuzzy_quote_span(text, "‍👧 family reunion")
    assert place is not None
    assert text[place.start:place.end].startswith("👩‍👩‍👧")
