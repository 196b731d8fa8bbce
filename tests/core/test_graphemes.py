"""Tests of grapheme cluster boundaries: emoji sequences, flags, combining marks, Arabic."""

from __future__ import annotations

import time

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from reader.core import graphemes
from reader.core.graphemes import (
    is_grapheme_boundary,
    next_grapheme_boundary,
    previous_grapheme_boundary,
    snap_span,
)
from reader.core.text import canonicalize

FAMILY = "👨\u200d👩\u200d👧"  # five code points, one cluster
SYRIA = "🇸🇾"
LEBANON = "🇱🇧"
E_ACUTE = "e\u0301"
BISMI = "بِسْمِ"  # three letters, each with a haraka

FRAGMENTS = [
    "a",
    " ",
    "\n",
    "\r\n",
    "\r",
    E_ACUTE,
    "\u0301",
    "\u200d",
    FAMILY,
    "👍🏽",
    SYRIA,
    LEBANON,
    "🇸",
    BISMI,
    "؟",
    "क्ष",
    "ᄀ",
    "ᅡ",
    "ᆨ",
    "\u0600",
    "#\ufe0f\u20e3",
    "\x1b",
    "\t",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=30).map(
    lambda parts: canonicalize("".join(parts))
)


def all_boundaries(text: str) -> set[int]:
    """Boundaries from segmenting the whole text, to compare the local computation with."""
    return {0} | {match.end() for match in regex.finditer(r"\X", text)}


def test_emoji_zwj_sequence_is_one_cluster() -> None:
    text = f"a{FAMILY}b"
    assert [is_grapheme_boundary(text, i) for i in range(len(text) + 1)] == [
        True,
        True,
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert next_grapheme_boundary(text, 1) == 6
    assert previous_grapheme_boundary(text, 6) == 1
    assert snap_span(text, 3, 4) == (1, 6)


def test_flags_pair_up() -> None:
    text = SYRIA + LEBANON
    assert [i for i in range(len(text) + 1) if is_grapheme_boundary(text, i)] == [0, 2, 4]
    assert snap_span(text, 1, 3) == (0, 4)
    assert next_grapheme_boundary(text, 0) == 2
    assert previous_grapheme_boundary(text, 3) == 2


def test_letter_with_combining_mark() -> None:
    text = f"caf{E_ACUTE}!"
    assert not is_grapheme_boundary(text, 4)
    assert snap_span(text, 0, 4) == (0, 5)
    assert next_grapheme_boundary(text, 3) == 5
    assert previous_grapheme_boundary(text, 5) == 3


def test_arabic_letters_keep_their_harakat() -> None:
    text = f"{BISMI} الله"
    assert [i for i in range(7) if is_grapheme_boundary(text, i)] == [0, 2, 4, 6]
    assert snap_span(text, 1, 3) == (0, 4)


def test_line_breaks_are_boundaries() -> None:
    text = "a\n\u0301b"  # a mark after a line break starts its own cluster
    assert is_grapheme_boundary(text, 2)
    assert snap_span(text, 2, 3) == (2, 3)


def test_ends_of_text() -> None:
    assert is_grapheme_boundary("", 0)
    assert next_grapheme_boundary("", 0) == 0
    assert previous_grapheme_boundary("", 0) == 0
    assert next_grapheme_boundary("ab", 2) == 2
    assert previous_grapheme_boundary("ab", 0) == 0
    assert snap_span("ab", 0, 2) == (0, 2)
    assert snap_span("ab", 1, 1) == (1, 1)


def test_bad_offsets_raise() -> None:
    with pytest.raises(ValueError):
        is_grapheme_boundary("ab", 3)
    with pytest.raises(ValueError):
        next_grapheme_boundary("ab", -1)
    with pytest.raises(ValueError):
        previous_grapheme_boundary("ab", 3)
    with pytest.raises(ValueError):
        snap_span("abc", 2, 1)


@given(texts)
def test_local_boundaries_match_whole_text_segmentation(text: str) -> None:
    expected = all_boundaries(text)
    for offset in range(len(text) + 1):
        assert is_grapheme_boundary(text, offset) == (offset in expected)
        after = min((b for b in expected if b > offset), default=len(text))
        before = max((b for b in expected if b < offset), default=0)
        assert next_grapheme_boundary(text, offset) == after
        assert previous_grapheme_boundary(text, offset) == before


@given(texts, st.data())
def test_snap_span_edges_are_boundaries_containing_the_span(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    snapped_start, snapped_end = snap_span(text, start, end)
    assert snapped_start <= start <= end <= snapped_end
    assert is_grapheme_boundary(text, snapped_start)
    assert is_grapheme_boundary(text, snapped_end)
    assert snap_span(text, snapped_start, snapped_end) == (snapped_start, snapped_end)


def test_a_window_far_from_the_line_start_still_agrees() -> None:
    # Clusters of every kind, repeated on one line well past the look-behind window.
    unit = f"x{FAMILY} {SYRIA}{LEBANON} {BISMI} {E_ACUTE}क्ष "
    text = unit * (3 * graphemes._WINDOW // len(unit) + 1)
    expected = all_boundaries(text)
    for offset in range(len(text) - 200, len(text) + 1):
        assert is_grapheme_boundary(text, offset) == (offset in expected)


def test_work_is_local_on_a_one_megabyte_line() -> None:
    text = ("بِسْمِ " + FAMILY + " word ") * 60_000  # about 1 MB, no line break
    started = time.perf_counter()
    for offset in range(0, len(text), len(text) // 50):
        start, end = snap_span(text, offset, min(len(text), offset + 3))
        assert is_grapheme_boundary(text, start) and is_grapheme_boundary(text, end)
    assert time.perf_counter() - started < 0.5


raw_texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=30).map(
    "".join
)


@given(raw_texts)
def test_next_boundary_after_ascii_matches_segmentation_even_with_cr(text: str) -> None:
    # The ASCII shortcut (CR excepted, which LF joins) must agree with \X on any text.
    expected = all_boundaries(text)
    for offset in range(len(text)):
        after = min((b for b in expected if b > offset), default=len(text))
        assert next_grapheme_boundary(text, offset) == after


@given(raw_texts)
def test_a_boundary_between_ascii_characters_matches_segmentation_even_with_cr(text: str) -> None:
    # The ASCII shortcut (CR LF excepted) must agree with \X on any text, raw CRs included.
    expected = all_boundaries(text)
    for offset in range(len(text) + 1):
        assert is_grapheme_boundary(text, offset) == (offset in expected)


def test_moving_through_ascii_text_needs_no_segmentation(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cursor of an English document's first screen: no `regex` import on the first key.
    def segmenting(*args: object) -> None:
        raise AssertionError("segmented")

    monkeypatch.setattr(graphemes, "_anchor_at_or_before", segmenting)
    text = "The delegation met the committee.\r\nRefugees in Lebanon.\n"
    for offset in range(len(text) + 1):
        if text[max(0, offset - 1) : offset + 1] != "\r\n":
            assert is_grapheme_boundary(text, offset)
