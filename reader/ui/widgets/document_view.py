"""The document view: a read-only Line API view of a document with a cursor, wrap and search.

Only the rows on screen are ever built. A row is a slice of one logical line of the LineIndex:
with wrap off a row is the whole line (cropped to the horizontal scroll), with wrap on a line is
cut into rows by `reader.core.display.wrap_line`, which works from any row start, so even a 1 MB
line is wrapped a screen at a time.

Where the rows of the whole document are not known yet, the view is *provisional*: `scroll_y`
counts logical lines (the top line) and `_top_subrow` says which row of that line is at the top;
everything on screen is exact, only the scrollbar is approximate. A thread worker counts the rows
of every line (`RowLayout.count`); from then on `scroll_y` is an exact row number.
Small documents are counted at once, so they never look provisional.

Home and End go to the start and end of the visual row (the screen row the cursor is on); with
wrap off that is the line. Up and down move by visual rows, keeping the column the cursor had;
left and right move to the neighbouring glyph as drawn (in a right-to-left row, left reads on).

The view composes and reacts; the work is elsewhere, as TextArea splits it: where each offset
is drawn (`reader.core.row_geometry.DocumentGeometry`, bidi included), the cursor and selection
and where motions take them (`reader.core.navigator.DocumentNavigator`), and drawing a row from
its geometry and style layers (`reader.ui.widgets.row_render.render_row`).
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState, get_current_worker

from reader.core import motions
from reader.core.bidi import BidiMode, display_mode
from reader.core.display import CountedRows, LineCells, RowLayout, printable
from reader.core.navigator import DocumentNavigator
from reader.core.row_geometry import DocumentGeometry, RowGeometry, ScreenRow
from reader.core.text import DocumentText, LineIndex
from reader.ui.widgets.row_render import drawn_cells, render_row

if TYPE_CHECKING:
    # (At run time the search module is loaded by the first search: start-up does not need it.)
    from reader.core.search import SearchQuery, SearchResult

# Documents shorter than this are wrapped completely before the first paint.
_SYNC_WRAP_LIMIT = 300_000
# Rows of the next page laid out per idle step (about a millisecond of Arabic): what a key
# pressed meanwhile may wait for.
_LAY_OUT_AHEAD_STEP = 4

_EXTENDING_MOTIONS = frozenset(
    {"cursor_left", "cursor_right", "cursor_up", "cursor_down", "row_start", "row_end",
     "page_up", "page_down"}
)


# While only the start of a document is loaded, a motion from this close to the end of what
# is (in lines, in screens; or in characters) waits for the rest: a page down, the next
# paragraph or sentence could need text that is not there yet.
_LOADED_END_SCREENS = 2
_LOADED_END_CHARS = 20_000

_Action = TypeVar("_Action", bound=Callable[..., None])


def _needs_text_ahead(action: _Action) -> _Action:
    """A motion forward that waits for the rest of the document when it may need it (see
    `DocumentView.finish_loading`), and behind any action waiting already."""

    @functools.wraps(action)
    def run(self: DocumentView, *args: Any) -> None:
        if self.is_complete or not (self._deferred or self._near_loaded_end()):
            action(self, *args)
        else:
            self.when_complete(lambda: action(self, *args))

    return run  # type: ignore[return-value]


def _in_turn(action: _Action) -> _Action:
    """An action that needs only the text before the cursor: it waits only behind an action
    waiting for the rest of the document, so keys act in the order pressed."""

    @functools.wraps(action)
    def run(self: DocumentView, *args: Any) -> None:
        self.when_in_turn(lambda: action(self, *args))

    return run  # type: ignore[return-value]


class Decoration(NamedTuple):
    """A styled span of the document: an annotation, a highlight.

    `style` is a component class name of the view (for example "document-view--match", so
    themes apply) or a Rich Style. Higher `priority` is drawn over lower.
    """

    start: int
    end: int
    style: str | Style
    priority: int = 0


def _motion(keys: str, action: str, description: str, name: str, tooltip: str) -> Binding:
    """A cursor motion: listed in help under `document.<name>`, hidden from the footer."""
    return Binding(keys, action, description, id=f"document.{name}", tooltip=tooltip, show=False)


def _selecting(keys: str, motion: str, description: str, tooltip: str) -> Binding:
    """A motion that extends the selection (starting one at the cursor if there is none)."""
    name = "select-" + motion.removeprefix("cursor_").replace("_", "-")
    return Binding(
        keys,
        f"extend_selection('{motion}')",
        description,
        id=f"document.{name}",
        tooltip=f"Extend the selection: {tooltip[0].lower()}{tooltip[1:]}",
        show=False,
    )


class DocumentView(ScrollView, can_focus=True):
    """A read-only view of a document's text with a keyboard cursor and a selection.

    The selection runs from an anchor to the cursor. `v` drops the anchor at the cursor, `s` and
    `p` select a sentence or paragraph; while there is a selection every motion extends it, and
    `escape` forgets it. A mouse drag selects too.
    """

    # The view selects text itself (a drag moves the cursor and extends the selection), so
    # Textual's screen-wide text selection must not take the drag.
    ALLOW_SELECT = False

    COMPONENT_CLASSES = {
        "document-view--cursor",
        "document-view--match",
        "document-view--current-match",
        "document-view--selection",
        "document-view--line-number",
        "document-view--gutter",
        "document-view--gutter-mark",
    }
    # (Few on purpose: every style update of the view, a focus change too, restyles each one.
    # Passages are drawn in their tag's own colour, given as a Rich Style.)

    DEFAULT_CSS = """
    DocumentView {
        scrollbar-gutter: stable;
        overflow-x: hidden;
        overflow-y: scroll;
        &.-nowrap { overflow-x: auto; }
        & > .document-view--cursor { text-style: reverse; }
        & > .document-view--match { text-style: underline; }
        & > .document-view--current-match { text-style: reverse underline; }
        & > .document-view--selection { text-style: reverse; }
        & > .document-view--line-number { text-style: dim; }
        & > .document-view--gutter { text-style: dim; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        _motion("left,h", "cursor_left", "Left", "left", "One character left"),
        _motion("right,l", "cursor_right", "Right", "right", "One character right"),
        _motion("up,k", "cursor_up", "Up", "up", "One screen row up, keeping the column"),
        _motion("down,j", "cursor_down", "Down", "down", "One screen row down"),
        _motion("w", "word_next", "Next word", "word-next", "To the start of the next word"),
        _motion("b", "word_previous", "Previous word", "word-previous", "To this word's start"),
        _motion(
            "right_parenthesis",
            "sentence_next",
            "Next sentence",
            "sentence-next",
            "To the start of the next sentence",
        ),
        _motion(
            "left_parenthesis",
            "sentence_previous",
            "Previous sentence",
            "sentence-previous",
            "To the start of this or the previous sentence",
        ),
        _motion(
            "right_curly_bracket",
            "paragraph_next",
            "Next paragraph",
            "paragraph-next",
            "To the start of the next paragraph",
        ),
        _motion(
            "left_curly_bracket",
            "paragraph_previous",
            "Previous paragraph",
            "paragraph-previous",
            "To the start of this or the previous paragraph",
        ),
        _motion("g,ctrl+home", "document_start", "Start", "start", "To the start of the document"),
        _motion("G,ctrl+end", "document_end", "End", "end", "To the end of the document"),
        _motion("pageup", "page_up", "Page up", "page-up", "Scroll up a screen"),
        _motion("pagedown", "page_down", "Page down", "page-down", "Scroll down a screen"),
        _motion("ctrl+u", "half_page_up", "Half page up", "half-page-up", "Scroll up half"),
        _motion("ctrl+d", "half_page_down", "Half page down", "half-page-down", "Scroll down half"),
        _motion("home", "row_start", "Row start", "row-start", "To the start of the screen row"),
        _motion("end", "row_end", "Row end", "row-end", "To the end of the screen row"),
        Binding(
            "n",
            "match_next",
            "Next match",
            id="document.match-next",
            tooltip="Jump to the next search match (wraps around)",
        ),
        Binding(
            "N",
            "match_previous",
            "Previous match",
            id="document.match-previous",
            tooltip="Jump to the previous search match (wraps around)",
        ),
        Binding(
            "v",
            "toggle_selecting",
            "Select",
            id="document.select",
            tooltip="Start selecting at the cursor (motions extend the selection); again to stop",
        ),
        Binding(
            "s",
            "select_sentence",
            "Sentence",
            id="document.select-sentence",
            tooltip="Select the sentence under the cursor",
        ),
        Binding(
            "p",
            "select_paragraph",
            "Paragraph",
            id="document.select-paragraph",
            tooltip="Select the paragraph under the cursor",
            show=False,
        ),
        Binding(
            "o",
            "swap_selection_ends",
            "Other end",
            id="document.select-other-end",
            tooltip="Move the cursor to the other end of the selection (to widen it backwards)",
            show=False,
        ),
        Binding(
            "escape",
            "clear_selection",
            "Clear selection",
            id="document.clear-selection",
            tooltip="Forget the selection",
            show=False,
        ),
        _selecting("shift+left", "cursor_left", "Extend left", "One character left"),
        _selecting("shift+right", "cursor_right", "Extend right", "One character right"),
        _selecting("shift+up", "cursor_up", "Extend up", "One screen row up"),
        _selecting("shift+down", "cursor_down", "Extend down", "One screen row down"),
        _selecting("shift+home", "row_start", "Extend to row start", "To the row's start"),
        _selecting("shift+end", "row_end", "Extend to row end", "To the row's end"),
        _selecting("shift+pageup", "page_up", "Extend a page up", "A screen up"),
        _selecting("shift+pagedown", "page_down", "Extend a page down", "A screen down"),
    ]

    wrap: reactive[bool] = reactive(True)
    """Soft-wrap long lines to the view's width."""
    line_numbers: reactive[bool] = reactive(False)
    """Show line numbers beside the text."""

    class CursorMoved(Message):
        """The cursor or the selection moved (coalesced: the latest of a burst is delivered)."""

        def __init__(
            self,
            view: DocumentView,
            offset: int,
            line: int,
            column: int,
            percent: float,
            selection: tuple[int, int] | None = None,
        ):
            super().__init__()
            self.view = view
            self.offset = offset
            self.line = line
            """0-based logical line."""
            self.column = column
            """0-based column in code points."""
            self.percent = percent
            """Position of the cursor in the document, 0-100."""
            self.selection = selection
            """The selected span [start, end) once the cursor moved, or None."""

        @property
        def control(self) -> DocumentView:
            return self.view

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, DocumentView.CursorMoved) and message.view is self.view

    class Waiting(Message):
        """An action waits for the rest of the document (`count` of them now)."""

        def __init__(self, view: DocumentView, count: int) -> None:
            super().__init__()
            self.view = view
            self.count = count

        @property
        def control(self) -> DocumentView:
            return self.view

    class SearchChanged(Message):
        """The search result, its current match, or its state changed."""

        def __init__(
            self,
            view: DocumentView,
            result: SearchResult | None,
            current: int | None,
            *,
            searching: bool = False,
            error: str | None = None,
            wrapped: bool = False,
        ):
            super().__init__()
            self.view = view
            self.result = result
            self.current = current
            """Index of the current match in `result`, or None."""
            self.searching = searching
            """A search is running in the background."""
            self.error = error
            """Why the query could not be searched for (an invalid regular expression)."""
            self.wrapped = wrapped
            """Stepping went past the last (or first) match and wrapped around."""

        @property
        def control(self) -> DocumentView:
            return self.view

    def __init__(
        self,
        text: DocumentText,
        *,
        index: LineIndex | None = None,
        wrap: bool = True,
        line_numbers: bool = False,
        bidi: BidiMode | None = None,
        complete: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = text
        # False while `text` is only the start of the document (see `finish_loading`): what
        # needs more of it waits in `_deferred`, in the order asked.
        self._complete = complete
        self._deferred: list[Callable[[], None]] = []
        # A session's place past what is loaded, shown once it is (one at most, a later one
        # replacing it: it is what `scroll_state` reports meanwhile, so a save keeps it); and
        # the query to search the whole document for, outside the queue (each query typed
        # replaces it, so it holds up no motion).
        self._waiting_place: Mapping[str, Any] | None = None
        self._waiting_query: SearchQuery | None = None
        self._index = index if index is not None else LineIndex.of(text)
        self._navigator = DocumentNavigator(text)
        self._drag_from: int | None = None  # where a mouse drag started
        # Layout: what `_layout_key` was computed for, the rows, the provisional top.
        self._layout_key: tuple[bool, int, int] | None = None
        self._layout_generation = 0
        self._cells = LineCells(text, self._index)
        # Offsets <-> cells: the rows, the columns, each row's geometry, the bidi mode.
        self._screen = DocumentGeometry(
            text, self._index, self._cells, mode=display_mode() if bidi is None else bidi,
            wrap=wrap,
        )
        self._top_subrow_line = 0
        self._top_subrow = 0
        self._pending_top: tuple[int, int] | None = None  # restored before the first layout
        self._visible: tuple[tuple[Any, ...], list[ScreenRow]] | None = None
        # The screen whose next page is laid out (or being laid out) in idle time.
        self._laid_out_ahead_for: tuple[Any, ...] | None = None
        self._strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(2048)
        # What is drawn over the text.
        self._search: SearchResult | None = None
        self._search_query: SearchQuery | None = None
        self._current_match: int | None = None
        self._jump_on_result = False
        self._decorations: list[Decoration] = []
        self._decoration_starts: list[int] = []
        self._decoration_reach = 0
        self._marks: dict[int, str] = {}
        self._base_style: Style | None = None  # set while a render is under way
        self._frame_rows: tuple[list[ScreenRow], int] | None = None  # (rows, width), likewise
        self.set_reactive(DocumentView.wrap, wrap)
        self.set_reactive(DocumentView.line_numbers, line_numbers)
        self.set_class(not wrap, "-nowrap")

    # ------------------------------------------------------------------ public state

    # The cursor, the anchor and the goal column live in the navigator.
    @property
    def _cursor(self) -> int:
        return self._navigator.cursor

    @_cursor.setter
    def _cursor(self, offset: int) -> None:
        self._navigator.cursor = offset

    @property
    def _anchor(self) -> int | None:
        return self._navigator.anchor

    @_anchor.setter
    def _anchor(self, offset: int | None) -> None:
        self._navigator.anchor = offset

    @property
    def _goal_cell(self) -> int | None:
        return self._navigator.goal_cell

    @_goal_cell.setter
    def _goal_cell(self, cell: int | None) -> None:
        self._navigator.goal_cell = cell

    # The rows, the text width and the bidi mode live in the document geometry.
    @property
    def _row_layout(self) -> RowLayout:
        return self._screen.layout

    @property
    def _text_width(self) -> int:
        return self._screen.text_width

    @property
    def _bidi(self) -> BidiMode:
        return self._screen.mode

    @property
    def text(self) -> DocumentText:
        """The document's text; while `is_complete` is False, only its start."""
        return self._text

    @property
    def is_complete(self) -> bool:
        """Whether the view has the whole document, not only its start."""
        return self._complete

    @property
    def waiting(self) -> int:
        """How many actions wait for the rest of the document (a session's place shown once
        it is loaded is not one the reader asked for; a search waiting is)."""
        restoring = self._waiting_place is not None
        return len(self._deferred) - restoring + (self._waiting_query is not None)

    @property
    def waiting_query(self) -> SearchQuery | None:
        """The query to search for once the whole document is here, if one waits for it."""
        return self._waiting_query

    def when_complete(self, callback: Callable[[], None]) -> None:
        """Run `callback` now if the whole document is here, else once it is (after whatever
        waits already)."""
        if self._complete:
            callback()
        else:
            self._deferred.append(callback)
            self.post_message(self.Waiting(self, self.waiting))

    def when_in_turn(self, callback: Callable[[], None]) -> bool:
        """Run `callback` now unless actions wait for the rest of the document: then once they
        have run, so it sees what they did (keys act in the order pressed). True if it ran."""
        if self._complete or not self._deferred:
            callback()
            return True
        self.when_complete(callback)
        return False

    def _near_loaded_end(self) -> bool:
        height = max(1, self.scrollable_content_region.height)
        lines_left = self._index.line_count - 1 - self._index.line_of(self._cursor)
        return (
            lines_left <= _LOADED_END_SCREENS * height
            or len(self._text) - self._cursor <= _LOADED_END_CHARS
        )

    def finish_loading(self, text: DocumentText, index: LineIndex) -> None:
        """The whole document: `text` (which `index` indexes) replaces the start shown so far,
        keeping the cursor, selection and top line where they were when it begins with that
        start, as it does unless the rest turned out to be in another encoding (the cursor
        then stays at the same offset, as near as the new text allows). Then whatever waited
        for it runs, in order."""
        if self._complete:
            return
        # (Until now `_text` is the head, a str.)
        extends = isinstance(self._text, str) and text.startswith(self._text)
        top = self._top() if self._layout_key is not None else self._pending_top
        navigator = DocumentNavigator(text)
        navigator.cursor = min(self._cursor, len(text))
        if extends:
            navigator.anchor, navigator.goal_cell = self._anchor, self._goal_cell
        self._text, self._index, self._navigator = text, index, navigator
        self._cells = LineCells(text, index)
        self._screen = DocumentGeometry(text, index, self._cells, mode=self._bidi,
                                        wrap=self.wrap)
        self._complete = True
        self._layout_key = None
        self._visible = None
        self._strips.clear()
        if top is not None:
            line = min(top[0], index.line_count - 1)
            self._pending_top = (line, top[1] if extends else 0)
        self._cursor = self._screen.snap(self._cursor)
        self._relayout(keep_top=False)
        if not extends:
            self.clear_search()
        self.refresh()
        deferred, self._deferred = self._deferred, []
        for callback in deferred:
            callback()
        query, self._waiting_query = self._waiting_query, None
        if query is not None and query == self._search_query:
            self._run_search(query)
        if self.is_mounted:
            self._post_cursor_moved()

    @property
    def line_index(self) -> LineIndex:
        return self._index

    @property
    def cursor_offset(self) -> int:
        return self._cursor

    @cursor_offset.setter
    def cursor_offset(self, offset: int) -> None:
        self.move_cursor(offset)

    @property
    def cursor_location(self) -> tuple[int, int]:
        """0-based (line, column in code points) of the cursor."""
        return self._index.to_line_col(self._cursor)

    @property
    def percent(self) -> float:
        return 100.0 * self._cursor / len(self._text) if self._text else 100.0

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected span [start, end) between the anchor and the cursor, or None."""
        return self._navigator.selection

    @property
    def selection_anchor(self) -> int | None:
        return self._anchor

    @selection_anchor.setter
    def selection_anchor(self, anchor: int | None) -> None:
        """Start (or with None, end) a selection from `anchor` to wherever the cursor goes."""
        before = self.selection
        self._anchor = None if anchor is None else self._screen.snap(anchor)
        self._refresh_selection_rows(before, self.selection)
        if self.is_mounted:
            self._post_cursor_moved()  # listeners read the new selection from it

    def select(self, start: int, end: int) -> None:
        """Select [start, end): the anchor goes to `start` and the cursor to `end` (once
        loaded, if either is past the start of the document loaded so far)."""
        if not self._complete and (max(start, end) > len(self._text) or self._deferred):
            self.when_complete(lambda: self.select(start, end))
            return
        self._anchor = self._screen.snap(start)
        self.move_cursor(end)
        self._post_cursor_moved()

    def clear_selection(self) -> None:
        self.selection_anchor = None

    @property
    def selecting(self) -> bool:
        """Whether there is an anchor (even with nothing selected yet): motions extend from it."""
        return self._anchor is not None

    @property
    def search_result(self) -> SearchResult | None:
        return self._search

    @property
    def current_match(self) -> int | None:
        return self._current_match

    @property
    def row_layout(self) -> RowLayout:
        """The rows at the current width (read-only use: `locate`, `row_bounds`, ...)."""
        self._ensure_layout()
        return self._row_layout

    @property
    def bidi(self) -> BidiMode:
        """How right-to-left text is drawn: "reader" reorders rows itself, "terminal" and "off"
        send logical order (see reader.core.bidi)."""
        return self._bidi

    @bidi.setter
    def bidi(self, mode: BidiMode) -> None:
        if mode == self._bidi:
            return
        self._screen.set_mode(mode)
        self._strips.clear()
        self._goal_cell = None
        self.move_cursor(self._cursor)
        self.refresh()

    @property
    def is_provisional(self) -> bool:
        """Whether the rows of the whole document are still being counted."""
        return self._row_layout.total_rows is None

    @property
    def top_location(self) -> tuple[int, int]:
        """(logical line, row within that line) at the top of the view."""
        self._ensure_layout()
        return self._top()

    @property
    def row_count(self) -> int | None:
        """Visual rows in the whole document, once known."""
        self._ensure_layout()
        return self._row_layout.total_rows

    def set_decorations(
        self, spans: Iterable[Decoration | tuple[int, int, str | Style, int]]
    ) -> None:
        """Replace the styled spans drawn under the selection, matches and cursor."""
        items = sorted((Decoration(*span) for span in spans), key=lambda d: (d.start, d.end))
        before = self._visible_looks()
        self._decorations = [item for item in items if item.end > item.start]
        self._decoration_starts = [item.start for item in self._decorations]
        self._decoration_reach = max(
            (item.end - item.start for item in self._decorations), default=0
        )
        self._refresh_changed_rows(before)

    def set_line_marks(self, marks: Mapping[int, str]) -> None:
        """Show a one-cell mark in the gutter beside logical lines ({line: "●"})."""
        before = self._visible_looks()
        self._marks = {line: printable(mark)[:1] for line, mark in marks.items() if mark}
        self._refresh_changed_rows(before)

    def _visible_looks(self) -> list[tuple[Any, ...]] | None:
        """What each row on screen draws over its text, if the rows on screen are known."""
        rows = self._visible_rows() if self._visible is not None else None
        if not rows:
            return None
        return [
            (self._row_look(row), self._marks.get(row.line) if row.subrow == 0 else None)
            for row in rows
        ]

    def _refresh_selection_rows(
        self, old: tuple[int, int] | None, new: tuple[int, int] | None
    ) -> None:
        """Repaint the rows the selection left or entered (all, if the rows are not known)."""
        if old == new:
            return
        rows = self._visible_rows() if self._visible is not None else None
        if not rows:
            self.refresh()
            return
        width = self.scrollable_content_region.width
        for y, row in enumerate(rows):
            if any(span is not None and span[0] <= row.end and span[1] > row.start
                   for span in (old, new)):
                self.refresh(Region(0, y, width, 1))

    def _refresh_changed_rows(self, before: list[tuple[Any, ...]] | None) -> None:
        """Repaint only the rows whose decorations or marks changed (a tag key repaints the
        passage's rows, not the screen); everything when that cannot be told."""
        after = self._visible_looks()
        if before is None or after is None or len(before) != len(after):
            self.refresh()
            return
        width = self.scrollable_content_region.width
        for y, (old, new) in enumerate(zip(before, after, strict=True)):
            if old != new:
                self.refresh(Region(0, y, width, 1))

    # ------------------------------------------------------------------ watchers

    def watch_wrap(self, wrap: bool) -> None:
        self.set_class(not wrap, "-nowrap")
        self._relayout(keep_top=True)

    def watch_line_numbers(self, _line_numbers: bool) -> None:
        self._relayout(keep_top=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_resize(self, _event: events.Resize) -> None:
        self._relayout(keep_top=True)

    def on_focus(self, _event: events.Focus) -> None:
        self.refresh()

    def on_blur(self, _event: events.Blur) -> None:
        self.refresh()

    def on_mount(self) -> None:
        self._relayout(keep_top=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed background job (counting rows, measuring, searching) is shown, not lost."""
        if event.state == WorkerState.ERROR and event.worker.node is self:
            event.stop()
            error = event.worker.error
            self.notify(printable(f"{type(error).__name__}: {error}"), severity="error")

    # ------------------------------------------------------------------ layout

    def _prefix_width(self) -> int:
        """Cells before the text: the gutter mark column, then " 12 " when numbers are shown."""
        if self.line_numbers:
            return 1 + 1 + len(str(self._index.line_count)) + 1
        return 1

    def _ensure_layout(self) -> None:
        if self._layout_key != self._wanted_layout_key():
            self._relayout(keep_top=True)

    def _wanted_layout_key(self) -> tuple[bool, int, int]:
        region = self.scrollable_content_region
        text_width = max(1, region.width - self._prefix_width())
        return self.wrap, text_width, region.height

    def _relayout(self, *, keep_top: bool) -> None:
        """Start over for a new width, wrap or gutter, keeping the top line where it was."""
        if not self.is_mounted:
            return
        region = self.scrollable_content_region
        if region.width <= 0 or region.height <= 0:
            return  # not laid out yet: wrapping at width 0 would be wasted work
        key = self._wanted_layout_key()
        if key == self._layout_key:
            return
        old_key = self._layout_key
        top = self._top() if keep_top and old_key is not None else (0, 0)
        restoring = self._pending_top is not None
        if self._pending_top is not None:
            top, self._pending_top = self._pending_top, None
        wrap, text_width, _height = key
        self._layout_key = key
        self._visible = None
        if old_key is not None and old_key[:2] == key[:2]:
            # Only the height changed: rows are still valid.
            self._update_virtual_size()
            self._set_top(*top)
            self._keep_cursor_visible()
            return
        self._strips.clear()
        self.workers.cancel_group(self, "document-view-rows")
        # One cell is kept for a space hanging after a full row (see core.display).
        layout = RowLayout(self._text, self._index, wrap=wrap, width=max(1, text_width - 1))
        self._screen.set_layout(layout, text_width)
        self._layout_generation += 1
        if wrap:
            if not self._complete:
                pass  # provisional until the whole text is here (and counted then)
            elif len(self._text) <= _SYNC_WRAP_LIMIT:
                counted = layout.count()
                assert counted is not None
                layout.install(counted)
            else:
                self._count_rows_in_background(layout)
        elif self._cells.widest is None and self._complete:
            self._measure_width_in_background()
        self._update_virtual_size()
        # A new width makes old row numbers meaningless; a restored session's are kept.
        line, subrow = top[0], 0
        if restoring and top[1]:
            subrow = min(top[1], len(layout.rows_of(line, count=top[1] + 1)[0]) - 1)
        self._set_top(line, subrow)
        self._keep_cursor_visible()

    def _update_virtual_size(self) -> None:
        height = self.scrollable_content_region.height
        width = self.scrollable_content_region.width
        total = self._row_layout.total_rows
        if not self.wrap:
            widest = self._cells.widest or 0
            virtual_width = self._prefix_width() + widest + 1
            self.virtual_size = Size(max(width, virtual_width), self._index.line_count)
        elif total is not None:
            self.virtual_size = Size(width, total)
        else:
            self.virtual_size = Size(width, self._index.line_count + max(0, height - 1))

    @work(thread=True, exclusive=True, group="document-view-rows", exit_on_error=False)
    def _count_rows_in_background(self, layout: RowLayout) -> None:
        import time

        worker = get_current_worker()
        # (sleep(0): the app's thread gets the interpreter between blocks of the count.)
        counted = layout.count(lambda: worker.is_cancelled, pause=lambda: time.sleep(0))
        if counted is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._install_rows, layout, counted)

    def _install_rows(self, layout: RowLayout, counted: CountedRows) -> None:
        """Switch from provisional to exact rows, keeping the same text at the top."""
        if layout is not self._row_layout:
            return  # counted for a width or wrap no longer shown
        line, subrow = self._top()
        layout.install(counted)
        self._visible = None
        self._update_virtual_size()
        self._set_top(line, subrow)

    @work(thread=True, exclusive=True, group="document-view-width", exit_on_error=False)
    def _measure_width_in_background(self) -> None:
        """The widest line (for the horizontal scrollbar) and the cell blocks of long lines."""
        worker = get_current_worker()
        measured = self._cells.measure(lambda: worker.is_cancelled)
        if measured is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._install_width, measured)

    def _install_width(self, measured: tuple[int, dict[int, list[int]]]) -> None:
        self._cells.install(measured)
        self._update_virtual_size()

    def _top(self) -> tuple[int, int]:
        """(line, row within the line) at the top of the view."""
        y = round(self.scroll_y)
        exact = self._row_layout.at_row(y)
        if exact is not None:
            return exact
        line = min(y, self._index.line_count - 1)
        if line == self._top_subrow_line:
            return line, self._top_subrow
        return line, 0

    def _set_top(self, line: int, subrow: int) -> None:
        self._visible = None
        y = self._row_layout.row_number(line, subrow)
        if y is None:  # provisional: scroll_y counts lines, the row is kept aside
            self._top_subrow_line, self._top_subrow = line, subrow
            y = line
        self.scroll_to(y=y, animate=False, force=True)
        self.refresh()

    def _visible_rows(self) -> list[ScreenRow]:
        self._ensure_layout()
        if self._layout_key is None:
            return []
        height = self.scrollable_content_region.height
        top = self._top()
        key = (self._layout_generation, top, height, self._row_layout.total_rows is not None)
        if self._visible is not None and self._visible[0] == key:
            return self._visible[1]
        rows: list[ScreenRow] = []
        line, subrow = top
        line_count = self._index.line_count
        while len(rows) < height and line < line_count:
            needed = subrow + height - len(rows) + 1
            line_rows, complete = self._row_layout.rows_of(line, count=needed)
            line_end = self._index.line_end(line)
            for index in range(subrow, len(line_rows)):
                if len(rows) >= height:
                    break
                end = line_rows[index + 1] if index + 1 < len(line_rows) else line_end
                if index + 1 == len(line_rows) and not complete:
                    break  # (needed rows were asked for, so this only happens past the screen)
                rows.append(ScreenRow(line, index, line_rows[index], end, line_end))
            line, subrow = line + 1, 0
        self._visible = (key, rows)
        return rows

    # ------------------------------------------------------------------ cursor

    def move_cursor(self, offset: int, *, keep_goal: bool = False, center: bool = False) -> None:
        """Put the cursor at `offset` (snapped to a cluster boundary) and scroll to show it;
        an offset past the start of the document loaded so far is gone to once it is loaded."""
        if not self._complete and (offset > len(self._text) or self._deferred):
            self.when_complete(
                lambda: self.move_cursor(offset, keep_goal=keep_goal, center=center)
            )
            return
        offset = self._screen.snap(offset)
        if not keep_goal:
            self._goal_cell = None
        moved = offset != self._cursor
        old_rows = self._screen_rows_of(self._cursor)
        self._cursor = offset
        top = self._visible[0] if self._visible is not None else None
        self._keep_cursor_visible(center=center)
        new_rows = self._screen_rows_of(offset)
        unscrolled = self._visible is not None and self._visible[0] == top
        if unscrolled and self._anchor is None and old_rows and new_rows:
            # Only the rows the cursor left and entered look different.
            width = self.scrollable_content_region.width
            for y in {*old_rows, *new_rows}:
                self.refresh(Region(0, y, width, 1))
        else:
            self.refresh()
        if moved:
            self._post_cursor_moved()

    def _screen_rows_of(self, offset: int) -> list[int]:
        """Screen rows (0 = top) drawing the cursor cell at `offset` now (none when off screen)."""
        if self._visible is None:
            return []
        return [
            y
            for y, row in enumerate(self._visible[1])
            if row.start <= offset < row.end or offset == row.end == row.line_end
        ]

    def _post_cursor_moved(self) -> None:
        line, column = self._index.to_line_col(self._cursor)
        message = self.CursorMoved(self, self._cursor, line, column, self.percent, self.selection)
        self.post_message(message)

    def _keep_cursor_visible(self, *, center: bool = False) -> None:
        if not self.is_mounted or self._layout_key is None:
            return
        height = max(1, self.scrollable_content_region.height)
        line, subrow = self._row_layout.locate(self._cursor)
        top_line, top_subrow = self._top()
        if (line, subrow) < (top_line, top_subrow):
            far = (top_line - line) > height
            target = (
                self._row_layout.advance(line, subrow, -(height // 2))
                if center or far
                else (
                    line,
                    subrow,
                )
            )
            self._set_top(*target)
        else:
            bottom = self._row_layout.advance(top_line, top_subrow, height - 1)
            if (line, subrow) > bottom:
                far = line - bottom[0] > height
                back = height // 2 if center or far else height - 1
                self._set_top(*self._row_layout.advance(line, subrow, -back))
            elif center:
                self._set_top(*self._row_layout.advance(line, subrow, -(height // 2)))
        if not self.wrap:
            self._keep_cursor_column_visible(line)

    def _keep_cursor_column_visible(self, line: int) -> None:
        width = self._text_width
        cell = self._screen.cell_of(self._cursor)
        x = round(self.scroll_x)
        if cell < x:
            self.scroll_to(x=max(0, cell - width // 4), animate=False, force=True)
        elif cell >= x + width - 1:
            self.scroll_to(x=cell - width + width // 4, animate=False, force=True)

    def _cursor_cell(self) -> int:
        """The cursor's column in cells within its visual row."""
        return self._screen.cell_of(self._cursor)

    def _move_rows(self, rows: int, *, scroll: bool = False) -> None:
        """Move the cursor `rows` visual rows, keeping its column; optionally scroll as much."""
        if self._goal_cell is None:
            self._goal_cell = self._cursor_cell()
        line, subrow = self._row_layout.locate(self._cursor)
        target_line, target_subrow = self._row_layout.advance(line, subrow, rows)
        if scroll:
            top = self._top()
            self._set_top(*self._row_layout.advance(*top, rows))
        if (target_line, target_subrow) == (line, subrow):
            # Already on the first or last row: a page move goes to the very start or end.
            if scroll:
                self.move_cursor(0 if rows < 0 else len(self._text))
            return
        there = self._screen.row(target_line, target_subrow)
        self.move_cursor(self._screen.offset_at(there, self._goal_cell), keep_goal=True)

    # ------------------------------------------------------------------ actions

    @_in_turn
    def action_cursor_left(self) -> None:
        self._move_horizontally(-1)

    @_needs_text_ahead
    def action_cursor_right(self) -> None:
        self._move_horizontally(1)

    def _move_horizontally(self, step: int) -> None:
        """One glyph left or right as drawn (past the row's edge, on in reading order)."""
        self._ensure_layout()
        line = self._index.line_of(self._cursor)
        if self._layout_key is None or not (self.wrap or self._screen.reorders_whole_line(line)):
            if step > 0:
                self.move_cursor(motions.next_character(self._text, self._cursor))
            else:
                self.move_cursor(motions.previous_character(self._text, self._cursor))
            return
        row = self._screen.geometry(self._screen.row_of(self._cursor))
        self.move_cursor(self._navigator.horizontal_target(step, row))

    @_in_turn
    def action_cursor_up(self) -> None:
        self._move_rows(-1)

    @_needs_text_ahead
    def action_cursor_down(self) -> None:
        self._move_rows(1)

    @_needs_text_ahead
    def action_word_next(self) -> None:
        self.move_cursor(motions.next_word_start(self._text, self._cursor))

    @_in_turn
    def action_word_previous(self) -> None:
        self.move_cursor(motions.previous_word_start(self._text, self._cursor))

    @_needs_text_ahead
    def action_sentence_next(self) -> None:
        # reader.core.segments is imported on the first sentence or paragraph key, not with
        # the view: the first frame needs none of it (a millisecond of start-up).
        from reader.core.segments import next_sentence_start

        self.move_cursor(next_sentence_start(self._text, self._cursor))

    @_in_turn
    def action_sentence_previous(self) -> None:
        from reader.core.segments import previous_sentence_start  # (see action_sentence_next)

        self.move_cursor(previous_sentence_start(self._text, self._cursor))

    @_needs_text_ahead
    def action_paragraph_next(self) -> None:
        from reader.core.segments import next_paragraph_start  # (see action_sentence_next)

        self.move_cursor(next_paragraph_start(self._text, self._cursor))

    @_in_turn
    def action_paragraph_previous(self) -> None:
        from reader.core.segments import previous_paragraph_start  # (see action_sentence_next)

        self.move_cursor(previous_paragraph_start(self._text, self._cursor))

    @_in_turn
    def action_document_start(self) -> None:
        self.move_cursor(0)

    def action_document_end(self) -> None:
        # (Always after the loading: the end of what is loaded is not the document's end.)
        self.when_complete(lambda: self.move_cursor(len(self._text)))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    @_needs_text_ahead
    def action_page_down(self) -> None:
        self._move_rows(self._page(), scroll=True)

    @_in_turn
    def action_page_up(self) -> None:
        self._move_rows(-self._page(), scroll=True)

    @_needs_text_ahead
    def action_half_page_down(self) -> None:
        self._move_rows(max(1, self.scrollable_content_region.height // 2), scroll=True)

    @_in_turn
    def action_half_page_up(self) -> None:
        self._move_rows(-max(1, self.scrollable_content_region.height // 2), scroll=True)

    @_in_turn
    def action_row_start(self) -> None:
        line, subrow = self._row_layout.locate(self._cursor)
        self.move_cursor(self._row_layout.row_bounds(line, subrow)[0])

    @_in_turn
    def action_row_end(self) -> None:
        line, subrow = self._row_layout.locate(self._cursor)
        start, end = self._row_layout.row_bounds(line, subrow)
        if end != self._index.line_end(line) and end > start:
            # The last cluster of a wrapped row: its end is where the next row starts.
            end = motions.previous_character(self._text, end)
            if self._text[end] == " " and end > start:
                end = motions.previous_character(self._text, end)
        self.move_cursor(end)

    @_in_turn
    def action_toggle_selecting(self) -> None:
        if self._anchor is None:
            self.selection_anchor = self._cursor
        else:
            self.clear_selection()

    @_needs_text_ahead
    def action_select_sentence(self) -> None:
        from reader.core.segments import sentence_span  # (see action_sentence_next)

        self._select_span(sentence_span(self._text, self._cursor))

    @_needs_text_ahead
    def action_select_paragraph(self) -> None:
        from reader.core.segments import paragraph_span  # (see action_sentence_next)

        self._select_span(paragraph_span(self._text, self._cursor))

    def _select_span(self, span: tuple[int, int]) -> None:
        start, end = span
        if end > start:
            self.select(start, end)
        else:
            self.notify("Nothing to select here", severity="warning", timeout=3)

    @_in_turn
    def action_swap_selection_ends(self) -> None:
        if self._anchor is None:
            return
        anchor, cursor = self._anchor, self._cursor
        self._anchor = cursor
        self.move_cursor(anchor)
        self._post_cursor_moved()

    @_in_turn
    def action_clear_selection(self) -> None:
        self.clear_selection()

    @_needs_text_ahead
    def action_extend_selection(self, motion: str) -> None:
        if self._anchor is None:
            self.selection_anchor = self._cursor
        action = getattr(self, f"action_{motion}", None)
        if motion in _EXTENDING_MOTIONS and action is not None:
            action()

    @_in_turn
    def action_match_next(self) -> None:
        self._step_match(forward=True)

    @_in_turn
    def action_match_previous(self) -> None:
        self._step_match(forward=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("match_next", "match_previous"):
            return bool(self._search) or None
        if action in ("clear_selection", "swap_selection_ends"):
            # Without a selection escape goes on to whoever else wants it.
            return self._anchor is not None
        return True

    # ------------------------------------------------------------------ search

    def search(self, query: SearchQuery, *, jump: bool = False) -> None:
        """Search for `query` in the background; with `jump`, go to the first match after the
        cursor when the result arrives. An empty query clears the search."""
        from reader.core.search import first_match_from

        if query.is_empty:
            self.clear_search()
            return
        if self._search is not None and self._search.query == query and jump:
            self._jump_to(first_match_from(self._search, self._cursor))
            return
        self._search_query = query
        self._jump_on_result = jump
        self.post_message(
            self.SearchChanged(self, self._search, self._current_match, searching=True)
        )
        # The whole document is searched: while it loads the query waits (the status line
        # says how far the loading is), replaced by any query typed meanwhile.
        if self._complete:
            self._run_search(query)
        else:
            self._waiting_query = query
            self.post_message(self.Waiting(self, self.waiting))

    @work(thread=True, exclusive=True, group="document-view-search", exit_on_error=False)
    def _run_search(self, query: SearchQuery) -> None:
        from reader.core.search import SearchError, find_all

        worker = get_current_worker()
        try:
            result = find_all(self._text, query, should_stop=lambda: worker.is_cancelled)
        except SearchError as error:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._install_search_error, query, str(error))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._install_search, result)

    def _restore_waiting_place(self) -> None:
        state, self._waiting_place = self._waiting_place, None
        if state is not None:
            self.restore_state(state)

    def _install_search(self, result: SearchResult) -> None:
        from reader.core.search import first_match_from

        if result.query != self._search_query:
            return
        self._search = result
        self._current_match = None
        self.refresh_bindings()
        self.refresh()
        if self._jump_on_result:
            self._jump_on_result = False
            self._jump_to(first_match_from(result, self._cursor))
        else:
            self.post_message(self.SearchChanged(self, result, None))

    def _install_search_error(self, query: SearchQuery, message: str) -> None:
        if query != self._search_query:
            return
        self._search = None
        self._current_match = None
        self.refresh_bindings()
        self.refresh()
        self.post_message(self.SearchChanged(self, None, None, error=message))

    def restore_search(self, result: SearchResult | None, current: int | None) -> None:
        """Show an earlier result again (what escape in the search bar goes back to)."""
        self.workers.cancel_group(self, "document-view-search")
        self._waiting_query = None
        self._search = result
        self._search_query = result.query if result is not None else None
        self._current_match = current if result is not None and current is not None else None
        self._jump_on_result = False
        self.refresh_bindings()
        self.refresh()
        self.post_message(self.SearchChanged(self, result, self._current_match))

    def clear_search(self) -> None:
        self.workers.cancel_group(self, "document-view-search")
        self._waiting_query = None
        self._search = None
        self._search_query = None
        self._current_match = None
        self.refresh_bindings()
        self.refresh()
        self.post_message(self.SearchChanged(self, None, None))

    def _jump_to(self, index: int | None, *, wrapped: bool = False) -> None:
        self._current_match = index
        if index is not None and self._search is not None:
            self.move_cursor(self._search.starts[index], center=False)
        self.refresh()
        self.post_message(self.SearchChanged(self, self._search, index, wrapped=wrapped))

    def _step_match(self, *, forward: bool) -> None:
        from reader.core.search import next_match, previous_match

        result = self._search
        if not result:
            return
        if forward:
            index = next_match(result, self._cursor)
            wrapped = index is not None and result.starts[index] <= self._cursor
        else:
            index = previous_match(result, self._cursor)
            wrapped = index is not None and result.starts[index] >= self._cursor
        self._jump_to(index, wrapped=wrapped)

    # ------------------------------------------------------------------ state

    def scroll_state(self) -> dict[str, int]:
        """What a session needs to show the same place again (while a session's place waits
        for the rest of the document, that place: it is where the view is going)."""
        line, subrow = self.top_location
        state = {"cursor": self._cursor, "top_line": line, "top_row": subrow}
        if self._waiting_place is not None:
            state.update((key, value) for key, value in self._waiting_place.items()
                         if key in state and isinstance(value, int))
        return state

    def restore_state(self, state: Mapping[str, Any]) -> None:
        """Show the place `scroll_state` described (unknown keys are ignored); a place past
        the start of the document loaded so far is shown once it is loaded."""
        cursor = state.get("cursor")
        top_line = state.get("top_line")
        if not self._complete and (
            (isinstance(cursor, int) and cursor > len(self._text))
            or (isinstance(top_line, int) and top_line >= self._index.line_count)
            or self._deferred
        ):
            # One place waits: asked again (a tab checks its place after each refresh), the
            # later place replaces it rather than queuing another.
            if self._waiting_place is None:
                self.when_complete(self._restore_waiting_place)
            self._waiting_place = state
            return
        if isinstance(cursor, int):
            self._cursor = self._screen.snap(cursor)
            self._goal_cell = None
        if isinstance(top_line, int):
            line = min(max(0, top_line), self._index.line_count - 1)
            row = state.get("top_row", 0)
            row = max(0, row) if isinstance(row, int) else 0
            if self._layout_key is None:
                self._pending_top = (line, row)  # applied once the view has a size
            else:
                known, _complete = self._row_layout.rows_of(line, count=row + 1)
                self._set_top(line, min(row, len(known) - 1))
        self.move_cursor(self._cursor)
        self._post_cursor_moved()

    # ------------------------------------------------------------------ mouse

    def _offset_at_mouse(self, event: events.MouseEvent) -> int | None:
        """The text offset under the mouse (rows above or below the view clamp to the edge)."""
        offset = event.get_content_offset_capture(self)
        rows = self._visible_rows()
        if not rows:
            return None
        row = rows[min(max(offset.y, 0), len(rows) - 1)]
        cell = offset.x - self._prefix_width()
        scroll_x = 0 if self.wrap else round(self.scroll_x)
        return self._screen.offset_at(row, max(0, cell + scroll_x))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or event.get_content_offset(self) is None:
            return
        target = self._offset_at_mouse(event)
        if target is None:
            return
        if self._anchor is not None and not event.shift:
            self.clear_selection()
        elif event.shift and self._anchor is None:
            self.selection_anchor = self._cursor  # shift+click extends from the cursor
        self.move_cursor(target)
        self._drag_from = self._cursor if not event.shift else None
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_from is None and self._anchor is None:
            return
        if self.app.mouse_captured is not self:  # captured from mouse down to mouse up
            return
        target = self._offset_at_mouse(event)
        if target is None:
            return
        if self._drag_from is not None and self._anchor is None and target != self._drag_from:
            self._anchor = self._drag_from
        self.move_cursor(target)

    def on_mouse_up(self, _event: events.MouseUp) -> None:
        self._drag_from = None
        if self.app.mouse_captured is self:
            self.release_mouse()

    # ------------------------------------------------------------------ rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        # The view's base style walks every ancestor's styles, and its rows and width ask for
        # the content region (three times a row, a millisecond a screen): once per render.
        self._base_style = self.rich_style
        self._frame_rows = (self._visible_rows(), self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None
            self._frame_rows = None
            self._lay_out_ahead()

    def _lay_out_ahead(self) -> None:
        """Once a screen is drawn, lay out the page below it while the app is idle.

        Reordering and shaping a right-to-left row for the first time costs far more than
        drawing it again, and a page-down needs a whole page of new rows at once; done ahead,
        a few rows per step, the key finds them ready and waits for one step at most.
        """
        if self._bidi != "reader" or not self.wrap or self._visible is None:
            return
        key, rows = self._visible
        if not rows or key == self._laid_out_ahead_for:
            return
        self._laid_out_ahead_for = key
        last = rows[-1]
        self.call_later(self._lay_out_ahead_step, key, last.line, last.subrow, len(rows) + 1)

    def _lay_out_ahead_step(self, key: tuple[Any, ...], line: int, subrow: int, left: int) -> None:
        if key != self._laid_out_ahead_for:
            return  # the screen moved on: a pass for the new one is under way
        count = min(left, _LAY_OUT_AHEAD_STEP)
        following = self._screen.prepare(line, subrow, count)
        if following is not None and left > count:
            self.call_later(self._lay_out_ahead_step, key, *following, left - count)

    def render_line(self, y: int) -> Strip:
        if self._frame_rows is not None:
            rows, width = self._frame_rows
        else:
            rows, width = self._visible_rows(), self.scrollable_content_region.width
        base = self._base_style or self.rich_style
        if y >= len(rows):
            return Strip.blank(width, base)
        row = rows[y]
        scroll_x = 0 if self.wrap else round(self.scroll_x)
        cursor = self._cursor
        cursor_here = row.start <= cursor < row.end or (
            cursor == row.end and row.end == row.line_end
        )
        selection = self.selection
        if selection is not None and not (selection[0] <= row.end and selection[1] > row.start):
            selection = None
        key = (
            row,
            width,
            self.wrap,
            self.line_numbers,
            self._bidi,
            scroll_x,
            cursor if cursor_here else None,
            self.has_focus,
            selection,
            self._row_look(row),
            self._marks.get(row.line) if row.subrow == 0 else None,
        )
        strip = self._strips.get(key)
        if strip is None:
            strip = self._build_strip(row, width, scroll_x, cursor_here, selection, base)
            self._strips[key] = strip
        return strip

    def _row_look(self, row: ScreenRow) -> tuple[Any, ...]:
        """The decorations and matches drawn on `row`: with them in a strip's key (rather than a
        revision of everything drawn), tagging a passage rebuilds only the rows it covers."""
        start, end = row.start, row.end
        decorations: tuple[Decoration, ...] = ()
        if self._decorations:
            low = bisect_right(self._decoration_starts, start - self._decoration_reach - 1)
            high = bisect_right(self._decoration_starts, end)
            decorations = tuple(
                d for d in self._decorations[low:high] if d.end > start and d.start < end
            )
        matches: tuple[tuple[int, int, bool], ...] = ()
        if self._search is not None:
            current = self._current_match
            matches = tuple(
                (match_start, match_end, index == current)
                for index, match_start, match_end in self._search.spans_between(start, end + 1)
            )
        return decorations, matches

    def _style(self, name: str | Style) -> Style:
        if isinstance(name, Style):
            return name
        return self.get_component_rich_style(name, partial=True, default=Style.null())

    def _build_strip(
        self,
        row: ScreenRow,
        width: int,
        scroll_x: int,
        cursor_here: bool,
        selection: tuple[int, int] | None,
        base: Style,
    ) -> Strip:
        prefix = self._prefix_segments(row, base)
        text_width = max(0, width - self._prefix_width())
        geometry = self._screen.geometry(row, scroll_x)
        layers, break_style = self._layers(geometry, row, cursor_here, selection, base)
        segments = render_row(geometry, layers, base, break_style=break_style)
        if self.wrap:
            # The geometry knows how many cells the row takes: when it fits, one strip of
            # known length, without Rich measuring each character (slow for Arabic) and the
            # four intermediate strips of cropping and joining.
            prefix_cells = Segment.get_line_length(prefix)
            used = prefix_cells + drawn_cells(geometry, break_style)
            if prefix_cells == width - text_width and used <= width:
                if used < width:
                    segments.append(Segment(" " * (width - used), base))
                return Strip([*prefix, *segments], width)
        text_strip = Strip(segments)
        if not self.wrap:
            start_col = self._screen.nowrap_window(row, scroll_x)[2]
            if scroll_x - start_col:
                text_strip = text_strip.crop(scroll_x - start_col)
        text_strip = text_strip.crop_extend(0, text_width, base)
        return Strip.join([Strip(prefix), text_strip]).crop_extend(0, width, base)

    def _prefix_segments(self, row: ScreenRow, base: Style) -> list[Segment]:
        gutter = base + self._style("document-view--gutter")
        mark = self._marks.get(row.line) if row.subrow == 0 else None
        result = [
            Segment(mark, gutter + self._style("document-view--gutter-mark"))
            if mark
            else Segment(" ", gutter)
        ]
        if self.line_numbers:
            digits = len(str(self._index.line_count))
            number = str(row.line + 1).rjust(digits) if row.subrow == 0 else " " * digits
            style = base + self._style("document-view--line-number")
            result.append(Segment(f" {number} ", style))
        return result

    def _layers(
        self,
        geometry: RowGeometry,
        row: ScreenRow,
        cursor_here: bool,
        selection: tuple[int, int] | None,
        base: Style,
    ) -> tuple[list[tuple[int, int, Style]], Style | None]:
        """The styles drawn over the row's text (lowest first), and its break cell's style."""
        start, end = geometry.start, geometry.end
        cursor = self._cursor
        layers: list[tuple[int, int, Style]] = []
        if self._decorations:
            low = bisect_right(self._decoration_starts, start - self._decoration_reach - 1)
            high = bisect_right(self._decoration_starts, end)
            found = [d for d in self._decorations[low:high] if d.end > start and d.start < end]
            for decoration in sorted(found, key=lambda d: d.priority):
                layers.append((decoration.start, decoration.end, self._style(decoration.style)))
        if self._search is not None:
            match_style = self._style("document-view--match")
            current_style = self._style("document-view--current-match")
            for index, match_start, match_end in self._search.spans_between(start, end + 1):
                style = current_style if index == self._current_match else match_style
                layers.append((match_start, match_end, style))
        if selection is not None:
            layers.append((selection[0], selection[1], self._style("document-view--selection")))
        if cursor_here and start <= cursor < end:
            layers.append((cursor, cursor + 1, self._style("document-view--cursor")))
        # The line break (or the end of the text) is one cell: the cursor and a selection
        # crossing it are drawn there.
        break_style: Style | None = None
        if end == row.line_end and end == row.end:
            style = base
            if selection is not None and selection[0] <= end < selection[1]:
                style = style + self._style("document-view--selection")
            if cursor_here and cursor == end:
                style = style + self._style("document-view--cursor")
            if style is not base:
                break_style = style
        return layers, break_style
