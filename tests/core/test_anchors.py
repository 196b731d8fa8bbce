"""Finding a passage again in a new version of its document."""

from __future__ import annotations

from reader.core.anchors import follow_offset, make_anchor, relocate

OLD = "Refugees in Lebanon fear arrest. Donors pledged money. Refugees in Jordan wait."


def moved(new_text: str, quote: str, occurrence_in_old: int = 0) -> tuple[int, int] | None:
    start = OLD.index(quote) if occurrence_in_old == 0 else OLD.rindex(quote)
    anchor = make_anchor(OLD, start, start + len(quote))
    return relocate(new_text, anchor.start, anchor.end, anchor.quote, anchor.prefix, anchor.suffix)


def test_a_quote_still_in_place_stays() -> None:
    assert moved(OLD, "Donors pledged money.") == (33, 54)


def test_a_quote_moved_by_an_insertion_follows_the_text() -> None:
    new = "Update: " + OLD
    found = moved(new, "Donors pledged money.")
    assert found is not None and new[found[0] : found[1]] == "Donors pledged money."
    assert found[0] == OLD.index("Donors") + len("Update: ")


def test_among_several_occurrences_the_context_decides() -> None:
    new = "Update: " + OLD
    first = moved(new, "Refugees")
    last = moved(new, "Refugees", occurrence_in_old=1)
    assert first == (8, 16)
    assert last is not None and new[last[1] :].startswith(" in Jordan")


def test_a_quote_that_is_gone_is_not_guessed() -> None:
    assert moved(OLD.replace("Donors pledged", "Donors promised"), "Donors pledged money.") is None


def test_look_alike_places_are_not_guessed_between() -> None:
    # The passage's own words are gone; the same words remain twice, in contexts unlike it.
    quote = "money"
    start = OLD.index(quote)
    anchor = make_anchor(OLD, start, start + len(quote))
    new = "Time is money. Love is money."
    assert relocate(new, anchor.start, anchor.end, quote, anchor.prefix, anchor.suffix) is None


def test_a_short_quote_found_once_elsewhere_is_not_taken_for_the_passage() -> None:
    # Anna's "No." (about staying) was cut; the one "No." left answers another question.
    old = "Q: Did you leave?\nAnna: No. I stayed for years, with my family.\nQ: And then?\n"
    start = old.index("No.")
    anchor = make_anchor(old, start, start + 3)
    new = "Q: And then?\nAnna: I went back. No. Never.\n"
    assert relocate(new, anchor.start, anchor.end, "No.", anchor.prefix, anchor.suffix) is None
    # Where its surroundings are still there (text added before it), it is followed.
    added = "Transcript, second edit.\n"
    found = relocate(added + old, anchor.start, anchor.end, "No.", anchor.prefix, anchor.suffix)
    assert found == (start + len(added), start + len(added) + 3)


def test_a_long_quote_found_once_follows_its_paragraph_anywhere() -> None:
    quote = "Donors pledged money for the camps in the north."
    old = f"First part.\n{quote}\nLast part."
    start = old.index(quote)
    anchor = make_anchor(old, start, start + len(quote))
    new = f"Reordered entirely: {quote} Then other words."
    found = relocate(new, anchor.start, anchor.end, quote, anchor.prefix, anchor.suffix)
    assert found == (new.index(quote), new.index(quote) + len(quote))


def test_an_occurrence_splitting_a_character_is_not_a_place() -> None:
    # "e" + combining acute: the quote "e" inside it is not the passage.
    new = "cafe\u0301 and e"
    assert relocate(new, 0, 1, "e") == (len(new) - 1, len(new))


def test_an_offset_follows_its_words_into_the_new_text() -> None:
    offset = OLD.index("Donors")
    assert follow_offset(OLD, "Update: " + OLD, offset) == offset + len("Update: ")
    # Its words are gone: the same offset, inside the new text and on a character boundary.
    assert follow_offset(OLD, "short", offset) == 5
    assert follow_offset(OLD, "cafe\u0301 " * 8, 4) == 3
