"""The document view and pane, driven through Pilot: cursor, scrolling, wrap, search, focus."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import until
from textual import on
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Input

from reader.core.display import wrap_line
from reader.paths import styles_dir
from reader.ui.widgets import document_view as document_view_module
from reader.ui.widgets.document_pane import DocumentPane
from reader.ui.widgets.document_view import Decoration, DocumentView

PROSE = (
    "Reader test document\n"
    "\n"
    "The delegation from Lebanon arrived on Monday. It met the committee twice. "
    "Nobody expected the report so soon.\n"
    "\n"
    "A second paragraph mentions lebanon again. It is short.\n"
    "Third line [bold red]markup[/] and \x1b]0;pwned\x07 stay literal.\n"
)


def searched_for(view: DocumentView) -> str | None:
    """The pattern of the search the view shows now, if any."""
    return view.search_result.query.pattern if view.search_result is not None else None


@dataclass
class FakeDocument:
    """What DocumentPane reads from a LoadedDocument."""

    text: str
    title: str = "test.txt"
    encoding: str = "utf-8"
    path: Path = field(default_factory=lambda: Path("test.txt"))
    format: str = "txt"
    size: int = 0
    sha256: str = ""
    structure: tuple[object, ...] = ()
    signature: tuple[int, int, int] | None = None


class PaneApp(App[None]):
    CSS_PATH = [styles_dir() / "document.tcss"]

    def __init__(self, text: str, **options: bool) -> None:
        super().__init__()
        self.document = FakeDocument(text)
        self.options = options
        self.cursor_messages: list[DocumentView.CursorMoved] = []

    def compose(self) -> ComposeResult:
        yield DocumentPane(self.document, **self.options)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query_one(DocumentView).focus()

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        self.cursor_messages.append(message)

    @property
    def pane(self) -> DocumentPane:
        return self.query_one(DocumentPane)

    @property
    def view(self) -> DocumentView:
        return self.query_one(DocumentView)


def screen_text(view: DocumentView) -> list[str]:
    height = view.scrollable_content_region.height
    return [view.render_line(y).text for y in range(height)]


async def test_motions_move_the_cursor() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.view
        assert view.cursor_offset == 0
        await pilot.press("l", "l", "right")
        assert view.cursor_offset == 3
        await pilot.press("h")
        assert view.cursor_offset == 2
        await pilot.press("w")
        assert view.cursor_offset == PROSE.index("test")
        await pilot.press("b")
        assert view.cursor_offset == 0
        await pilot.press("right_curly_bracket")
        assert view.cursor_offset == PROSE.index("The delegation")
        await pilot.press("right_parenthesis")
        assert view.cursor_offset == PROSE.index("It met")
        await pilot.press("left_parenthesis")
        assert view.cursor_offset == PROSE.index("The delegation")
        await pilot.press("right_curly_bracket")
        assert view.cursor_offset == PROSE.index("A second")
        await pilot.press("left_curly_bracket")
        assert view.cursor_offset == PROSE.index("The delegation")
        await pilot.press("G")
        assert view.cursor_offset == len(PROSE)
        await pilot.press("g")
        assert view.cursor_offset == 0
        await pilot.press("ctrl+end")
        assert view.cursor_offset == len(PROSE)
        await pilot.press("ctrl+home")
        assert view.cursor_offset == 0


async def test_up_down_keep_the_column_and_home_end_use_the_row() -> None:
    text = "abcdefgh\nab\nabcdefgh\n"
    app = PaneApp(text)
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.view
        await pilot.press("end")
        assert view.cursor_offset == 8  # on the line break, after the last character
        await pilot.press("h", "h", "j")
        assert view.cursor_location == (1, 2)  # clamped to the short line's end
        await pilot.press("j")
        assert view.cursor_location == (2, 6)  # the remembered column comes back
        await pilot.press("k", "k")
        assert view.cursor_location == (0, 6)
        await pilot.press("home")
        assert view.cursor_offset == 0
        await pilot.press("down")
        assert view.cursor_location == (1, 0)
        await pilot.press("up")
        assert view.cursor_location == (0, 0)


async def test_home_and_end_stay_on_the_visual_row_when_wrapped() -> None:
    text = "one two three four five six seven eight nine ten eleven twelve\n"
    app = PaneApp(text)
    async with app.run_test(size=(24, 10)) as pilot:
        view = app.view
        rows = wrap_line(text, 0, len(text) - 1, view.row_layout.width)
        assert len(rows) > 2
        await pilot.press("j")
        assert view.cursor_offset == rows[1]
        await pilot.press("end")
        assert rows[1] < view.cursor_offset < rows[2]
        await pilot.press("home")
        assert view.cursor_offset == rows[1]


async def test_wrap_on_and_off_row_counts() -> None:
    long_line = "word " * 60
    text = f"short\n{long_line}\nend\n"
    app = PaneApp(text)
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.view
        rows = wrap_line(text, 6, 6 + len(long_line), view.row_layout.width)
        assert view.row_count == 1 + len(rows) + 1 + 1
        app.pane.wrap = False
        await pilot.pause()
        assert view.row_count == view.line_index.line_count == 4
        assert view.has_class("-nowrap")
        await pilot.press("j", "end")
        await pilot.pause()
        assert view.scroll_x > 0  # the cursor at the long line's end is scrolled into view
        app.pane.wrap = True
        await pilot.pause()
        assert view.row_count == 1 + len(rows) + 2 and view.scroll_x == 0


async def test_paging_scrolls_and_keeps_the_cursor_on_screen() -> None:
    text = "".join(f"line {number}\n" for number in range(200))
    app = PaneApp(text)
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.view
        height = view.scrollable_content_region.height
        await pilot.press("pagedown")
        assert view.top_location == (height - 1, 0)
        assert view.cursor_location == (height - 1, 0)
        await pilot.press("ctrl+d")
        assert view.cursor_location[0] == height - 1 + height // 2
        await pilot.press("G")
        assert view.top_location[0] == 200 - height + 1
        assert screen_text(view)[-1].strip() == ""  # the empty last line, cursor on it
        await pilot.press("pageup")
        assert view.top_location[0] == 200 - 2 * height + 2
        await pilot.press("ctrl+u", "g")
        assert view.top_location == (0, 0)


async def test_text_is_printed_literally_and_safely() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 12)) as pilot:
        await pilot.pause()
        shown = "\n".join(screen_text(app.view))
        assert "[bold red]markup[/]" in shown
        assert "␛]0;pwned␇" in shown
        assert "\x1b" not in shown and "\x07" not in shown


async def test_line_numbers_and_gutter_marks() -> None:
    app = PaneApp(PROSE, line_numbers=True)
    async with app.run_test(size=(70, 12)) as pilot:
        view = app.view
        view.set_line_marks({2: "●"})
        await pilot.pause()
        lines = screen_text(view)
        assert lines[0].startswith("  1 Reader")
        assert lines[2].startswith("● 3 The")
        app.pane.line_numbers = False
        await pilot.pause()
        assert screen_text(view)[0].startswith(" Reader")


async def test_selection_and_decorations_are_drawn() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 12)) as pilot:
        view = app.view
        start = PROSE.index("Lebanon")
        view.set_decorations([Decoration(start, start + 7, "document-view--current-match", 1)])
        view.select(PROSE.index("delegation"), PROSE.index("delegation") + 10)
        await pilot.pause()
        assert view.selection == (PROSE.index("delegation"), PROSE.index("delegation") + 10)
        assert app.cursor_messages[-1].selection == view.selection
        strip = view.render_line(2)
        pieces = {segment.text: segment.style for segment in strip}
        selection = view.get_component_rich_style("document-view--selection", partial=True)
        tag = view.get_component_rich_style("document-view--current-match", partial=True)
        assert pieces["delegation"].bgcolor == selection.bgcolor
        assert pieces["Lebanon"].bgcolor == tag.bgcolor
        view.clear_selection()
        await pilot.pause()
        assert view.selection is None and app.cursor_messages[-1].selection is None


async def test_higher_priority_decorations_are_drawn_on_top() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 12)) as pilot:
        view = app.view
        start = PROSE.index("Lebanon")
        view.set_decorations(
            [
                Decoration(start, start + 7, "document-view--current-match", 5),
                Decoration(start - 5, start + 7, "document-view--match", 1),
            ]
        )
        await pilot.pause()
        pieces = {segment.text: segment.style for segment in view.render_line(2)}
        tag_2 = view.get_component_rich_style("document-view--current-match", partial=True)
        tag_1 = view.get_component_rich_style("document-view--match", partial=True)
        assert pieces["Lebanon"].bgcolor == tag_2.bgcolor
        assert pieces["from "].bgcolor == tag_1.bgcolor


async def test_rows_are_cached_until_their_look_changes() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 12)) as pilot:
        view = app.view
        await pilot.pause()
        first = view.render_line(2)
        assert view.render_line(2) is first  # from the cache
        view.set_line_marks({2: "●"})
        assert view.render_line(2) is not first


async def test_cursor_never_lands_inside_a_cluster() -> None:
    text = "a👨\u200d👩\u200d👧e\u0301b\n"
    app = PaneApp(text)
    async with app.run_test(size=(40, 8)) as pilot:
        view = app.view
        stops = []
        for _ in range(4):
            await pilot.press("l")
            stops.append(view.cursor_offset)
        assert stops == [1, 6, 8, 9]
        view.cursor_offset = 3  # inside the family emoji: snapped back to its start
        assert view.cursor_offset == 1


async def test_search_enter_jumps_and_returns_focus() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 14)) as pilot:
        view = app.view
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"lebanon", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.focused is view
        result = view.search_result
        assert result is not None and len(result) == 2
        assert view.current_match == 0
        assert view.cursor_offset == PROSE.index("Lebanon")
        status = app.pane.status_line
        assert status.text("search") == "1/2 matches"
        await pilot.press("n")
        assert view.current_match == 1 and view.cursor_offset == PROSE.index("lebanon")
        await pilot.press("n")  # wraps around to the first
        assert view.current_match == 0
        assert "wrapped" in status.text("search")
        await pilot.press("N")
        assert view.current_match == 1


async def test_search_escape_cancels_and_restores_focus() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 14)) as pilot:
        view = app.view
        await pilot.press("w", "slash", *"committee")
        # The incremental search runs after a short pause in typing.
        await until(pilot, lambda: searched_for(view) == "committee")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert view.search_result is not None and len(view.search_result) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is view
        assert view.search_result is None  # nothing was committed before
        assert view.cursor_offset == PROSE.index("test")  # the cursor did not move
        assert not app.pane.has_class("-searching")


async def test_escape_brings_back_the_previous_search_and_match() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 14)) as pilot:
        view = app.view
        await pilot.press("slash", *"lebanon", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n")
        before = (view.search_result, view.current_match)
        assert before[1] == 1
        await pilot.press("slash", *"committee")
        await until(pilot, lambda: searched_for(view) == "committee")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert view.search_result is not None and view.search_result.query.pattern == "committee"
        await pilot.press("escape")
        await pilot.pause()
        assert (view.search_result, view.current_match) == before
        assert app.pane.status_line.text("search") == "2/2 matches"


async def test_search_toggles_and_invalid_regex() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 14)) as pilot:
        view = app.view
        await pilot.press("slash", "ctrl+t", *"Lebanon", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(view.search_result or ()) == 1  # case-sensitive: "lebanon" is not found
        await pilot.press("slash", "ctrl+a", "ctrl+k", "ctrl+r", *"(unclosed", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.pane.status_line
        assert "invalid regular expression" in status.text("search")
        assert status.is_alert("search")
        assert view.search_result is None


async def test_state_round_trip_and_cursor_messages() -> None:
    text = "".join(f"line {number}\n" for number in range(300))
    app = PaneApp(text)
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.pane
        await pilot.press("pagedown", "pagedown", "j")
        await pilot.pause()
        state = pane.scroll_state()
        assert state["cursor"] == pane.cursor_offset
        assert app.cursor_messages and app.cursor_messages[-1].offset == pane.cursor_offset
        assert app.cursor_messages[-1].line == pane.view.cursor_location[0]
        await pilot.press("g")
        pane.restore_state(state)
        await pilot.pause()
        assert pane.scroll_state() == state
        position = pane.status_line.text("position")
        line, column = pane.view.cursor_location
        assert position.startswith(f"{line + 1}:{column + 1}")


async def test_click_moves_the_cursor() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(70, 12)) as pilot:
        await pilot.click(DocumentView, offset=(5, 2))  # column 5 = text column 4, row 2
        assert app.view.cursor_offset == PROSE.index("The delegation") + 4
        assert app.focused is app.view


async def test_state_given_before_layout_is_applied_on_first_layout() -> None:
    text = "".join(f"line {number}\n" for number in range(300))
    app = PaneApp(text)
    async with app.run_test(size=(40, 12)) as pilot:
        view = DocumentView(text)
        view.restore_state({"cursor": text.index("line 150"), "top_line": 145, "top_row": 0})
        await app.mount(view)
        await pilot.pause()
        assert view.top_location == (145, 0)
        assert view.cursor_location == (150, 0)


async def test_theme_change_restyles_the_cursor() -> None:
    app = PaneApp(PROSE)
    async with app.run_test(size=(40, 8)) as pilot:
        app.theme = "textual-dark"
        await pilot.pause()
        cursor = list(app.view.render_line(0))[1]  # after the gutter cell
        assert cursor.text == "R"
        dark = cursor.style
        app.theme = "textual-light"
        await pilot.pause()
        light = list(app.view.render_line(0))[1].style
        assert dark != light  # the cached strips were not reused across themes


async def test_bindings_have_ids_for_the_keymap() -> None:
    for owner in (DocumentView, DocumentPane):
        for binding in owner.BINDINGS:
            assert getattr(binding, "id", None), binding


async def test_huge_single_line_is_rendered_a_screen_at_a_time() -> None:
    line = "The delegation from Lebanon met the committee. " * 22_000  # about 1 MB
    app = PaneApp(line + "\n")
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.view
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen_text(view)[0].startswith(" The delegation")
        await pilot.press("G")
        assert view.cursor_offset == len(line) + 1
        top_line, top_row = view.top_location
        assert top_line == 0 and top_row > 1000
        await pilot.press("k")
        assert view.cursor_location[0] == 0
        assert view.cursor_offset > len(line) - view.size.width
        await pilot.press("g", "pagedown")
        assert view.top_location == (0, view.scrollable_content_region.height - 1)


async def test_provisional_rows_until_the_worker_has_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(document_view_module, "_SYNC_WRAP_LIMIT", 0)
    text = "".join(f"paragraph {number} " + "word " * 30 + "\n" for number in range(500))
    app = PaneApp(text)
    async with app.run_test(size=(50, 12)) as pilot:
        view = app.view
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not view.is_provisional
        exact = view.row_count
        assert exact is not None and exact > 1000
        view.cursor_offset = text.index("paragraph 250 ")
        await pilot.pause()
        assert view.top_location[0] <= 250
        # A width change starts over: provisional, then exact again with the same top line.
        top_line = view.top_location[0]
        await pilot.resize_terminal(70, 12)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not view.is_provisional and view.row_count != exact
        assert abs(view.top_location[0] - top_line) <= 1
        assert screen_text(view)  # draws without error


class CodingHostApp(PaneApp):
    """Receives the pane's coding requests the way the reader app's coding controller does."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.received: list[DocumentPane.CodingRequested] = []
        self.opened: list[DocumentPane] = []

    def on_document_pane_opened(self, message: DocumentPane.Opened) -> None:
        self.opened.append(message.pane)

    @on(DocumentPane.CodingRequested)  # (every kind of request: a handler by name gets one)
    def _requested(self, message: DocumentPane.CodingRequested) -> None:
        self.received.append(message)


