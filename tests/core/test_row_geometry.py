"""Offsets <-> cells of one screen row, left to right and right to left (hand-checked)."""

from __future__ import annotations

import unicodedata

import pytest

from reader.core.bidi import inside_ligature, paragraph_is_rtl, resolve_mode
from reader.core.navigator import DocumentNavigator
from reader.core.row_geometry import RowGeometry, layout_row

# س0 ل1 ا2 م3 ␠4 (5 16 27 )8 ␠9 o10 k11: an Arabic paragraph with a number in brackets and a
# word of English. Read right to left: "سلام", then "(12)", then "ok".
ARABIC_ROW = "سلام (12) ok"
# a0 ␠1 ش2 د3 fatha4 shadda5 ة6 ␠7 b8: an English paragraph with a marked Arabic word inside.
MIXED_ROW = "a شدَّة b"


def drawn(geometry: RowGeometry) -> list[tuple[int, int, str, int]]:
    return [(glyph.start, glyph.end, glyph.text, glyph.x) for glyph in geometry.glyphs]


def test_a_right_to_left_row_is_reversed_right_aligned_and_keeps_numbers_and_english_in_order():
    geometry = layout_row(ARABIC_ROW, 0, len(ARABIC_ROW), ends_line=True, mode="reader",
                          rtl=True, width=20)
    # 11 cells (lam-alef is one), right-aligned in 20: cells 9..19. From the left: "ok", the
    # space, the bracketed number with brackets mirrored (the logical ")" drawn as "("), the
    # space, then the Arabic word shaped and reversed: final meem, lam-alef, initial seen.
    assert drawn(geometry) == [
        (10, 11, "o", 9),
        (11, 12, "k", 10),
        (9, 10, " ", 11),
        (8, 9, "(", 12),
        (6, 7, "1", 13),
        (7, 8, "2", 14),
        (5, 6, ")", 15),
        (4, 5, " ", 16),
        (3, 4, "\ufee1", 17),
        (1, 3, "\ufefc", 18),
        (0, 1, "\ufeb3", 19),
    ]
    assert geometry.rtl
    assert geometry.break_x == 8  # the end of the line is left of its last word


@pytest.mark.parametrize(
    ("offset", "cell"),
    [(0, 19), (1, 18), (2, 18), (3, 17), (5, 15), (6, 13), (8, 12), (10, 9), (12, 8)],
)
def test_offsets_of_a_right_to_left_row_map_to_the_cells_they_are_drawn_on(offset, cell):
    geometry = layout_row(ARABIC_ROW, 0, len(ARABIC_ROW), ends_line=True, mode="reader",
                          rtl=True, width=20)
    assert geometry.cell_of(offset) == cell


@pytest.mark.parametrize(
    ("cell", "offset"),
    [(19, 0), (18, 1), (17, 3), (15, 5), (13, 6), (14, 7), (9, 10), (8, 12), (2, 12), (25, 0)],
)
def test_cells_of_a_right_to_left_row_map_back_to_offsets(cell, offset):
    geometry = layout_row(ARABIC_ROW, 0, len(ARABIC_ROW), ends_line=True, mode="reader",
                          rtl=True, width=20)
    assert geometry.offset_at(cell) == offset


def test_a_left_to_right_row_reverses_only_its_arabic_word_and_keeps_marks_after_their_letter():
    geometry = layout_row(MIXED_ROW, 0, len(MIXED_ROW), ends_line=True, mode="reader",
                          rtl=False, width=20)
    # Left-aligned; the Arabic word reads right to left: initial sheen, final dal with fatha
    # and shadda (rule L3: the marks follow their base, not the letter they end up beside),
    # isolated teh marbuta.
    assert drawn(geometry) == [
        (0, 1, "a", 0),
        (1, 2, " ", 1),
        (6, 7, "\ufe93", 2),
        (3, 6, "\ufeaa\u064e\u0651", 3),
        (2, 3, "\ufeb7", 4),
        (7, 8, " ", 5),
        (8, 9, "b", 6),
    ]
    assert geometry.break_x == 7
    assert [geometry.cell_of(offset) for offset in range(10)] == [0, 1, 4, 3, 3, 3, 2, 5, 6, 7]
    assert [geometry.offset_at(cell) for cell in range(9)] == [0, 1, 6, 3, 2, 7, 8, 9, 9]


