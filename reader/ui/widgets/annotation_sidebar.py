"""The annotation sidebar: the focused document's passages with tags and memos, filterable.

Also the few points where the review widgets meet the app's store (`store_snapshot`,
`store_service`, `submit_change`): every review screen goes through them. The store reaches them
through the app's `StoreFeed` (reader.ui.store_feed), which pushes each new snapshot. A passage
chosen here is shown by the app, asked with a `PassageRequested` message
(reader.ui.review_messages); the document the sidebar lists comes from the `DocumentFocus` it
is given (the reading screen's workspace).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from reader.core.codebook import Codebook
from reader.core.models import Annotation
from reader.core.review import (
    SidebarFilter,
    codebook_entries,
    document_for_path,
    filter_annotations,
    shorten,
    tag_and_descendants,
)
from reader.core.row_geometry import visual_label
from reader.ui.review_messages import PassageRequested
from reader.ui.store_feed import store_feed

if TYPE_CHECKING:
    from textual.app import App

    from reader.core.store import AnnotationStore
    from reader.ui.store_service import AnnotationService, StoreSnapshot
    from reader.ui.widgets.document_pane import DocumentPane

T = TypeVar("T")

SWATCH = "\u25a0"  # ■, drawn in the tag's colour; the name beside it carries the meaning


# ---------------------------------------------------------------------------- the app, as seen here


def store_service(app: App[Any]) -> AnnotationService | None:
    """The app's store service, None while it has none (it starts after the first frame)."""
    feed = store_feed(app)
    return feed.service if feed is not None else None


def store_snapshot(app: App[Any]) -> StoreSnapshot | None:
    """The newest snapshot of the annotation store, or None before the first one.

    For the moment a screen opens; from then on it `follow`s the feed, which pushes each new
    snapshot (changes made here and by other processes alike).
    """
    feed = store_feed(app)
    return feed.snapshot if feed is not None else None


def document_annotations(
    app: App[Any], snapshot: StoreSnapshot, document_id: str | None
) -> tuple[Annotation, ...]:
    """The document's passages, with changes still on their way to the store if the app has any."""
    feed = store_feed(app)
    if feed is None:
        return snapshot.annotations_of(document_id)
    return feed.annotations_of(snapshot, document_id)


def submit_change(
    app: App[Any],
    run: Callable[[AnnotationStore], T],
    *,
    label: str | None,
    on_error: Callable[[str], None] | None = None,
) -> bool:
    """Queue a store job on the app's service; False (and a message) if there is no service."""
    feed = store_feed(app)
    if feed is None or feed.service is None:
        app.notify("The annotation database is not open.", severity="error")
        return False
    feed.service.submit(run, label=label, on_error=on_error)
    if label is not None:
        feed.submitted()  # (the app's panes say "saving…" until the change is written)
    return True


def tag_swatch(colour: str) -> Content:
    """A small square in the tag's colour (just a square where colours are off)."""
    return Content.styled(SWATCH, colour)


def tag_label(path: str, colour: str | None) -> Content:
    """A tag as shown everywhere: a coloured square and its name in the ordinary text colour."""
    name = Content(visual_label(path))
    if colour is None:
        return name
    return Content.assemble(tag_swatch(colour), " ", name)


# ---------------------------------------------------------------------------- the sidebar


class DocumentFocus(Protocol):
    """Where the sidebar finds the document it lists, and gives the keyboard back to it: the
    reading screen's `Workspace`."""

    @property
    def active_document(self) -> DocumentPane | None: ...

    def focus_document(self) -> None: ...


def annotation_prompt(
    annotation: Annotation, codebook: Codebook, width: int = 200, page: str = ""
) -> Content:
    """Quote (shortened, after its page where the document has pages), tags and memo of one
    passage, as an option's lines."""
    quote = Content(visual_label(shorten(annotation.quote, width)))
    if page:
        quote = Content.assemble(Content.styled(f"p. {visual_label(page)}  ", "$text-muted"), quote)
    if annotation.needs_reanchor:
        quote = Content.assemble(Content.styled("moved? ", "bold $warning"), quote)
    lines = [quote]
    tags = [
        tag_label(codebook.path(tag_id), codebook.get(tag_id).colour)
        for tag_id in annotation.tags
        if tag_id in codebook
    ]
    if tags:
        lines.append(Content("  ").join(tags))
    if annotation.memo.strip():
        memo = visual_label(shorten(annotation.memo, width))
        lines.append(
            Content.styled("memo: ", "italic $text-muted") + Content.styled(memo, "italic")
        )
    return Content("\n").join(lines)