async def test_coding_keys_post_requests_instead_of_calling_a_controller() -> None:
    app = CodingHostApp("one two three\nfour five six\n")
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.opened == [app.pane])
        await pilot.press("3", "]", "[")
        await until(pilot, lambda: len(app.received) == 3)
        tag, following, previous = app.received
        assert isinstance(tag, DocumentPane.TagRequested) and tag.slot == 3
        assert isinstance(following, DocumentPane.StepRequested) and following.forward
        assert isinstance(previous, DocumentPane.StepRequested) and not previous.forward
        assert all(request.pane is app.pane for request in app.received)


async def test_a_render_asks_for_the_content_region_once_not_per_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Textual computes `scrollable_content_region` afresh on every access; asked three times
    # a row, it was a millisecond of every screen drawn (the first one at start-up too).
    text = "\n".join(f"Line {number} of the document." for number in range(200))
    app = PaneApp(text)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.view.size.height > 20)
        view = app.view
        asked: list[int] = []
        region = DocumentView.scrollable_content_region

        def counted(self: DocumentView) -> Region:
            asked.append(1)
            return region.fget(self)  # type: ignore[attr-defined,no-any-return]

        monkeypatch.setattr(DocumentView, "scrollable_content_region", property(counted))
        height = region.fget(view).height  # type: ignore[attr-defined]
        strips = view.render_lines(Region(0, 0, view.size.width, height))
        assert len(strips) == height > 20
        assert "Line 0 of the document." in strips[0].text
        assert len(asked) <= 4
