"""printable(), cell widths and soft wrapping."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from reader.core.display import (
    LineCells,
    RowLayout,
    cell_width,
    is_simple,
    offset_at_cell,
    printable,
    wrap_line,
    wrap_rows,
)
from reader.core.text import LineIndex


def rows_text(text: str, rows: list[int]) -> list[str]:
    return [text[a:b] for a, b in zip(rows, rows[1:] + [len(text)], strict=True)]


def test_escape_sequences_become_visible_symbols() -> None:
    shown = printable("a\x1b]0;pwned\x07b\x1b[2J\x1b]52;c;aGk=\x07")
    assert "\x1b" not in shown and "\x07" not in shown
    assert shown == "a␛]0;pwned␇b␛[2J␛]52;c;aGk=␇"


def test_c1_controls_del_and_surrogates_are_replaced() -> None:
    shown = printable("\x9b2J\x9d0;x\x9c\x7f\ud800")
    assert shown == "\ufffd2J\ufffd0;x\ufffd␡\ufffd"
    shown.encode("utf-8")  # a lone surrogate would fail to reach the terminal at all


def test_bidi_overrides_are_visible_and_joiners_stay() -> None:
    assert printable("abc\u202edcba\u2066x\u2069") == "abc¦dcba¦x¦"
    family = "👨\u200d👩\u200d👧"
    assert printable(family) == family
    assert printable("e\u0301 \u200f") == "e\u0301 \u200f"


def test_a_joiner_between_letters_cannot_hide_the_next_letter() -> None:
    # Rich measures "a" + ZWJ + "a" as one cell; a terminal draws two. Emoji joins stay.
    assert printable("a\u200da") == "a\u200ba"
    assert cell_len(printable("a\u200da")) == 2
    for emoji in ("👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "👩🏽\u200d💻"):
        assert printable(emoji) == emoji


def test_tabs_and_newlines() -> None:
    assert printable("a\tb\nc") == "a b␤c"
    assert printable("a\tb\nc", keep_tabs=True) == "a\tb␤c"
    assert printable("a\tb\nc", keep_newlines=True) == "a b\nc"


def test_clean_text_is_returned_unchanged() -> None:
    text = "Plain [bold]markup[/] stays literal — Pávlovna"
    assert printable(text) is text


@given(st.text())
def test_printable_is_one_code_point_per_code_point(text: str) -> None:
    shown = printable(text)
    assert len(shown) == len(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in shown)
    assert printable(shown) == shown


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import sys, reader.core.display, reader.core.motions, reader.core.search;"
        "assert 'textual' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cell_widths_match_rich() -> None:
    for text in ["hello", "Pávlovna ‘quoted’", "中文", "e\u0301", "👨\u200d👩\u200d👧", "مرحبا"]:
        assert cell_width(text) == cell_len(printable(text))
    assert cell_width("\x1b[2J") == 4  # each control is a one-cell picture
    assert cell_width("a\tb") == 5 and cell_width("ab\tc", start_col=1) == 4


def test_is_simple() -> None:
    assert is_simple("Pávlovna ‘quoted’ — Cyrillic Пьер, Arabic مرحبا")
    assert not is_simple("a\tb") and not is_simple("中") and not is_simple("e\u0301")
    assert is_simple("xx中xx", 0, 2) and not is_simple("xx中xx", 1, 4)


def test_wrap_breaks_after_spaces_and_hangs_one_space() -> None:
    text = "hello world this is a test of wrapping lines"
    rows = wrap_line(text, 0, len(text), 10)
    assert rows_text(text, rows) == [
        "hello ",
        "world this ",  # the space after a full row hangs past it
        "is a test ",
        "of ",
        "wrapping ",
        "lines",
    ]


def test_wrap_breaks_long_words_and_cjk_at_clusters() -> None:
    text = "abcdefghijklmnop"
    assert rows_text(text, wrap_line(text, 0, len(text), 5)) == ["abcde", "fghij", "klmno", "p"]
    cjk = "中文中文中文中文"
    assert rows_text(cjk, wrap_line(cjk, 0, len(cjk), 5)) == ["中文", "中文", "中文", "中文"]
    marks = "e\u0301" * 8
    rows = wrap_line(marks, 0, len(marks), 3)
    assert all(marks[row] == "e" for row in rows)  # never between a letter and its accent


def test_general_path_agrees_with_simple_path() -> None:
    ascii_text = "the quick brown fox jumps over the lazy dog " * 20
    accented = ascii_text.replace("o", "ö")
    for width in (7, 10, 33, 80):
        simple = wrap_line(ascii_text, 0, len(ascii_text), width)
        general = wrap_line(accented + "\u0301", 0, len(accented) + 1, width)
        assert simple == general[: len(simple)]


def test_wrap_can_stop_early_and_resume() -> None:
    text = "word " * 10_000
    full, complete = wrap_rows(text, 0, len(text), 17)
    assert complete
    first, complete = wrap_rows(text, 0, len(text), 17, max_rows=5)
    assert not complete and first == full[:5]
    rest = wrap_line(text, first[-1], len(text), 17)
    assert first[:-1] + rest == full
    upto = wrap_line(text, 0, len(text), 17, until=1000)
    assert upto[-1] > 1000 and upto == full[: len(upto)]


def test_wrap_of_tabs_counts_tab_stops() -> None:
    text = "a\tb\tc\td"
    # "a" then a tab to column 4, "b" at 5; the next tab would reach column 8 > 6.
    assert rows_text(text, wrap_line(text, 0, len(text), 6)) == ["a\t", "b\t", "c\td"]
    assert rows_text(text, wrap_line(text, 0, len(text), 9)) == ["a\tb\t", "c\td"]


def test_huge_non_ascii_line_is_wrapped_in_chunks() -> None:
    text = "wörd 中文 " * 3000
    rows = wrap_line(text, 0, len(text), 40)
    for start, end in zip(rows, rows[1:], strict=False):
        assert cell_width(text[start:end].rstrip(" ")) <= 40


def test_offset_at_cell() -> None:
    assert offset_at_cell("hello", 0, 5, 3) == 3
    assert offset_at_cell("中文x", 0, 3, 1) == 0
    assert offset_at_cell("中文x", 0, 3, 2) == 1
    assert offset_at_cell("中文x", 0, 3, 9) == 3


# ---------------------------------------------------------------------------- row layout

LAYOUT_TEXT = "short\n" + "word " * 30 + "\n\nend"


def test_row_layout_locates_and_advances_without_counting() -> None:
    index = LineIndex(LAYOUT_TEXT)
    layout = RowLayout(LAYOUT_TEXT, index, wrap=True, width=20)
    assert layout.total_rows is None and layout.row_number(1, 0) is None
    long_rows = wrap_line(LAYOUT_TEXT, 6, 6 + 150, 20)
    assert layout.locate(0) == (0, 0)
    assert layout.locate(long_rows[2]) == (1, 2)
    assert layout.advance(0, 0, 1) == (1, 0)
    assert layout.advance(0, 0, 1 + len(long_rows)) == (2, 0)
    assert layout.advance(3, 0, -2) == (1, len(long_rows) - 1)
    assert layout.advance(0, 0, -5) == (0, 0)
    assert layout.advance(3, 0, 99) == (3, 0)
    assert layout.row_bounds(1, 1) == (long_rows[1], long_rows[2])


def test_row_layout_counts_rows_and_maps_row_numbers() -> None:
    index = LineIndex(LAYOUT_TEXT)
    layout = RowLayout(LAYOUT_TEXT, index, wrap=True, width=20)
    counted = layout.count()
    assert counted is not None
    layout.install(counted)
    rows = len(wrap_line(LAYOUT_TEXT, 6, 6 + 150, 20))
    assert layout.total_rows == 1 + rows + 2
    assert layout.row_number(2, 0) == 1 + rows
    assert layout.at_row(1 + rows) == (2, 0)
    assert layout.at_row(10_000) == (3, 0)
    assert layout.count(should_stop=lambda: True) is None


def test_counting_many_one_row_lines_copies_nothing() -> None:
    text = "short line\n" * 200_000
    index = LineIndex(text)
    layout = RowLayout(text, index, wrap=True, width=80)
    tracemalloc.start()
    try:
        counted = layout.count()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counted is not None and counted.starts is None  # every line is one row
    assert peak < 100_000  # not a copy of the line starts (800 KB), let alone two


def test_row_layout_without_wrap_is_one_row_per_line() -> None:
    index = LineIndex(LAYOUT_TEXT)
    layout = RowLayout(LAYOUT_TEXT, index, wrap=False, width=20)
    assert layout.total_rows == 4
    assert layout.locate(100) == (1, 0)
    assert layout.at_row(2) == (2, 0) and layout.row_number(3, 0) == 3


def test_row_layout_wraps_a_huge_line_only_as_far_as_asked() -> None:
    text = "word " * 200_000
    layout = RowLayout(text, LineIndex(text), wrap=True, width=50)
    rows, complete = layout.rows_of(0, count=40)
    assert not complete and 40 <= len(rows) < 100
    line, subrow = layout.locate(500_000)
    assert line == 0 and subrow == 500_000 // 50
    assert layout.advance(0, subrow, 3) == (0, subrow + 3)


def test_line_cells_on_a_long_line() -> None:
    text = "ab中\t" * 5000 + "\nx"
    cells = LineCells(text, LineIndex(text))
    # "ab" 2 cells, 中 2 cells, then a tab to the next multiple of 4: 8 cells per repeat.
    assert cells.cells_before(0, 4 * 1000) == 8 * 1000
    assert cells.offset_at(0, 8 * 1000 + 2) == 4 * 1000 + 2
    measured = cells.measure()
    assert measured is not None
    cells.install(measured)
    assert cells.widest == 8 * 5000
    assert cells.cells_before(0, 4 * 2500 + 1) == 8 * 2500 + 1


def test_row_layout_of_short_lines_stores_no_row_numbers() -> None:
    text = "".join(f"line {number} with ‘quotes’\n" for number in range(100))
    layout = RowLayout(text, LineIndex(text), wrap=True, width=40)
    counted = layout.count()
    assert counted is not None and counted.starts is None
    layout.install(counted)
    assert layout.total_rows == 101
    assert layout.at_row(50) == (50, 0) and layout.row_number(50, 0) == 50
    assert layout.row_total(3) == 1
    narrow = RowLayout(text, LineIndex(text), wrap=True, width=10)
    counted = narrow.count()
    assert counted is not None and counted.starts is not None and counted.starts[-1] > 101


@given(st.text(alphabet=st.sampled_from("ab \t\n\x00\x7fé\u0301中🇸🇾\u200b\u2028"), max_size=20),
       st.data())
def test_is_simple_agrees_with_the_full_width_class(text: str, data: st.DataObject) -> None:
    # The ASCII pre-check must give the answer the whole one-cell class gives.
    from reader.core.display import _not_narrow

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert is_simple(text, start, end) == (_not_narrow().search(text, start, end) is None)


@pytest.mark.parametrize(
    "text",
    [
        "short lines\nall one cell\n" * 40,  # the fast path: every line is one row
        "short lines\n" * 40 + "but one wide 漢字 among them\n",  # not all one cell
        "a line much longer than the twenty cells of a row, wrapped\n" * 5 + "end",
    ],
)
def test_rows_counted_with_pauses_are_the_rows_counted_without(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    from reader.core import display

    monkeypatch.setattr(display, "_PAUSE_LINES", 3)
    monkeypatch.setattr(display, "_PAUSE_CHARS", 10)
    index = LineIndex(text)
    pauses: list[None] = []
    paused = RowLayout(text, index, wrap=True, width=20).count(pause=lambda: pauses.append(None))
    plain = RowLayout(text, index, wrap=True, width=20).count()
    assert paused is not None and plain is not None
    assert (paused.starts, paused.long_rows) == (plain.starts, plain.long_rows)
    assert pauses  # the whole-text scans went a block at a time


def test_printable_text_is_returned_without_the_table() -> None:
    # printable() returns a text str.isprintable accepts as it is, before its pattern (compiled
    # on first use, a millisecond of start-up): so every code point the tables change, and the
    # joiner it looks at, must be one that str.isprintable refuses.
    from reader.core.display import _TABLE

    assert [code for code in _TABLE if chr(code).isprintable()] == []
    assert not "\u200d".isprintable()
    accented = "Élan, naïve café: “quoted” — and Arabic سلام"
    assert printable(accented) is accented


def test_a_european_text_is_measured_without_the_whole_width_class() -> None:
    # The class of every narrow code point below U+3400 takes ~2 ms to compile; rows of Latin,
    # Greek or Cyrillic letters, curly quotes and dashes need only its common blocks' part.
    from reader.core import display

    display._not_narrow.cache_clear()
    assert is_simple("“L’été,” déjà — Пьер, Αθήνα… and 12 ½ pages")
    assert not is_simple("a\u0301 accent")  # a combining mark: not one cell
    assert display._not_narrow.cache_info().currsize == 0
    assert not is_simple("漢字 ahead")  # past the common blocks: the whole class decides
    assert display._not_narrow.cache_info().currsize == 1


@given(st.text(alphabet=st.sampled_from(
    "a\t\u00e9\u00ad\u0301\u0416\u05d0\u0627\u064b\u2014\u2019\u200b\u200d\u2060\u3000\u4e00"
    "\uff21\U0001f600\x07"
)))
def test_the_first_code_point_not_one_cell_wide_is_found_in_stages(text: str) -> None:
    from reader.core.display import _first_not_narrow

    def one_cell(char: str) -> bool:
        return char != "\t" and cell_len(printable(char)) == 1

    expected = next((index for index, char in enumerate(text) if not one_cell(char)), None)
    found = _first_not_narrow(text)
    assert (found.start() if found else None) == expected


def test_every_code_point_cp1252_encodes_is_one_cell_but_the_tab() -> None:
    # is_simple settles a str cp1252 can encode without the width patterns: that holds only as
    # long as Rich gives all of them one cell (after printable), the tab apart.
    from reader.core import display

    ranges = display._narrow_ranges()
    encodable = []
    for code in range(0x10000):
        try:
            chr(code).encode("cp1252")
        except UnicodeEncodeError:
            continue
        encodable.append(code)
    assert len(encodable) > 250
    wider = [code for code in encodable if not any(low <= code <= high for low, high in ranges)]
    assert wider == [0x09]


def test_a_western_text_is_measured_without_the_width_patterns() -> None:
    from reader.core import display

    for built_once in (display._narrow_ranges, display._not_common_narrow, display._not_narrow):
        built_once.cache_clear()
    assert is_simple("“L’été,” déjà — naïve café… 12 ½ pages, €5")
    assert not is_simple("a\ttab")
    assert display._narrow_ranges.cache_info().currsize == 0
    assert is_simple("Пьер")  # past cp1252: the patterns decide
    assert display._narrow_ranges.cache_info().currsize == 1


def test_right_to_left_and_widths_are_found_in_a_spooled_text_as_in_a_str() -> None:
    # has_rtl answers an ASCII str from its flag and a cp1252 one by encoding it, is_simple
    # too, and the widths' patterns go in stages; a spooled text has neither flag nor str
    # methods, and must get the same answers.
    from reader.core.bidi import has_rtl
    from reader.core.spooled_text import SpoolWriter

    for text in ("plain ASCII " * 50, "“L’été” " * 50 + "سلام", "naïve " * 40 + "漢字"):
        writer = SpoolWriter()
        writer.feed(text)
        spooled = writer.finish()
        assert has_rtl(spooled) == has_rtl(text)
        assert has_rtl(spooled, 0, 100) == has_rtl(text, 0, 100)
        assert is_simple(spooled) == is_simple(text)
        assert is_simple(spooled, 0, 100) == is_simple(text, 0, 100)
