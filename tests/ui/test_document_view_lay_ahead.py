"""The document view lays out the page below the screen while idle, so a page-down over new
right-to-left rows does not reorder and shape a whole page while the key waits."""

from __future__ import annotations

from support import until
from textual.app import App, ComposeResult

from reader.ui.widgets.document_view import DocumentView

ARABIC_LINE = (
    "في الذكرى الثالثة عشرة لانطلاق الحراك الشعبي، تتوجّه الرابطة بهذا البيان إلى الرأي العام."
)


class ViewApp(App[None]):
    def __init__(self, text: str, bidi: str) -> None:
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


def rows_below(view: DocumentView, count: int) -> list:
    """The `count` rows after the last one on screen."""
    screen = view._screen
    last = view._visible_rows()[-1]
    line, subrow = last.line, last.subrow
    rows = []
    for _ in range(count):
        line, subrow = screen.layout.advance(line, subrow, 1)
        rows.append(screen.row(line, subrow))
    return rows


async def test_the_page_below_an_arabic_screen_is_laid_out_before_the_page_down() -> None:
    app = ViewApp("\n".join([ARABIC_LINE] * 200), bidi="reader")
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.view
        height = view.scrollable_content_region.height
        await until(pilot, lambda: all(view._screen.is_laid_out(row)
                                       for row in rows_below(view, height)))
        await pilot.press("pagedown")
        await until(pilot, lambda: all(view._screen.is_laid_out(row)
                                       for row in rows_below(view, height)))
        # Rows further on are not: only the next page is prepared.
        far = rows_below(view, 4 * height)[-1]
        assert not view._screen.is_laid_out(far)


async def test_nothing_is_laid_out_ahead_when_the_terminal_reorders() -> None:
    app = ViewApp("\n".join([ARABIC_LINE] * 200), bidi="terminal")
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.view
        await pilot.pause()
        await until(pilot, lambda: view._visible is not None)
        await pilot.pause()
        assert not view._screen.is_laid_out(rows_below(view, 2)[-1])


def cells_of(strip) -> list[tuple[str, object]]:
    return [(character, segment.style) for segment in strip for character in segment.text]


async def test_a_row_drawn_as_one_strip_looks_as_the_cropped_and_joined_one(monkeypatch) -> None:
    from reader.ui.widgets import document_view

    text = "\n".join(["سلام (12) ok شدَّة لا", "English words, then عربي", "\tتاب", ""] * 3)
    app = ViewApp(text, bidi="reader")
    async with app.run_test(size=(24, 14)) as pilot:
        view = app.view
        view.line_numbers = True
        await pilot.press("down", "right", "v", "down", "right")
        await pilot.pause()
        height = view.scrollable_content_region.height
        direct = [cells_of(view.render_line(y)) for y in range(height)]
        view._strips.clear()
        # Claim every row is wider than the view: each is cropped and joined the general way.
        monkeypatch.setattr(document_view, "drawn_cells", lambda *_args: 10**6)
        general = [cells_of(view.render_line(y)) for y in range(height)]
        assert view.selection is not None  # (selected rows are drawn in several pieces)
        assert direct == general
