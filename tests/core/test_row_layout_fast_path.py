"""The quick layout of right-to-left rows draws exactly what the full bidi algorithm draws."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reader.core.bidi import (
    embedding_levels,
    has_arabic_letters,
    has_rtl,
    mirrored,
    shaped_row,
    visual_order,
)
from reader.core.display import cluster_cells, printable
from reader.core.row_geometry import Glyph, RowGeometry, layout_row


def full_layout(
    text: str, *, ends_line: bool, start_col: int, rtl: bool, width: int
) -> RowGeometry:
    """The row as the plain statement of the rules lays it out: levels from the full algorithm
    for every row, L2 by `visual_order`, L4 by `mirrored`, one cluster at a time."""
    display = printable(text, keep_tabs=True)
    spans = cluster_cells(display, start_col)
    levels = embedding_levels(display, rtl)
    drawn = list(display)
    joined_to: dict[int, int] = {}
    if has_arabic_letters(display):
        for unit_start, unit_end, shaped in shaped_row(display):
            drawn[unit_start] = shaped
            for inside in range(unit_start + 1, unit_end):
                drawn[inside] = ""
            if unit_end - unit_start > 1:
                joined_to[unit_start] = unit_end
    clusters: list[list[int]] = []
    for span_start, span_end, cells in spans:
        if clusters and clusters[-1][1] > span_start:
            clusters[-1][1] = max(clusters[-1][1], span_end)
            from rich.cells import cell_len

            clusters[-1][2] = cell_len("".join(drawn[clusters[-1][0] : clusters[-1][1]]))
            continue
        reach = max((joined_to.get(i, 0) for i in range(span_start, span_end)), default=0)
        clusters.append([span_start, max(span_end, reach), cells])
    order = visual_order([levels[cluster[0]] for cluster in clusters])
    total = sum(cluster[2] for cluster in clusters)
    x = max(0, width - total) if rtl else 0
    break_x = (x + total if not rtl else max(0, x - 1)) if ends_line else None
    glyphs = []
    for index in order:
        cluster_start, cluster_end, cells = clusters[index]
        piece = "".join(drawn[cluster_start:cluster_end])
        if piece == "\t":
            piece = " " * cells
        elif levels[cluster_start] % 2 and cluster_end - cluster_start == 1:
            piece = mirrored(piece)
        glyphs.append(Glyph(cluster_start, cluster_end, piece, x, cells))
        x += cells
    return RowGeometry(0, len(text), tuple(glyphs), break_x, rtl)


# Arabic letters (lam and every alef form, for lam-alef), harakat and shadda, tatweel, a joiner
# and non-joiner, both kinds of digits, Latin, brackets and quotes of both kinds, punctuation,
# separators, a tab and a control character.
ALPHABET = (
    "لاأإآبتثجحدرسشصعغفقكمنهويىةء"
    "\u064e\u064f\u0650\u0651\u0652\u064b\u0670\u0640\u200c\u200d"
    "٠١٢٣0123456789abcXYZ"
    "()[]{}«»<>\"' .,،؛؟!:/-%+#$\t\u0007\u00a0"
    "\ufefb\u05d0"
)

rows = st.text(alphabet=ALPHABET, min_size=0, max_size=40)


@settings(max_examples=400, deadline=None)
@given(
    text=rows,
    rtl=st.booleans(),
    ends_line=st.booleans(),
    start_col=st.integers(0, 7),
    width=st.integers(0, 60),
)
@example(text="لِلْمُعْتَقَلِينَ، (حقاً) «نعم»", rtl=True, ends_line=True, start_col=0, width=40)
@example(text="لَا بُدَّ [كلمة] ", rtl=True, ends_line=False, start_col=0, width=20)
@example(text="عام 2024 (ok) \t لا", rtl=True, ends_line=True, start_col=3, width=30)
@example(text="a (شدَّة) b", rtl=False, ends_line=True, start_col=0, width=10)
def test_a_reordered_row_is_what_the_full_algorithm_draws(text, rtl, ends_line, start_col, width):
    if not (rtl or has_rtl(printable(text))):
        return  # drawn in stored order: no bidi layout at all
    fast = layout_row(text, 0, len(text), ends_line=ends_line, start_col=start_col,
                      mode="reader", rtl=rtl, width=width)
    assert fast == full_layout(text, ends_line=ends_line, start_col=start_col, rtl=rtl,
                               width=width)


def test_joiners_and_soft_hyphens_keep_one_level_per_code_point():
    # The bidi library drops boundary neutrals (rule X9); a Persian word with a non-joiner next
    # to a number used to shift every later level by one (and ran past the list at the end).
    row = "می\u200cخواهم 12 کتاب"
    levels = embedding_levels(row, True)
    assert len(levels) == len(row)
    assert levels[2] == levels[1] == 1  # the non-joiner sits at the level of its letter
    assert levels[row.index("12")] == 2
    geometry = layout_row(row, 0, len(row), ends_line=True, mode="reader", rtl=True, width=20)
    cell = {glyph.start: glyph.x for glyph in geometry.glyphs}
    one, two = row.index("12"), row.index("12") + 1
    assert cell[two] == cell[one] + 1  # the number reads left to right inside the Arabic
    assert cell[0] > cell[one] > cell[len(row) - 1]  # and the words right to left
    hyphenated = "word\u00ad 12"
    assert len(embedding_levels(hyphenated, False)) == len(hyphenated)
