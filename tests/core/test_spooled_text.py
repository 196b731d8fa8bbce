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
from reader.core.search import SearchQuery, find_all
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
    segments.lines_are_paragraphs.cache_clear()
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