def test_every_glyph_starts_with_its_base_never_with_a_mark():
    text = "لِلْمُعْتَقَلِينَ (٢٠٢٤) وَالْمَفْقُودِينَ"
    geometry = layout_row(text, 0, len(text), ends_line=True, mode="reader", rtl=True, width=60)
    for glyph in geometry.glyphs:
        assert not unicodedata.combining(glyph.text[0]), glyph
    # Every code point is drawn exactly once.
    covered = sorted(index for glyph in geometry.glyphs for index in range(glyph.start, glyph.end))
    assert covered == list(range(len(text)))


def test_a_wrapped_right_to_left_row_keeps_its_hanging_space_at_the_far_left():
    text = "سلام عليكم "  # a row that continues on the next one, ending with its space
    geometry = layout_row(text, 0, len(text), ends_line=False, mode="reader", rtl=True, width=12)
    assert geometry.glyphs[0] == (10, 11, " ", 2, 1)  # 10 cells (lam-alef is one) in 12
    assert geometry.glyphs[-1].start == 0 and geometry.glyphs[-1].x == 11
    assert geometry.break_x is None


@pytest.mark.parametrize("mode", ["terminal", "off"])
def test_terminal_and_off_modes_draw_logical_order_unshaped(mode):
    geometry = layout_row(ARABIC_ROW, 0, len(ARABIC_ROW), ends_line=True, mode=mode, rtl=True,
                          width=20)
    assert "".join(glyph.text for glyph in geometry.glyphs) == ARABIC_ROW
    assert [glyph.x for glyph in geometry.glyphs] == list(range(len(ARABIC_ROW)))


def test_an_english_row_is_unchanged_by_the_reader_mode():
    text = "plain (english) row"
    reader = layout_row(text, 0, len(text), ends_line=True, mode="reader", width=40)
    plain = layout_row(text, 0, len(text), ends_line=True, mode="off", width=40)
    assert reader == plain


def test_left_and_right_follow_the_row_as_drawn():
    geometry = layout_row(ARABIC_ROW, 0, len(ARABIC_ROW), ends_line=True, mode="reader",
                          rtl=True, width=20)
    navigator = DocumentNavigator(ARABIC_ROW)
    # From the first letter (drawn rightmost), left goes on in reading order.
    assert navigator.horizontal_target(-1, geometry) == 1
    navigator.cursor = 1  # lam-alef is one glyph: left skips the alef
    assert navigator.horizontal_target(-1, geometry) == 3
    navigator.cursor = 5  # "(" drawn as ")": left of it is the "2"
    assert navigator.horizontal_target(-1, geometry) == 7
    assert navigator.horizontal_target(1, geometry) == 4
    navigator.cursor = 10  # "o", leftmost: left reaches the end of the line
    assert navigator.horizontal_target(-1, geometry) == 12
    navigator.cursor = 12
    assert navigator.horizontal_target(1, geometry) == 10


def test_up_and_down_keep_the_cell_between_rows_of_both_directions():
    arabic = layout_row(ARABIC_ROW, 0, len(ARABIC_ROW), ends_line=True, mode="reader", rtl=True,
                        width=20)
    english_text = "x" * 19
    english = layout_row(english_text, 0, 19, ends_line=True, mode="reader", width=20)
    navigator = DocumentNavigator(ARABIC_ROW)
    navigator.cursor = 0  # drawn at cell 19
    assert navigator.vertical_target(arabic, english) == 19  # the English row's end
    navigator.goal_cell = None
    navigator.cursor = 6  # the "1", cell 13
    assert navigator.vertical_target(arabic, english) == 13


def test_paragraph_direction_comes_from_the_first_strong_character():
    assert paragraph_is_rtl("  (12) سلام hello")
    assert not paragraph_is_rtl("12 hello سلام")
    assert not paragraph_is_rtl("123 ...")


def test_an_edge_is_never_inside_a_lam_alef_ligature():
    assert inside_ligature("سلام", 2)  # the alef of lam-alef
    assert inside_ligature("لَا", 2)  # with a mark between
    assert not inside_ligature("سلام", 1)
    assert not inside_ligature("اا", 1)


