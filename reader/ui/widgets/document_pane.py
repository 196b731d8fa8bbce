"""A document pane: the document view, its search bar (reader.ui.widgets.search_bar) and a
status line."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from reader.core.display import printable
from reader.core.structure import place_text
from reader.core.text import LineIndex
from reader.ui.widgets.document_view import Decoration, DocumentView
from reader.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from reader.core import coding
    from reader.core.codebook import Codebook
    from reader.core.models import Annotation
    from reader.core.search import SearchResult
    from reader.formats.base import DocumentHead, LoadedDocument
    from reader.ui.widgets.search_bar import SearchBar

# How much more of a document must be read before the status line says so again (a message
# per chunk read would keep the screen busy for nothing).
_PROGRESS_STEP = 0.02

# Typing in the search bar searches after this pause, so a 20 MB document is not scanned per key.
_INCREMENTAL_DELAY = 0.15

# How much of a tag's colour tints the background: the outermost passage lightly, passages
# drawn over it (inside or overlapping it) more, and underlined.
_TINT = (0.30, 0.48, 0.62)


_NOT_WHILE_ADJUSTING = frozenset(
    {"tag_slot", "pick_tags", "repeat_tags", "memo", "adjust", "delete_annotation"}
)


def _coding(keys: str, action: str, description: str, name: str, tooltip: str,
            *, show: bool = True) -> Binding:
    return Binding(keys, action, description, id=f"coding.{name}", tooltip=tooltip, show=show)


def _slot(slot: int) -> Binding:
    return _coding(
        str(slot),
        f"tag_slot({slot})",
        f"Tag {slot}",
        f"tag-{slot}",
        f"Apply the tag with key {slot} to the selection, or add/remove it on the passage "
        "under the cursor",
        show=False,
    )


class DocumentPane(Widget):
    """One open document: its view, a search bar under it and a status line.

    The status line shows the title, search progress ("3/17 matches"), two slots the annotator
    fills (`set_selection_status`, `set_saved_status`), the cursor's line:column (1-based), its
    position in percent and the document's encoding.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "open_search",
            "Search",
            id="document.search",
            tooltip="Search this document (ctrl+r regex, ctrl+t match case, ctrl+o Arabic forms)",
            # Run by the app before the key reaches the document: the first search mounts the
            # bar, and keys typed meanwhile must wait for it, not move the cursor.
            priority=True,
        ),
        *(_slot(slot) for slot in range(1, 10)),
        _coding("t", "pick_tags", "Tags", "tag-picker",
                "Choose (or create) tags for the selection or the passage under the cursor"),
        _coding("full_stop", "repeat_tags", "Same tags", "repeat-tags",
                "Apply the tags used last to the selection or the passage under the cursor",
                show=False),
        _coding("m", "memo", "Memo", "memo",
                "Write the memo of the passage under the cursor (or of the selection)"),
        _coding("r", "adjust", "Adjust", "adjust",
                "Change the span of the passage under the cursor: motions move its end (o the "
                "other end), enter saves, escape cancels", show=False),
        _coding("enter", "save_adjusted", "Save span", "save-span",
                "Save the adjusted span of the passage"),
        _coding("x", "delete_annotation", "Delete", "delete",
                "Delete the passage under the cursor (u brings it back)", show=False),
        _coding("y", "copy", "Copy", "copy",
                "Copy the selection, or the passage under the cursor, to the clipboard",
                show=False),
        _coding("right_square_bracket", "next_annotation", "Next passage", "next",
                "Move to the next coded passage", show=False),
        _coding("left_square_bracket", "previous_annotation", "Previous passage", "previous",
                "Move to the previous coded passage", show=False),
    ]

    DEFAULT_CSS = """
    DocumentPane {
        layout: vertical;
        height: 1fr;
        & > DocumentView { height: 1fr; }
        & > SearchBar { height: 1; display: none; }
        & > .document-status { height: 1; }
        /* The bar takes the status line's place, so the view keeps its height (no relayout). */
        &.-searching > SearchBar { display: block; }
        &.-searching > .document-status { display: none; }
    }
    """

    wrap: reactive[bool] = reactive(True)
    """Soft-wrap long lines."""
    line_numbers: reactive[bool] = reactive(False)
    """Show line numbers."""

    def __init__(
        self,
        document: LoadedDocument | DocumentHead,
        *,
        wrap: bool = True,
        line_numbers: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """A pane showing `document`; given only its head (a large text's first lines), the
        pane reads the rest in a thread once mounted, and is `still_loading` until then."""
        from reader.formats.base import DocumentHead

        super().__init__(name=name, id=id, classes=classes)
        self._document = document
        # Another view of the same document reading the rest already (see `load_with`), and
        # the views waiting for this one's reading.
        self._leader: DocumentPane | None = None
        self._followers: list[DocumentPane] = []
        self._loaded_fraction: float | None = (
            document.bytes_read / max(1, document.size)
            if isinstance(document, DocumentHead) else None
        )
        self._view = DocumentView(
            document.text,
            index=LineIndex.of(document.text),
            wrap=wrap,
            line_numbers=line_numbers,
            complete=self._loaded_fraction is None,
            classes="document-view",
        )
        self.set_reactive(DocumentPane.wrap, wrap)
        self.set_reactive(DocumentPane.line_numbers, line_numbers)
        self._before_search: tuple[SearchResult | None, int | None] = (None, None)
        self._restore_focus: Widget | None = None
        self._search_timer: Timer | None = None
        self._search_count: tuple[str, bool] = ("", False)  # the bar's match count, an error?
        self.document_id: str | None = None
        """The document's id in the annotation store, once it is registered there."""
        self._annotations: tuple[Annotation, ...] = ()
        self._placed: tuple[Annotation, ...] = ()  # those whose quote is where they say
        self._codebook: Codebook | None = None  # (given with the first annotations)
        from reader.ui.opening import file_signature

        # The file as it was when read: a different signature later means it was rewritten.
        self._file_signature = document.signature or file_signature(document.path)
        self._reported_signature = self._file_signature
        self._adjusting: Annotation | None = None
        self._adjust_cursor = 0
        self._status_line = StatusLine(classes="document-status")
        self._status_line.set("title", document.title or "untitled")
        self._status_line.set("position", self._position_text(0, 0))
        self._place_marks = -1  # how many structure marks the place shown was worked out after
        self._update_place()
        self._status_line.set("encoding", document.encoding or "")
        self._tag_styles: dict[tuple[str | None, int], Style] = {}

    # ------------------------------------------------------------------ public API

    @property
    def document(self) -> LoadedDocument | DocumentHead:
        """The document shown, or while `still_loading` its head (which has no identity yet)."""
        return self._document

    @property
    def loaded_document(self) -> LoadedDocument | None:
        """The whole document, once it is read (what the store may register and coding may
        anchor to); None while `still_loading`."""
        from reader.formats.base import LoadedDocument

        return self._document if isinstance(self._document, LoadedDocument) else None

    @property
    def still_loading(self) -> bool:
        """Whether only the start of the document is shown, the rest being read. (Not
        Textual's `loading`, which would cover the pane with a spinner.)"""
        return self._loaded_fraction is not None

    @property
    def loaded_fraction(self) -> float:
        """How much of the file is read, 0-1 (1 once loaded)."""
        return 1.0 if self._loaded_fraction is None else self._loaded_fraction

    @property
    def view(self) -> DocumentView:
        return self._view

    @property
    def search_bar(self) -> SearchBar:
        # The bar's module is imported when a pane first searches: most never do, and the
        # first frame has none (its classes were half a millisecond of start-up).
        from reader.ui.widgets.search_bar import SearchBar

        return self.query_one(SearchBar)

    @property
    def cursor_offset(self) -> int:
        return self._view.cursor_offset

    @cursor_offset.setter
    def cursor_offset(self, offset: int) -> None:
        self._view.move_cursor(offset, center=True)

    def scroll_state(self) -> dict[str, Any]:
        """Cursor offset and top line/row, for sessions."""
        return self._view.scroll_state()

    def restore_state(self, state: dict[str, Any]) -> None:
        """Show the place a `scroll_state()` described."""
        self._view.restore_state(state)

    @property
    def status_line(self) -> StatusLine:
        return self._status_line

    def set_selection_status(self, text: str | None) -> None:
        """Fill the status line's selection slot ("12 chars selected"), or empty it."""
        self._status_line.set("selection", text)

    def set_saved_status(self, text: str | None) -> None:
        """Fill the status line's saved slot ("saved", "NOT SAVED: …"), or empty it; a failure
        is drawn as an alert, and the pane has the class `-not-saved` meanwhile."""
        not_saved = bool(text and text.startswith("NOT SAVED"))
        self._status_line.set("saved", text, alert=not_saved)
        self.set_class(not_saved, "-not-saved")

    @property
    def annotations(self) -> tuple[Annotation, ...]:
        """The passages drawn now (the last snapshot with pending changes applied)."""
        return self._annotations

    @property
    def adjusting(self) -> Annotation | None:
        """The passage whose span is being adjusted (`r`), if any."""
        return self._adjusting

    @property
    def placed_annotations(self) -> tuple[Annotation, ...]:
        """The passages drawn: those whose quote is in this text at their offsets."""
        return self._placed

    def show_annotations(self, annotations: tuple[Annotation, ...], codebook: Codebook) -> None:
        """Draw these passages: tinted in their tag's colour, marked in the gutter, named in the
        status line. A passage whose quote is not at its offsets in this text (the file changed)
        is not drawn over words it never quoted: the status line counts it instead."""
        if annotations == self._annotations and codebook is self._codebook:
            return
        from reader.core import coding

        if codebook is not self._codebook:
            self._tag_styles.clear()
        self._annotations = annotations
        self._placed = coding.in_place(annotations, self._document.text)
        self._codebook = codebook
        adrift = len(annotations) - len(self._placed)
        self._status_line.set(
            "attention",
            f"{adrift} passage{'s' if adrift != 1 else ''} not found in the text" if adrift else "",
            alert=bool(adrift),
        )
        self._draw_annotations()

    def _draw_annotations(self) -> None:
        from reader.core import coding

        view = self._view
        view.set_decorations(
            Decoration(layer.annotation.start, layer.annotation.end,
                       self._passage_style(layer), layer.depth)
            for layer in coding.layers(self._placed)
        )
        view.set_line_marks(coding.line_marks(self._placed, view.line_index))
        self._update_tags_status()

    # ------------------------------------------------------------------ messages to the app

    class Opened(Message):
        """The pane is mounted: whoever codes documents learns of it (posted to the app)."""

        def __init__(self, pane: DocumentPane) -> None:
            super().__init__()
            self.pane = pane

    class Closed(Message):
        """The pane is going away (posted to the app, which outlives it)."""

        def __init__(self, pane: DocumentPane) -> None:
            super().__init__()
            self.pane = pane

    class Loaded(Message):
        """The whole document is read and shown (posted to the app, for the store)."""

        def __init__(self, pane: DocumentPane) -> None:
            super().__init__()
            self.pane = pane

    class LoadFailed(Message):
        """The rest of the document could not be read: `reason`, one line (posted to the
        app, which says so and closes the pane)."""

        def __init__(self, pane: DocumentPane, reason: str) -> None:
            super().__init__()
            self.pane = pane
            self.reason = reason

    class LoadProgress(Message):
        """More of the document is read (from the loading thread; a burst coalesces)."""

        def __init__(self, fraction: float) -> None:
            super().__init__()
            self.fraction = fraction

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, DocumentPane.LoadProgress)

    class CodingRequested(Message):
        """A coding key pressed in the pane; the app's coding controller carries it out.

        It keeps the selection's anchor and the cursor the key was pressed on: a key pressed
        right after it (a quick `1` `j`) reaches the view before this message reaches the app,
        and must not change what the key codes. It is made in turn, behind the motions pressed
        before the key that wait for the rest of a loading document (see `_request`).
        """

        def __init__(self, pane: DocumentPane) -> None:
            super().__init__()
            self.pane = pane
            self.anchor = pane.view.selection_anchor
            self.cursor = pane.view.cursor_offset

    class TagRequested(CodingRequested):
        """Apply the tag with key `slot` to the selection, or toggle it on the passage here."""

        def __init__(self, pane: DocumentPane, slot: int) -> None:
            super().__init__(pane)
            self.slot = slot

    class TagPickRequested(CodingRequested):
        """Choose tags by name for the selection or the passage under the cursor."""

    class RepeatTagsRequested(CodingRequested):
        """Apply the tags last used again."""

    class MemoRequested(CodingRequested):
        """Write the memo of the passage under the cursor."""

    class AdjustRequested(CodingRequested):
        """Start changing the span of the passage under the cursor."""

    class AdjustedSaveRequested(CodingRequested):
        """Save the selection as the new span of `annotation`."""

        def __init__(self, pane: DocumentPane, annotation: Annotation) -> None:
            super().__init__(pane)
            self.annotation = annotation

    class DeleteRequested(CodingRequested):
        """Delete the passage under the cursor."""

    class CopyRequested(CodingRequested):
        """Copy the selection or the passage under the cursor."""

    class StepRequested(CodingRequested):
        """Move to the next (or previous) passage."""

        def __init__(self, pane: DocumentPane, *, forward: bool) -> None:
            super().__init__(pane)
            self.forward = forward

    # ------------------------------------------------------------------ the file on disk

    class ChangedOnDisk(Message):
        """The document's file was rewritten since it was read (asked by `check_file`)."""

        def __init__(self, pane: DocumentPane) -> None:
            super().__init__()
            self.pane = pane

    def file_changed(self) -> bool:
        """Whether the file on disk is no longer the one read (a cheap `stat`)."""
        from reader.ui.opening import file_signature

        return file_signature(self._document.path) != self._file_signature

    def check_file(self) -> bool:
        """Post `ChangedOnDisk` (once per new version of the file) if the file was rewritten;
        whether it was."""
        from reader.ui.opening import file_signature

        if self.still_loading:
            return False  # (the file is being read: the version read is the one shown)
        current = file_signature(self._document.path)
        if current == self._file_signature:
            return False
        if current != self._reported_signature:
            self._reported_signature = current
            self.post_message(self.ChangedOnDisk(self))
        return True

    def keep_file_signature(self) -> None:
        """The file was read again and holds the same text (or cannot be read): this version
        of it is the one shown, and no change to report."""
        from reader.ui.opening import file_signature

        self._file_signature = self._reported_signature = file_signature(self._document.path)

    def _passage_style(self, layer: coding.Layer) -> Style:
        annotation = layer.annotation
        codebook = self._codebook
        colour = None
        for tag_id in annotation.tags:
            if codebook is not None and tag_id in codebook:
                colour = codebook.get(tag_id).colour
                break
        depth = min(layer.depth, len(_TINT) - 1)
        key = (colour, depth)
        style = self._tag_styles.get(key)
        if style is None:
            style = self._tag_styles[key] = self._make_style(colour, depth)
        return style

    def _make_style(self, colour: str | None, depth: int) -> Style:
        # Blend into the view's own background, so the tint reads on light and dark themes.
        background = self._view.background_colors[1]
        if colour is None:  # a memo without tags: no colour of its own
            tint = background.blend(Color.parse("gray"), _TINT[depth])
            return Style(bgcolor=tint.rich_color, italic=True, underline=depth > 0)
        try:
            tag_colour = Color.parse(colour)
        except Exception:
            tag_colour = Color.parse("gray")
        tint = background.blend(tag_colour, _TINT[depth])
        return Style(bgcolor=tint.rich_color, underline=depth > 0)

    def _theme_changed(self, _theme: object) -> None:
        self._tag_styles.clear()
        self.call_after_refresh(self._draw_annotations)

    def _update_tags_status(self) -> None:
        if not self._placed or self._codebook is None:
            self._status_line.set("tags", "")  # (and the coding module need not be loaded)
            return
        from reader.core import coding

        text = coding.tags_at_text(self._placed, self._view.cursor_offset, self._codebook)
        self._status_line.set("tags", text)

    def _update_selection_status(self) -> None:
        view = self._view
        selection = view.selection
        if self._adjusting is not None:
            size = f"{selection[1] - selection[0]:,} chars" if selection else "empty"
            text = f"adjusting ({size}): enter saves, esc cancels"
        elif selection is not None:
            text = f"{selection[1] - selection[0]:,} chars selected"
        elif view.selecting:
            text = "selecting"
        else:
            text = ""
        self.set_selection_status(text)

    def begin_adjusting(self, annotation: Annotation) -> None:
        """Make the passage's span the selection; motions change it until `end_adjusting`."""
        self._adjusting = annotation
        self._adjust_cursor = self._view.cursor_offset
        self._view.select(annotation.start, annotation.end)
        self._update_selection_status()
        self.refresh_bindings()

    def end_adjusting(self) -> None:
        self._adjusting = None
        self._view.clear_selection()
        self._update_selection_status()
        self.refresh_bindings()

    def watch_wrap(self, wrap: bool) -> None:
        self._view.wrap = wrap

    def watch_line_numbers(self, line_numbers: bool) -> None:
        self._view.line_numbers = line_numbers

    # ------------------------------------------------------------------ composition

    def compose(self) -> ComposeResult:
        yield self._view  # the search bar is mounted under it when first opened
        yield self._status_line

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        # To the app itself, not bubbling: `Closed` must arrive after the pane has left its parent.
        self.app.post_message(self.Opened(self))
        if not self.still_loading:
            return
        leader, self._leader = self._leader, None
        if leader is not None and leader.is_attached and leader.still_loading:
            leader._followers.append(self)
        elif leader is not None and leader.is_attached and leader.loaded_document is not None:
            self._finish_loading(leader.loaded_document, leader.view.line_index)
        else:
            # After the first frame: a thread decoding beside it would make it wait.
            self.call_after_refresh(self._load_rest)

    # ------------------------------------------------------------------ loading the rest

    def load_with(self, leader: DocumentPane) -> None:
        """Before mounting: take the whole document from `leader`, another view of it reading
        it already, rather than read it again (a second copy of a text of a hundred megabytes,
        it can be); if `leader` closes first, this view reads it itself."""
        self._leader = leader

    def _hand_over_loading(self) -> None:
        """This view closed while others waited for its reading: they read for themselves."""
        followers, self._followers = self._followers, []
        for follower in followers:
            if follower.is_attached and follower.still_loading:
                follower.call_after_refresh(follower._load_rest)

    @work(thread=True, exclusive=True, group="document-pane-load", exit_on_error=False)
    def _load_rest(self) -> None:
        """Read the whole document (the head is shown meanwhile), index its lines, and hand
        both to the pane; progress goes to the status line."""
        import time

        from reader.core.allocator import return_large_blocks
        from reader.formats.base import DocumentError, load_document

        # Reading it makes and frees a block a megabyte each: they must not stay in the heap.
        return_large_blocks()

        worker = get_current_worker()
        told = 0.0

        def let_the_app_run() -> None:
            # A thread decoding or indexing holds the interpreter until it is made to switch
            # (every 5 ms), each time the app's thread asks for it back: a key then takes
            # ten times as long. Stepping aside after each chunk keeps keys quick.
            time.sleep(0)

        def progress(done: int, total: int) -> None:
            nonlocal told
            let_the_app_run()
            fraction = done / max(1, total)
            if fraction - told >= _PROGRESS_STEP:
                told = fraction
                self.post_message(self.LoadProgress(fraction))

        try:
            # Spooled: a huge text is kept in a temporary file and read as it is shown, so it
            # costs its line index in memory, not 45 MB of characters.
            document = load_document(
                self._document.path, progress=progress, cancelled=lambda: worker.is_cancelled,
                spool=True,
            )
        except DocumentError as error:
            reason = str(error)
        except Exception as error:  # a loader bug must not leave the pane loading forever
            reason = f"unexpected {type(error).__name__}: {error}"
        else:
            # Indexed here, not on the app's thread: 22 MB of line starts take 70 ms or more.
            index = LineIndex.of(document.text, pause=let_the_app_run)
            if not worker.is_cancelled:
                self.app.call_from_thread(self._finish_loading, document, index)
            return
        if not worker.is_cancelled:
            self.app.post_message(self.LoadFailed(self, reason))

    @on(LoadProgress)
    def _load_progressed(self, event: LoadProgress) -> None:
        event.stop()
        if self._loaded_fraction is not None:
            self._loaded_fraction = max(self._loaded_fraction, event.fraction)
            self._show_position()
            if self._search_count[0].startswith("searching…"):
                text = self._searching_text()
                self._status_line.set("search", text)
                self._search_count = (text, False)
                self._show_search_count()

    def _finish_loading(self, document: LoadedDocument, index: LineIndex) -> None:
        if not self.is_attached or self._loaded_fraction is None:
            return
        self._document = document
        self._loaded_fraction = None
        self._file_signature = self._reported_signature = document.signature
        self._status_line.set("title", document.title or "untitled")
        self._status_line.set("encoding", document.encoding or "")
        self._place_marks = -1
        self._view.finish_loading(document.text, index)  # (which posts where the cursor is)
        self._show_position()
        self._update_place()
        self.app.post_message(self.Loaded(self))
        followers, self._followers = self._followers, []
        for follower in followers:
            follower._finish_loading(document, index)

    def on_unmount(self) -> None:
        self._hand_over_loading()
        # The signal keeps its subscribers' callbacks, which hold the pane: unsubscribed, a
        # closed document (its whole text) is let go.
        self.app.theme_changed_signal.unsubscribe(self)
        self.app.post_message(self.Closed(self))

    def _position_text(self, line: int, column: int, percent: float | None = None) -> str:
        """Line:column and how far into the document, or, while the rest of it is read (where
        the cursor is in the whole is not known yet), how much of it is read; actions waiting
        for it are counted."""
        if self._loaded_fraction is not None:
            waiting = self._view.waiting
            waits = f", {waiting} waiting" if waiting else ""
            return f"{line + 1}:{column + 1}  loading {self._loaded_fraction * 100:.0f}%…{waits}"
        if percent is None:
            percent = self._view.percent
        return f"{line + 1}:{column + 1}  {percent:3.0f}%"

    def _show_position(self) -> None:
        line, column = self._view.cursor_location
        self._status_line.set("position", self._position_text(line, column))

    @on(DocumentView.Waiting)
    def _action_waiting(self, event: DocumentView.Waiting) -> None:
        event.stop()  # (the status line is all it changes: nothing above the pane needs it)
        self._show_position()

    @on(DocumentView.CursorMoved)
    def _cursor_moved(self, event: DocumentView.CursorMoved) -> None:
        self._status_line.set(
            "position", self._position_text(event.line, event.column, event.percent)
        )
        self._update_place()
        if self._adjusting is not None and not self._view.selecting:
            # Escape dropped the selection: the span stays as it was, the cursor goes back.
            self._adjusting = None
            self.refresh_bindings()
            self._view.move_cursor(self._adjust_cursor)
        self._update_selection_status()
        self._update_tags_status()

    def _update_place(self) -> None:
        """The page and section at the cursor, worked out again only when the cursor has passed
        a structure mark (they depend on nothing else): not on every key."""
        structure = self._document.structure
        offset = self._view.cursor_offset
        marks = bisect_right(structure, offset, key=lambda mark: mark.offset)
        if marks != self._place_marks:
            self._place_marks = marks
            self._status_line.set("place", place_text(structure, offset, self._document.title))

    # ------------------------------------------------------------------ coding keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_search" and self.has_class("-searching"):
            return False  # a "/" typed in the search field is text
        if action == "save_adjusted":
            return self._adjusting is not None
        if action in _NOT_WHILE_ADJUSTING and self._adjusting is not None:
            return False  # the selection is the passage's new span, not a new passage
        return True

    def _request(self, request: Callable[[], DocumentPane.CodingRequested]) -> None:
        """Post the coding key's request once the motions pressed before it, waiting for the
        rest of the document maybe (`G` then `1`), have moved the cursor: it records the
        selection and cursor the key was pressed on, not those from before them."""

        def post() -> None:
            self.post_message(request())

        if not self._view.when_in_turn(post):
            self.notify_still_loading()

    def notify_still_loading(self) -> None:
        """Say that what a key asked for is done once the document is read."""
        self.app.notify(
            f"{printable(self._document.path.name)} is still loading "
            f"({self.loaded_fraction * 100:.0f}%): this is done once it is loaded.",
            timeout=3,
        )

    def action_tag_slot(self, slot: int) -> None:
        self._request(lambda: self.TagRequested(self, slot))

    def action_pick_tags(self) -> None:
        self._request(lambda: self.TagPickRequested(self))

    def action_repeat_tags(self) -> None:
        self._request(lambda: self.RepeatTagsRequested(self))

    def action_memo(self) -> None:
        self._request(lambda: self.MemoRequested(self))

    def action_adjust(self) -> None:
        self._request(lambda: self.AdjustRequested(self))

    def action_save_adjusted(self) -> None:
        adjusting = self._adjusting
        if adjusting is not None:
            self._request(lambda: self.AdjustedSaveRequested(self, adjusting))

    def action_delete_annotation(self) -> None:
        self._request(lambda: self.DeleteRequested(self))

    def action_copy(self) -> None:
        self._request(lambda: self.CopyRequested(self))

    def action_next_annotation(self) -> None:
        self._request(lambda: self.StepRequested(self, forward=True))

    def action_previous_annotation(self) -> None:
        self._request(lambda: self.StepRequested(self, forward=False))

    # ------------------------------------------------------------------ search

    async def action_open_search(self) -> None:
        bar = await self._ensure_search_bar()
        focused = self.screen.focused
        self._restore_focus = focused if focused is not None and focused is not bar.input else None
        if not self.has_class("-searching"):
            self._before_search = (self._view.search_result, self._view.current_match)
        self.add_class("-searching")
        # At once, not after the next refresh (`focus()`): the keys typed after `/` are
        # queued behind this action and must land in the field.
        self.screen.set_focus(bar.input)

    async def _ensure_search_bar(self) -> SearchBar:
        """The search bar, mounted the first time it is needed (most panes are never searched).

        Keys typed meanwhile wait: `/` is a priority binding, run by the app's own message
        loop, which takes the next key only once this action is done.
        """
        from reader.ui.widgets.search_bar import SearchBar  # (see `search_bar`)

        try:
            return self.search_bar
        except NoMatches:
            bar = SearchBar()
            await self.mount(bar, after=self._view)
            self._show_search_count()
            return bar

    def _close_search(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self.remove_class("-searching")
        target = self._restore_focus
        self._restore_focus = None
        if target is None or not target.is_attached:
            target = self._view
        target.focus()

    def on_search_bar_changed(self, event: SearchBar.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        query = event.query
        self._search_timer = self.set_timer(
            _INCREMENTAL_DELAY, lambda: self._view.search(query, jump=False)
        )

    def on_search_bar_submitted(self, event: SearchBar.Submitted) -> None:
        event.stop()
        self._close_search()
        self._view.search(event.query, jump=True)

    def on_search_bar_cancelled(self, event: SearchBar.Cancelled) -> None:
        event.stop()
        self._close_search()
        # Put back the search (and its current match) in force before the bar opened.
        self._view.restore_search(*self._before_search)

    @on(DocumentView.SearchChanged)
    def _search_changed(self, event: DocumentView.SearchChanged) -> None:
        if event.error is not None:
            text = event.error
        elif event.searching:
            text = self._searching_text()
        elif event.result is None:
            text = ""
        elif not event.result:
            text = "no matches"
        elif event.current is None:
            text = f"{event.result.count_label} matches"
        else:
            text = f"{event.current + 1}/{event.result.count_label} matches"
            if event.wrapped:
                text += " (wrapped)"
        self._status_line.set("search", text, alert=event.error is not None)
        self._search_count = (text, event.error is not None)
        self._show_search_count()

    def _searching_text(self) -> str:
        """What a search under way shows: while the document loads (it waits for all of it),
        how far that is, here too, since the open search bar hides the status line."""
        if self._loaded_fraction is None:
            return "searching…"
        return f"searching… (loading {self._loaded_fraction * 100:.0f}%)"

    def _show_search_count(self) -> None:
        text, error = self._search_count
        for count in self.query("#search-count").results(Static):  # (once the bar exists)
            count.update(Content(printable(text)))
            count.set_class(error, "-error")