class AnnotationSidebar(Vertical, can_focus=False):
    """The focused document's annotations in document order; `enter` jumps to one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f",
            "focus_filter",
            "Filter",
            id="sidebar.filter",
            tooltip="Filter the passages by words in quotes and memos (tab: by tag)",
        ),
        Binding(
            "escape",
            "leave",
            "Back",
            id="sidebar.leave",
            tooltip="From the filter back to the list; from the list back to the document",
        ),
    ]

    ANY_TAG = "__any__"

    def __init__(
        self,
        *,
        documents: DocumentFocus | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        # Disabled while hidden, so nothing in it takes the keyboard before it is shown.
        super().__init__(id=id, classes=classes, disabled=True)
        self.documents = documents
        """The active document's pane and focus (None: no document is ever focused)."""
        self.snapshot: StoreSnapshot | None = None
        self.document_id: str | None = None
        self.shown: list[Annotation] = []
        self._drawn_key: object = None
        self._tag_options: tuple[tuple[str, str], ...] = ()
        self._followed: int | None = None
        self._built = False  # the parts are mounted the first time the sidebar is shown

    def compose(self) -> ComposeResult:
        # Nothing until first shown: mounting an Input, a Select and an OptionList (and parsing
        # their CSS) cost ~40 ms of every start-up for a sidebar most sessions never open.
        return iter(())

    def _parts(self) -> ComposeResult:
        yield Static(Content("Annotations"), id="sidebar-title")
        yield Input(placeholder="f: filter quotes and memos", id="sidebar-filter", compact=True)
        yield Select[str](
            [], prompt="any tag", allow_blank=True, id="sidebar-tag", type_to_search=True,
            compact=True,
        )
        yield Static("", id="sidebar-empty")  # above the list, which takes the rest
        yield OptionList(id="sidebar-list")

    def on_mount(self) -> None:
        feed = store_feed(self.app)
        if feed is not None:
            feed.follow(self, self._published)

    def _published(self, _snapshot: StoreSnapshot) -> None:
        self.catch_up()

    # ------------------------------------------------------------------ state in

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#sidebar-list", OptionList)

    @property
    def selection(self) -> SidebarFilter:
        """The filter as the inputs set it."""
        text = self.query_one("#sidebar-filter", Input).value
        value = self.query_one("#sidebar-tag", Select).value
        tag_ids: frozenset[str] | None = None
        if isinstance(value, str) and self.snapshot is not None:
            if value in self.snapshot.codebook:
                tag_ids = tag_and_descendants(self.snapshot.codebook, value)
            else:
                tag_ids = frozenset({value})
        return SidebarFilter(tag_ids, text)

    def catch_up(self) -> None:
        """Catch up with the store's snapshot, the active document and its cursor, if any of
        them changed (called with each new snapshot, and by the screen when the active
        document or its cursor moves)."""
        if not self.display or not self._built:
            return
        snapshot = store_snapshot(self.app)
        if snapshot is None:
            return
        self.update_snapshot(snapshot, self._focused_document_id(snapshot))
        self.follow_cursor()

    def _active_pane(self) -> DocumentPane | None:
        return self.documents.active_document if self.documents is not None else None

    def _focused_document_id(self, snapshot: StoreSnapshot) -> str | None:
        """The store id of the document shown in the active pane (found by its path while the
        pane's registration is still on its way)."""
        pane = self._active_pane()
        if pane is None:
            return None
        if pane.document_id:
            return pane.document_id
        document = document_for_path(snapshot.documents, str(pane.document.path))
        return document.id if document is not None else None

    def follow_cursor(self) -> None:
        """Highlight the passage at the document's cursor (unless the keyboard is in here)."""
        if not self._built:
            return
        pane = self._active_pane()
        if pane is None:
            return
        offset = pane.cursor_offset
        if offset == self._followed or self.has_focus_within:
            return
        self._followed = offset
        for index, annotation in enumerate(self.shown):
            if annotation.start <= offset < max(annotation.end, annotation.start + 1):
                self.option_list.highlighted = index
                return

    def update_snapshot(self, snapshot: StoreSnapshot, document_id: str | None) -> None:
        """Show `document_id`'s passages as `snapshot` has them (cheap when nothing changed)."""
        self.snapshot = snapshot
        self.document_id = document_id
        self._update_tag_options(snapshot.codebook)
        self.refresh_list()

    def refresh_list(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        annotations = document_annotations(self.app, snapshot, self.document_id)
        selection = self.selection
        tags = tuple(snapshot.codebook)
        key = (self.document_id, annotations, tags, selection)
        if key == self._drawn_key:
            return
        self._drawn_key = key
        shown = filter_annotations(annotations, selection)
        option_list = self.option_list
        highlighted = option_list.highlighted_option
        keep = highlighted.id if highlighted is not None else None
        self.shown = shown
        options: list[Option | None] = []
        page_of = self._page_finder(snapshot)
        for annotation in shown:
            prompt = annotation_prompt(annotation, snapshot.codebook, page=page_of(annotation))
            options += [Option(prompt, id=annotation.id), None]  # a rule between passages
        option_list.set_options(options[:-1])
        ids = [annotation.id for annotation in shown]
        if keep in ids:
            option_list.highlighted = ids.index(keep)
        elif shown:
            option_list.highlighted = 0
        self._update_title(len(shown), len(annotations), selection)

    def _page_finder(self, snapshot: StoreSnapshot) -> Callable[[Annotation], str]:
        """The page each passage of the shown document starts on ("" without pages)."""
        service = store_service(self.app)
        document = snapshot.documents.get(self.document_id or "")
        if document is None or service is None:
            return lambda annotation: ""
        structures = service.structures
        return lambda annotation: structures.page(document.sha256, annotation.start)

    def _update_title(self, shown: int, total: int, selection: SidebarFilter) -> None:
        count = f"{shown} of {total}" if selection.active else f"{total}"
        self.query_one("#sidebar-title", Static).update(
            Content.assemble(Content.styled("Annotations", "bold"), f"  {count}")
        )
        empty = self.query_one("#sidebar-empty", Static)
        if self.document_id is None:
            message = "No document with annotations is focused."
        elif total == 0:
            message = "No annotations in this document yet."
        elif shown == 0:
            message = "No passage matches the filter."
        else:
            message = ""
        empty.update(Content(message))
        empty.display = bool(message)

    def _update_tag_options(self, codebook: Codebook) -> None:
        options = tuple(
            (entry.tag.id, "  " * entry.depth + entry.tag.name)
            for entry in codebook_entries(codebook, {})
        )
        if options == self._tag_options:
            return
        self._tag_options = options
        select = self.query_one("#sidebar-tag", Select)
        current = select.value
        with select.prevent(Select.Changed):
            select.set_options((Content(visual_label(name)), tag_id) for tag_id, name in options)
            if isinstance(current, str) and current in codebook:
                select.value = current

    # ------------------------------------------------------------------ events

    @on(Input.Changed, "#sidebar-filter")
    def _filter_typed(self, _event: Input.Changed) -> None:
        self.refresh_list()

    @on(Input.Submitted, "#sidebar-filter")
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        self.option_list.focus()

    @on(Select.Changed, "#sidebar-tag")
    def _tag_chosen(self, _event: Select.Changed) -> None:
        self.refresh_list()

    @on(OptionList.OptionSelected, "#sidebar-list")
    def _passage_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        for annotation in self.shown:
            if annotation.id == event.option_id:
                self.post_message(
                    PassageRequested(annotation.document, annotation.start, annotation.end)
                )
                return

    def action_focus_filter(self) -> None:
        self.query_one("#sidebar-filter", Input).focus()

    def action_leave(self) -> None:
        focused = self.app.focused
        if focused is not None and focused is not self.option_list and focused in self.query("*"):
            self.option_list.focus()
            return
        self._focus_document()

    def _focus_document(self) -> None:
        if self.documents is not None:
            self.documents.focus_document()
        else:
            self.screen.focus_next()

    def highlighted_tag(self) -> str | None:
        """The first tag of the highlighted passage, if the sidebar is shown."""
        if not self.display or not self._built:
            return None
        highlighted = self.option_list.highlighted_option
        for annotation in self.shown:
            if highlighted is not None and annotation.id == highlighted.id and annotation.tags:
                return annotation.tags[0]
        return None

    # ------------------------------------------------------------------ shown or not

    def reveal(self) -> None:
        """Show the sidebar with the keyboard on its list."""
        self.display = True
        self.disabled = False
        if not self._built:
            mounted = self.mount_all(self._parts())

            async def built() -> None:
                await mounted
                self._built = True
                self._revealed()

            self.call_later(built)
            return
        self._revealed()

    def _revealed(self) -> None:
        self.catch_up()
        # Once laid out: a widget that was not displayed cannot take the keyboard yet.
        self.call_after_refresh(self.option_list.focus)

    def conceal(self) -> None:
        """Hide the sidebar, giving the keyboard back to the document if the sidebar had it."""
        had_focus = self.has_focus_within
        self.display = False
        self.disabled = True
        if had_focus:
            self._focus_document()

    def toggle(self) -> None:
        """Hidden: show and focus. Shown without the keyboard: focus. Focused: hide."""
        if not self.display:
            self.reveal()
        elif not self._built:
            return  # still being put together after the first reveal
        elif not self.has_focus_within:
            self.option_list.focus()
        else:
            self.conceal()