@pytest.mark.parametrize(
    ("setting", "environ", "mode"),
    [
        ("auto", {}, "reader"),
        ("auto", {"VTE_VERSION": "7600"}, "terminal"),
        ("auto", {"KONSOLE_VERSION": "230800"}, "terminal"),
        ("auto", {"MLTERM": "3.9.3"}, "terminal"),
        ("auto", {"VTE_VERSION": "7600", "TMUX": "/tmp/tmux-0/default,1,0"}, "reader"),
        ("terminal", {}, "terminal"),
        ("off", {"VTE_VERSION": "7600"}, "off"),
        ("reader", {"VTE_VERSION": "7600"}, "reader"),
    ],
)
def test_auto_leaves_reordering_to_terminals_known_to_do_it(setting, environ, mode):
    assert resolve_mode(setting, environ) == mode


@pytest.mark.parametrize(
    "row",
    ["قال: «نعم» (حقاً) — انتهى! ", "  ؟؛ [كلمة] {أخرى} ", "لِلْمُعْتَقَلِينَ، وَالْمَفْقُودِينَ."],
)
def test_the_shortcut_for_arabic_only_rows_agrees_with_the_full_algorithm(row):
    from reader.core.bidi import embedding_levels, only_rtl_levels

    assert only_rtl_levels(row)
    assert embedding_levels(row, True) == [1] * len(row)
    assert not only_rtl_levels(row + " 12") and not only_rtl_levels(row + "ok")


def test_shaping_with_settings_read_once_matches_the_shaper_as_shipped():
    from arabic_reshaper import ArabicReshaper

    from reader.core.bidi import _reshaper

    stock = ArabicReshaper(
        configuration={"delete_harakat": False, "arabic ligature allah": False}
    )
    for text in ["السلام عليكم", "لَا بُدَّ", "مـدرسـة لأنّ", "الله أكبر", "ﻻ"]:
        assert _reshaper().reshape(text) == stock.reshape(text)


def test_a_label_is_shaped_and_put_in_visual_order_only_by_the_reader():
    from reader.core.row_geometry import visual_label, visual_label_map

    # "Statement (2024)": the year and its brackets stay one unit left of the word.
    assert visual_label("بيان (2024)", "reader") == "(2024) \ufee5\ufe8e\ufef4\ufe91"
    assert visual_label("بيان (2024)", "terminal") == "بيان (2024)"
    assert visual_label("Report: بيان", "reader") == "Report: \ufee5\ufe8e\ufef4\ufe91"
    assert visual_label("tab\there\x1b[2J", "reader") == "tab here␛[2J"  # still printable
    shown, positions = visual_label_map("لا 1", "reader")
    assert shown == "1 \ufefb"
    assert positions == [2, 2, 1, 0]  # lam and alef are both drawn as the ligature


def test_the_document_geometry_answers_for_whole_rows_in_both_directions():
    from reader.core.display import LineCells, RowLayout
    from reader.core.row_geometry import DocumentGeometry, ScreenRow
    from reader.core.text import LineIndex

    text = f"{ARABIC_ROW}\n\nplain row\n"
    index = LineIndex(text)
    screen = DocumentGeometry(text, index, LineCells(text, index), mode="reader")
    screen.set_layout(RowLayout(text, index, wrap=True, width=19), 20)
    assert screen.row_of(3) == ScreenRow(0, 0, 0, 12, 12)
    assert screen.cell_of(0) == 19 and screen.cell_of(12) == 8  # as in a lone row of width 20
    assert screen.offset_at(screen.row(0, 0), 13) == 6
    assert screen.line_rtl(1)  # the blank line follows the Arabic line before it
    assert not screen.line_rtl(2)
    assert screen.snap(2) == 1  # never inside lam-alef
    plain = text.index("plain")
    assert screen.cell_of(plain + 3) == 3
    screen.set_mode("off")
    assert screen.cell_of(0) == 0 and screen.snap(2) == 2


def test_a_word_with_allah_is_shaped_letter_by_letter():
    text = "عبد الله"
    geometry = layout_row(text, 0, len(text), ends_line=True, mode="reader", rtl=True, width=10)
    # Reversed and joined: heh final, lam medial, lam initial, alef isolated; then the space
    # and dal final, beh medial, ain initial.
    assert "".join(glyph.text for glyph in geometry.glyphs) == (
        "\ufeea\ufee0\ufedf\ufe8d \ufeaa\ufe92\ufecb"
    )
