"""A huge text kept on disk (SpooledText) reads, searches and moves exactly as the same str."""

from __future__ import annotations

import gc
import io
import os
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core import motions, segments, spooled_text, windowed_regex
from reader.core.anchors import find_quote_span, relocate
from reader.core.graphemes import is_grapheme_boundary
from reader.core.hashing import text_sha256
from reader.core.lazy_regex import LazyPattern
from reader.core.search import SearchError, SearchQuery, find_all
from reader.core.spooled_text import SpooledText, SpoolWriter
from reader.core.text import LineIndex
from reader.formats.decoding import decode_stream

# Texts of words, punctuation, line breaks, blank lines, non-Latin-1 and astral characters, and
# a combining mark: what moves the windows' edges through every kind of boundary.
PIECES = st.sampled_from([
    "The ", "delegation ", "met ", "the ", "committee. ", "Refugees ", "in ", "Lebanon, ",
    "“quoted” ", "café ", "e\u0301 ", "مرحبا ", "😀 ", "\n", "\n\n", "  ", "Dr. ", "U.N. ",
    "2254. ", "— ", "\t", "?! ",
])
TEXTS = st.lists(PIECES, min_size=0, max_size=400).map("".join)


def spool(text: str, pieces: int = 3) -> SpooledText:
    """`text` fed to a writer in `pieces` uneven pieces, as a decoder hands them over."""
    writer = SpoolWriter()
    step = max(1, len(text) // pieces)
    for start in range(0, len(text), step):
        writer.feed(text[start : start + step])
    return writer.finish()


@pytest.fixture(autouse=True)
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks and windows a few dozen characters long: every read crosses their edges."""
    monkeypatch.setattr(spooled_text, "BLOCK_CHARS", 16)
    monkeypatch.setattr(spooled_text, "CACHED_BLOCKS", 3)
    monkeypatch.setattr(windowed_regex, "CONTEXT", 8)
    monkeypatch.setattr(windowed_regex, "MARGIN", 48)
    monkeypatch.setattr(windowed_regex, "FIRST_WINDOW", 64)
    monkeypatch.setattr(windowed_regex, "LARGEST_WINDOW", 128)
    monkeypatch.setattr(windowed_regex, "EXACT_RANGE", 80)


@settings(max_examples=60, deadline=None)
@given(TEXTS, st.data())
def test_reads_and_finds_as_the_str_does(text: str, data: st.DataObject) -> None:
    spooled = spool(text)
    assert len(spooled) == len(text) and bool(spooled) == bool(text)
    assert spooled == text and spooled[:] == text
    assert spooled.sha256 == text_sha256(text)
    assert list(LineIndex.of(spooled)._starts) == list(LineIndex(text)._starts)
    offsets = st.integers(-len(text) - 2, len(text) + 2)
    for _ in range(10):
        start, stop = data.draw(offsets), data.draw(offsets)
        assert spooled[start:stop] == text[start:stop]
        if text and -len(text) <= start < len(text):
            assert spooled[start] == text[start]
        needle = data.draw(st.sampled_from(["\n", "e", "the", "“", "😀", "committee. R", "", "zz"]))
        assert spooled.find(needle, start, stop) == text.find(needle, start, stop)
        assert spooled.rfind(needle, start, stop) == text.rfind(needle, start, stop)
        assert spooled.count(needle, start, stop) == text.count(needle, start, stop)
        assert spooled.startswith(needle, start) == text.startswith(needle, start)
        assert spooled.endswith(needle, 0, stop) == text.endswith(needle, 0, stop)
        assert (needle in spooled) == (needle in text)


@settings(max_examples=40, deadline=None)
@given(TEXTS)
def test_motions_sentences_and_paragraphs_land_where_they_do_on_the_str(text: str) -> None:
    spooled = spool(text)
    for offset in range(0, len(text) + 1, 3):
        assert is_grapheme_boundary(spooled, offset) == is_grapheme_boundary(text, offset)
        for motion in (
            motions.next_character, motions.previous_character, motions.next_word_start,
            motions.previous_word_start, motions.word_end, motions.word_span,
            segments.next_sentence_start, segments.previous_sentence_start,
            segments.sentence_span, segments.next_paragraph_start,
            segments.previous_paragraph_start, segments.paragraph_span,
        ):
            assert motion(spooled, offset) == motion(text, offset), (motion.__name__, offset)


@settings(max_examples=40, deadline=None)
@given(TEXTS, st.sampled_from(["the", "THE", "é", "\\w+\\.", "^\\S", "e$", "مرحبا", "“\\w+”"]))
def test_a_search_finds_the_same_matches(text: str, pattern: str) -> None:
    spooled = spool(text)
    for query in (
        SearchQuery(pattern, regex=True), SearchQuery(pattern, case_sensitive=True),
        SearchQuery(pattern),
    ):
        found, expected = find_all(spooled, query), find_all(text, query)
        assert (list(found.starts), list(found.ends)) == (
            list(expected.starts), list(expected.ends)
        )


def test_a_reversed_pattern_scans_back_through_many_windows() -> None:
    text = "word " + "." * 2000 + " ...  " * 10
    spooled = spool(text)
    reversed_word = LazyPattern(r"(?r)\w+")
    assert reversed_word.search(spooled, 0, len(text)).span() == (0, 4)
    assert motions.previous_word_start(spooled, len(text)) == motions.previous_word_start(
        text, len(text)
    )


def test_passages_are_found_again_in_a_spooled_text() -> None:
    text = ("The committee met.\n\n" * 40) + "Refugees in   Lebanon\nwere discussed. " * 3
    spooled = spool(text)
    assert find_quote_span(spooled, "Refugees in Lebanon were") == find_quote_span(
        text, "Refugees in Lebanon were"
    )
    # A passage coded in an earlier version, where the quote began at offset 30.
    quote, prefix = "Refugees in   Lebanon\nwere", "committee met.\n\n"
    moved = relocate(spooled, 30, 30 + len(quote), quote, prefix, " discussed.")
    assert moved == relocate(text, 30, 30 + len(quote), quote, prefix, " discussed.")
    assert moved is not None and text[moved[0] : moved[1]] == quote


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Line one\r\nLine “two”\r\nthree\r".encode(), "utf-8"),
        ("\ufeffBOM and é\r\n".encode("utf-16"), "utf-16"),
        (("Caf\xe9 au lait, na\xefve \xe9l\xe8ve. " * 50).encode("cp1252"), "cp1252"),
    ],
)
def test_a_stream_decoded_into_a_spool_is_the_text_decoded_whole(
    data: bytes, encoding: str
) -> None:
    text, expected_encoding = decode_stream(io.BytesIO(data), canonical=True)
    writer = SpoolWriter()
    empty, spooled_encoding = decode_stream(io.BytesIO(data), canonical=True, spool=writer)
    spooled = writer.finish()
    assert empty == "" and spooled_encoding == expected_encoding
    assert expected_encoding.startswith(encoding.split("-")[0]) or encoding == "cp1252"
    assert spooled == text and spooled.sha256 == text_sha256(text)


def test_the_temporary_file_is_closed_once_the_text_is_let_go() -> None:
    spooled = spool("The delegation met the committee.\n" * 10)
    descriptor = spooled._fd
    os.fstat(descriptor)  # open
    gone = weakref.ref(spooled)
    del spooled
    gc.collect()
    assert gone() is None
    with pytest.raises(OSError):
        os.fstat(descriptor)


def test_reading_a_long_stretch_writes_nothing_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    # (A tracing leftover appended the stack of every long read to a file in /tmp: slow, and a
    # file anyone could have made a link to something of the user's.)
    monkeypatch.setattr(spooled_text, "BLOCK_CHARS", 1 << 16)
    text = "Refugees in Lebanon, “quoted”.\n" * 60_000  # 1.9 M characters
    spooled = spool(text)

    def no_files(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a file was opened: {args}")

    monkeypatch.setattr("builtins.open", no_files)
    assert spooled[:] == text and spooled[100 : len(text) - 100] == text[100:-100]


def test_a_search_gives_up_once_its_timeout_is_spent_over_all_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each window's scan takes 4 s (a pattern that backtracks badly): over a str the search
    # stops after its 10 s; a window at a time it went on for every window of a 22 MB text.
    ticks = iter(range(0, 10_000, 4))
    monkeypatch.setattr(windowed_regex, "_clock", lambda: next(ticks), raising=False)
    text = spool("The delegation met the committee.\n" * 40)  # twenty windows and more
    query = SearchQuery(r"(\w+\s?)+Z", regex=True)
    with pytest.raises(SearchError, match="longer than 10 s"):
        find_all(text, query)
    assert next(ticks) <= 16  # three windows' calls, no more


def test_the_time_the_caller_keeps_a_match_is_not_the_searchs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(windowed_regex, "_clock", lambda: now[0], raising=False)
    text = spool("The delegation met the committee.\n" * 40)
    pattern = LazyPattern(r"committee")
    found = 0
    for _match in pattern.finditer(text, 0, timeout=10):
        found += 1
        now[0] += 4  # the caller's work on each match
    assert found == 40


def test_finding_each_line_break_in_turn_copies_no_block_again_and_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A case-sensitive search steps through up to 100,000 matches with `find`: each call copied
    # the rest of its block (32 K characters on average), 18 times the str's time.
    monkeypatch.setattr(spooled_text, "BLOCK_CHARS", 4096)
    text = "Refugees in Lebanon.\n" * 2000
    spooled = spool(text)
    copied = 0
    real_slice = SpooledText._slice

    def counted(self: SpooledText, start: int, stop: int) -> str:
        nonlocal copied
        copied += max(0, stop - start)
        return real_slice(self, start, stop)

    monkeypatch.setattr(SpooledText, "_slice", counted)
    for needle in ("\n", "Lebanon"):
        found, position = [], spooled.find(needle)
        while position != -1:
            found.append(position)
            position = spooled.find(needle, position + 1)
        assert found == [i for i in range(len(text)) if text.startswith(needle, i)]
        backwards, position = [], spooled.rfind(needle)
        while position != -1:
            backwards.append(position)
            position = spooled.rfind(needle, 0, position + len(needle) - 1)
        assert backwards == found[::-1]
    assert copied <= len(text)


def test_a_spooled_texts_paragraph_style_does_not_keep_it() -> None:
    # (Kept in the str's cache of four texts, a closed document's temporary file stayed open
    # until three more documents had been read by sentence.)
    spooled = spool("Title\n\nThe delegation met the committee. Refugees in Lebanon.\n" * 4)
    assert segments.next_sentence_start(spooled, 0) == 7
    assert not segments.lines_are_paragraphs(spooled)
    let_go = weakref.ref(spooled)
    del spooled
    gc.collect()
    assert let_go() is None
