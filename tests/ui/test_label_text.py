"""label_text: styled pieces of a one-line label keep their style after reordering."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reader.core.bidi import display_mode, set_display_mode
from reader.ui.widgets.row_render import label_text


@pytest.fixture(autouse=True)
def reader_mode() -> Iterator[None]:
    before = display_mode()
    set_display_mode("reader")
    yield
    set_display_mode(before)


def styled(text, style: str) -> str:  # type: ignore[no-untyped-def]
    return "".join(
        text.plain[index]
        for index in range(len(text.plain))
        if any(span.style == style and span.start <= index < span.end for span in text.spans)
    )


def test_pieces_keep_their_style_where_their_letters_land() -> None:
    label = label_text([("قبل ", "dim"), ("النص", "bold"), (" بعد", "dim")])
    assert label.plain == "\ufeaa\ufecc\ufe91 \ufeba\ufee8\ufedf\ufe8d \ufede\ufe92\ufed7"
    assert styled(label, "bold") == "\ufeba\ufee8\ufedf\ufe8d"  # the quote, in the middle


def test_marks_follow_the_letter_they_were_given_for() -> None:
    label = label_text([("شاتيلا", "")], marks=[(0, "underline")])  # the first letter, shin
    assert styled(label, "underline") == "\ufeb7"  # drawn rightmost, initial form
    assert label.plain.endswith("\ufeb7")


def test_a_left_to_right_label_is_styled_in_one_span_per_piece() -> None:
    label = label_text([("tag ", "dim"), ("name", "bold")], marks=[(4, "underline")])
    assert label.plain == "tag name"
    assert styled(label, "bold") == "name" and styled(label, "underline") == "n"
