"""Character and word motions, grapheme-safe."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reader.core.graphemes import is_grapheme_boundary
from reader.core.motions import (
    next_character,
    next_word_start,
    previous_character,
    previous_word_start,
    snap_to_boundary,
    word_end,
    word_span,
)

TEXT = "Hello, world! It's\n\n  Lebanon's 2015 plan."


def walk(step, text: str, offset: int, times: int) -> list[int]:
    result = []
    for _ in range(times):
        offset = step(text, offset)
        result.append(offset)
    return result


def test_next_word_start_walks_words_and_punctuation() -> None:
    stops = walk(next_word_start, TEXT, 0, 13)
    assert [TEXT[stop : stop + 3] for stop in stops[:8]] == [
        ", w",
        "wor",
        "! I",
        "It'",
        "'s\n",
        "s\n\n",
        "Leb",
        "'s ",
    ]
    assert [TEXT[stop : stop + 4] for stop in stops[8:12]] == ["s 20", "2015", "plan", "."]
    assert stops[-1] == len(TEXT)


def test_previous_word_start_is_the_reverse() -> None:
    forward = [0, *walk(next_word_start, TEXT, 0, 13)]
    forward = sorted(set(forward) - {len(TEXT)})
    backward = walk(previous_word_start, TEXT, len(TEXT), len(forward))
    assert backward == list(reversed(forward))
    assert previous_word_start(TEXT, 0) == 0


def test_previous_word_start_from_inside_a_word_goes_to_its_start() -> None:
    assert previous_word_start(TEXT, TEXT.index("orld")) == TEXT.index("world")


def test_words_in_other_scripts() -> None:
    arabic = "قال المتحدث إن الوفد"
    stops = walk(next_word_start, arabic, 0, 3)
    assert [arabic[stop] for stop in stops] == ["ا", "إ", "ا"]
    accented = "cafe\u0301 noir"
    assert next_word_start(accented, 0) == accented.index("noir")


def test_characters_step_over_clusters() -> None:
    text = "a👨\u200d👩\u200d👧e\u0301b"
    stops = walk(next_character, text, 0, 4)
    assert stops == [1, 6, 8, 9]
    assert walk(previous_character, text, len(text), 4) == [8, 6, 1, 0]


def test_snap_to_boundary() -> None:
    text = "xe\u0301y"
    assert snap_to_boundary(text, 2) == 1
    assert snap_to_boundary(text, 99) == len(text)
    assert snap_to_boundary(text, -5) == 0


def test_word_span_and_end() -> None:
    start, end = word_span(TEXT, TEXT.index("ebanon"))
    assert TEXT[start:end] == "Lebanon"
    assert word_span(TEXT, TEXT.index("\n")) == (TEXT.index("\n"), TEXT.index("\n"))
    assert TEXT[: word_end(TEXT, 0)] == "Hello"


def test_motions_on_a_huge_line_are_local() -> None:
    text = "word " * 200_000
    offset = len(text) // 2
    assert next_word_start(text, offset) == offset + 5
    assert previous_word_start(text, offset) == offset - 5


@given(st.text(alphabet=st.sampled_from("ab ,\n\u0301👍\u200d"), max_size=40), st.data())
def test_motions_land_on_cluster_boundaries(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    for motion in (next_word_start, previous_word_start, next_character, previous_character):
        result = motion(text, offset)
        assert 0 <= result <= len(text)
        assert is_grapheme_boundary(text, result)
    assert next_word_start(text, offset) >= offset
    assert previous_word_start(text, offset) <= offset
