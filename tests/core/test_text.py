"""Tests of canonical text and the line index."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.core.text import Canonicalizer, LineIndex, canonicalize

# Pieces that stress offsets: line breaks of every kind, combining marks, emoji joiner
# sequences, flags, Arabic with harakat, a stray BOM, Indic conjuncts.
FRAGMENTS = [
    "a",
    "The ",
    "é",
    "e\u0301",
    "\u0301",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    " ",
    "\t",
    "👨\u200d👩\u200d👧",
    "🇸🇾",
    "🇱🇧",
    "بِسْمِ",
    "؟",
    "\ufeff",
    "क्ष",
    "\x1b[31m",
    ".",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map(
    "".join
)


class TestCanonicalize:
    def test_drops_one_leading_bom(self) -> None:
        assert canonicalize("\ufeffabc") == "abc"
        assert canonicalize("\ufeff\ufeffabc") == "\ufeffabc"
        assert canonicalize("a\ufeffb") == "a\ufeffb"  # only a leading one is a BOM

    def test_line_breaks_become_lf(self) -> None:
        assert canonicalize("a\r\nb\rc\nd\r\n") == "a\nb\nc\nd\n"
        assert canonicalize("\r\r\n\n") == "\n\n\n"

    def test_nothing_else_changes(self) -> None:
        decomposed = "cafe\u0301 \x1b[2J\x00\u2028"
        assert canonicalize(decomposed) == decomposed  # no NFC, controls are data

    def test_crlf_and_cr_copies_are_the_same_text(self) -> None:
        lf = "one\ntwo\n\nthree"
        assert canonicalize(lf.replace("\n", "\r\n")) == lf
        assert canonicalize("\ufeff" + lf.replace("\n", "\r")) == lf

    @given(texts)
    def test_idempotent(self, raw: str) -> None:
        once = canonicalize(raw)
        assert "\r" not in once
        # Only a text that began with two BOMs changes again: the second one is then leading.
        assert canonicalize(once) == once or raw.startswith("\ufeff\ufeff")

    @given(texts)
    def test_idempotent_without_leading_bom(self, raw: str) -> None:
        once = canonicalize(raw).lstrip("\ufeff")
        assert canonicalize(once) == once


class TestCanonicalizer:
    @given(texts, st.lists(st.integers(min_value=0), max_size=8))
    def test_pieces_join_to_the_canonical_whole(self, raw: str, cuts: list[int]) -> None:
        bounds = [0, *sorted(cut % (len(raw) + 1) for cut in cuts), len(raw)]
        pieces = [raw[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]
        canonicalizer = Canonicalizer()
        fed = [canonicalizer.feed(piece) for piece in pieces[:-1]]
        fed.append(canonicalizer.feed(pieces[-1], final=True))
        assert "".join(fed) == canonicalize(raw)

    def test_a_line_break_cut_between_its_cr_and_lf_stays_one(self) -> None:
        canonicalizer = Canonicalizer()
        assert canonicalizer.feed("\ufeffone\r") == "one"
        assert canonicalizer.feed("\ntwo\r") == "\ntwo"
        assert canonicalizer.feed("", final=True) == "\n"

    def test_only_the_first_piece_loses_a_bom(self) -> None:
        canonicalizer = Canonicalizer()
        assert canonicalizer.feed("") == ""
        assert canonicalizer.feed("\ufeffa") == "a"
        assert canonicalizer.feed("\ufeffb", final=True) == "\ufeffb"


class TestLineIndex:
    def test_empty_text_has_one_empty_line(self) -> None:
        index = LineIndex("")
        assert index.line_count == 1
        assert index.line_text(0) == ""
        assert index.line_start(0) == index.line_end(0) == 0
        assert index.line_of(0) == 0
        assert index.to_line_col(0) == (0, 0)
        assert index.to_offset(5, 5) == 0

    def test_trailing_newline_makes_an_empty_last_line(self) -> None:
        index = LineIndex("ab\ncd\n")
        assert index.line_count == 3
        assert [index.line_text(i) for i in range(3)] == ["ab", "cd", ""]
        assert index.line_end(0) == 2  # the "\n"
        assert index.line_end(2) == 6 == len(index.text)
        assert index.line_of(6) == 2
        assert index.to_line_col(6) == (2, 0)

    def test_offsets_and_columns(self) -> None:
        index = LineIndex("first\nsécond\n\nfourth")
        assert index.line_count == 4
        assert index.line_start(1) == 6
        assert index.line_of(5) == 0  # the "\n" belongs to the line it ends
        assert index.line_of(6) == 1
        assert index.to_line_col(8) == (1, 2)
        assert index.to_offset(1, 2) == 8
        assert index.line_text(2) == ""
        assert index.to_line_col(len(index.text)) == (3, 6)

    def test_columns_count_code_points(self) -> None:
        index = LineIndex("x👨\u200d👩\u200d👧y\ne\u0301z")
        assert index.to_line_col(6) == (0, 6)  # after "y": emoji joiners count one each
        assert index.to_offset(1, 2) == 10

    def test_to_offset_clamps(self) -> None:
        index = LineIndex("ab\ncdef\n")
        assert index.to_offset(0, 99) == 2
        assert index.to_offset(0, -3) == 0
        assert index.to_offset(-1, 1) == 1
        assert index.to_offset(99, 99) == len(index.text)
        assert index.to_offset(1, 4) == 7

    def test_out_of_range_raises(self) -> None:
        index = LineIndex("ab\ncd")
        for offset in (-1, 6):
            with pytest.raises(ValueError):
                index.line_of(offset)
            with pytest.raises(ValueError):
                index.to_line_col(offset)
        for line in (-1, 2):
            with pytest.raises(ValueError):
                index.line_start(line)
            with pytest.raises(ValueError):
                index.line_end(line)
            with pytest.raises(ValueError):
                index.line_text(line)

    @given(texts)
    def test_offsets_round_trip_through_line_and_column(self, raw: str) -> None:
        text = canonicalize(raw)
        index = LineIndex(text)
        assert index.line_count == text.count("\n") + 1
        for offset in range(len(text) + 1):
            line, col = index.to_line_col(offset)
            assert index.to_offset(line, col) == offset
            assert index.line_start(line) + col == offset

    @given(texts)
    def test_lines_hold_no_line_breaks_and_rebuild_the_text(self, raw: str) -> None:
        text = canonicalize(raw)
        index = LineIndex(text)
        lines = [index.line_text(i) for i in range(index.line_count)]
        assert all("\n" not in line for line in lines)
        assert "\n".join(lines) == text
        for i in range(index.line_count):
            assert text[index.line_start(i) : index.line_end(i)] == lines[i]

    def test_builds_quickly_on_a_large_text(self) -> None:
        # 4.4 MB, 100k lines; the 22 MB figure is measured by hand (about 0.08 s).
        text = "A line of a novel, long enough to be typical of prose text.\n" * 75_000
        started = time.perf_counter()
        index = LineIndex(text)
        elapsed = time.perf_counter() - started
        assert index.line_count == 75_001
        assert index.to_line_col(len(text) - 1) == (74_999, 59)
        assert elapsed < 0.5

    def test_costs_four_bytes_a_line(self) -> None:
        text = "short line\n" * 100_000
        tracemalloc.start()
        try:
            index = LineIndex(text)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert index.line_count == 100_001
        assert peak < 4.5 * index.line_count  # a C int each, and the array's growth slack


def test_an_index_built_with_pauses_is_the_same_and_pauses_between_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "first line\n\nthird\n" * 50 + "no newline at the end"
    monkeypatch.setattr(LineIndex, "PAUSE_EVERY", 7)
    pauses = 0

    def pause() -> None:
        nonlocal pauses
        pauses += 1

    paused = LineIndex(text, pause=pause)
    whole = LineIndex(text)
    assert [paused.line_start(n) for n in range(paused.line_count)] == [
        whole.line_start(n) for n in range(whole.line_count)
    ]
    assert pauses == (len(text) - 1) // 7  # between blocks, not after the last
