"""Arabic in the document view, through Pilot: keys follow the row as drawn, a click lands on the
character under it, a selection is one logical span, and the mode can change while running."""

from __future__ import annotations

from support import until
from textual.app import App, ComposeResult

from reader.ui.widgets.document_view import DocumentView

# س0 ل1 ا2 م3 ␠4 (5 16 27 )8 ␠9 o10 k11 ⏎12, then a second Arabic line.
TEXT = "سلام (12) ok\nكلمة ثانية\n"


class ViewApp(App[None]):
    def __init__(self, text: str, bidi: str = "reader") -> None:
        super().__init__()
        self.text = text
        self.bidi = bidi

    def compose(self) -> ComposeResult:
        yield DocumentView(self.text, bidi=self.bidi)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query_one(DocumentView).focus()

    @property
    def view(self) -> DocumentView:
        return self.query_one(DocumentView)


def text_cells(view: DocumentView, y: int) -> str:
    """Row `y` as drawn, without the gutter column."""
    return view.render_line(y).text[1:]


async def test_arabic_rows_are_drawn_right_aligned_in_visual_order() -> None:
    app = ViewApp(TEXT)
    async with app.run_test(size=(30, 6)):
        view = app.view
        width = view.scrollable_content_region.width - 1
        first = text_cells(view, 0)
        assert len(first) == width
        assert first.rstrip() == " " * (width - 11) + "ok (12) \ufee1\ufefc\ufeb3"


async def test_left_goes_on_in_reading_order_on_a_right_to_left_row() -> None:
    app = ViewApp(TEXT)
    async with app.run_test(size=(30, 6)) as pilot:
        view = app.view
        await pilot.press("left")
        assert view.cursor_offset == 1  # lam-alef, drawn left of the seen
        await pilot.press("left")
        assert view.cursor_offset == 3  # the alef inside lam-alef is skipped
        await pilot.press("right", "right")
        assert view.cursor_offset == 0
        await pilot.press("right")  # nothing right of the line's first letter
        assert view.cursor_offset == 0


async def test_a_click_lands_on_the_character_drawn_under_it() -> None:
    app = ViewApp(TEXT)
    async with app.run_test(size=(30, 6)) as pilot:
        view = app.view
        line = text_cells(view, 0)
        column = line.index("1")  # the "1" of "(12)", drawn where the geometry put it
        await pilot.click(DocumentView, offset=(column + 1, 0))  # +1: the gutter
        assert view.cursor_offset == TEXT.index("1")
        column = line.index("\ufeb3")  # the seen, rightmost
        await pilot.click(DocumentView, offset=(column + 1, 0))
        assert view.cursor_offset == 0


async def test_a_selection_across_directions_is_one_logical_span() -> None:
    app = ViewApp(TEXT)
    async with app.run_test(size=(30, 6)) as pilot:
        view = app.view
        await pilot.press("v", "left", "left", "left")  # seen, lam-alef, meem
        assert view.selection == (0, 4)
        assert view.text[slice(*view.selection)] == "سلام"  # what y copies
        # Drawn where the letters are: the three rightmost text cells are selected.
        strip = view.render_line(0)
        selected = "".join(
            segment.text for segment in strip if segment.style and segment.style.reverse
        )
        assert "\ufee1" in selected and "\ufeb3" in selected
        assert "o" not in selected


async def test_no_edge_is_ever_inside_lam_alef() -> None:
    app = ViewApp(TEXT)
    async with app.run_test(size=(30, 6)):
        view = app.view
        view.move_cursor(2)  # the alef drawn inside the lam-alef ligature
        assert view.cursor_offset == 1
        view.select(2, 4)
        assert view.selection == (1, 4)


async def test_switching_to_terminal_mode_sends_logical_order() -> None:
    app = ViewApp(TEXT)
    async with app.run_test(size=(30, 6)) as pilot:
        view = app.view
        view.bidi = "terminal"
        await until(pilot, lambda: text_cells(view, 0).startswith("سلام (12) ok"))
        await pilot.press("right")
        assert view.cursor_offset == 1  # right is simply the next character


async def test_a_blank_line_in_arabic_text_does_not_turn_left_and_right_around() -> None:
    text = "كلمة أولى\n\nكلمة ثانية\n2024\n"
    app = ViewApp(text)
    async with app.run_test(size=(30, 8)) as pilot:
        view = app.view
        view.move_cursor(text.index("\n"))  # the end of the first line, drawn at its left
        await pilot.press("left")
        assert view.cursor_offset == text.index("\n") + 1  # on to the blank line
        await pilot.press("left")
        assert view.cursor_offset == text.index("كلمة ثانية")  # on, not back
        # A line of digits in an Arabic text is right-aligned like its neighbours.
        digits_row = text_cells(view, 3)
        assert digits_row.rstrip().endswith("2024") and digits_row.startswith("   ")


async def test_with_wrap_off_an_arabic_line_is_reordered_whole() -> None:
    class NoWrapApp(ViewApp):
        def compose(self) -> ComposeResult:
            yield DocumentView(self.text, bidi="reader", wrap=False)

    app = NoWrapApp(TEXT)
    async with app.run_test(size=(30, 6)) as pilot:
        view = app.view
        assert text_cells(view, 0).rstrip().endswith("ok (12) \ufee1\ufefc\ufeb3")
        await pilot.press("left")
        assert view.cursor_offset == 1


async def test_a_match_starting_inside_lam_alef_lights_the_ligature() -> None:
    from reader.core.search import SearchQuery

    app = ViewApp(TEXT)
    async with app.run_test(size=(30, 6)) as pilot:
        view = app.view
        view.search(SearchQuery("ام", arabic_folding=False))
        await until(pilot, lambda: view.search_result is not None)
        underlined = "".join(
            segment.text
            for segment in view.render_line(0)
            if segment.style is not None and segment.style.underline
        )
        assert underlined == "\ufee1\ufefc"  # meem and the lam-alef it shares the alef with
