"""The workspace: document panes side by side or stacked, each pane a set of document tabs."""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Container
from textual.content import Content
from textual.css.query import NoMatches
from textual.events import Click, DescendantFocus
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from reader.core.display import printable
from reader.core.row_geometry import visual_label
from reader.session import DocumentState, Layout, PaneState

if TYPE_CHECKING:
    from reader.formats.base import DocumentHead, LoadedDocument
    from reader.ui.widgets.document_pane import DocumentPane

TITLE_LIMIT = 32
EMPTY_HINT = "No document open.  ctrl+o opens one, ctrl+p lists every command."
LOADING_HINT = "Opening documents…"


def _json_safe(view: dict[str, Any]) -> dict[str, Any]:
    """A view state as plain JSON data, whatever the document pane put in it."""
    try:
        return dict(json.loads(json.dumps(view, default=str)))
    except (TypeError, ValueError):
        return {}


def tab_label(title: str) -> Content:
    """A document title as a tab label: plain text, controls made visible, long ones shortened."""
    text = printable(title) or "untitled"
    if len(text) > TITLE_LIMIT:
        text = text[: TITLE_LIMIT - 1] + "…"
    return Content(visual_label(text))  # shortened in logical order, then put in visual order


class DocumentTab(Widget):
    """One tab: a document pane, plus the saved position it should show when first displayed.

    A tab that has never been shown has no size, so its scroll position cannot be restored
    until it is activated; until then `pending_state` holds it (and is what a save records).
    """

    def __init__(self, pane: DocumentPane, *, id: str, pending_state: dict[str, Any] | None):
        super().__init__(pane, id=id)
        self.document_pane = pane
        self.pending_state = pending_state

    @property
    def label(self) -> Content:
        """What the tab strip shows for this tab."""
        return tab_label(self.document_pane.document.title)

    def position(self) -> tuple[int, dict[str, Any]]:
        """The cursor offset and view state to save for this tab."""
        if self.pending_state is not None:
            return int(self.pending_state.get("cursor", 0)), dict(
                self.pending_state.get("view", {})
            )
        # (The cursor the view state gives: while a session's place waits for the rest of the
        # document, that place rather than the start the view shows meanwhile.)
        view = self.document_pane.scroll_state()
        return int(view.get("cursor", self.document_pane.cursor_offset)), view

    def apply_pending_state(self, attempts: int = 5) -> None:
        """Put the cursor and scroll where the session left them (once the tab has a size).

        The view lays itself out when it first gets a size, which can come a frame after the tab
        is shown; until then a scroll position is ignored. So the state is applied, checked after
        the next refresh, and applied again (a few times at most) until it holds.
        """
        state = self.pending_state
        if state is None:
            return
        pane = self.document_pane
        if attempts > 0 and pane.view.scrollable_content_region.width <= 0:
            self.call_after_refresh(self.apply_pending_state, attempts - 1)
            return
        self.pending_state = None
        cursor = max(0, int(state.get("cursor", 0)))
        if not pane.still_loading:  # (while it loads, a cursor further on is placed once loaded)
            cursor = min(cursor, len(pane.document.text))
        view = dict(state.get("view") or {})
        if "cursor" not in view:
            pane.cursor_offset = cursor
        if view:
            pane.restore_state(view)
        if view and attempts > 0:
            self.call_after_refresh(self._confirm_state, view, attempts - 1)

    def _confirm_state(self, view: dict[str, Any], attempts: int) -> None:
        if not self.is_mounted or self.pending_state is not None:
            return
        current = self.document_pane.scroll_state()
        if any(current.get(key) != value for key, value in view.items()) and attempts > 0:
            self.document_pane.restore_state(view)
            self.call_after_refresh(self._confirm_state, view, attempts - 1)


class TabStrip(Widget):
    """A pane's tab titles on one line; a click on a title shows that document.

    One widget drawing every title, rather than a widget per tab: Textual's `TabbedContent`
    (a widget per tab, an animated underline, a content switcher) cost about a sixth of
    start-up before the first document could be painted.
    """

    SEPARATOR = " │ "

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # x range of each shown title, tab id

    def render(self) -> Content:
        pane = self.parent
        if not isinstance(pane, PaneTabs):
            return Content("")
        tabs = pane.tabs
        active_tab = pane.active_tab
        active = tabs.index(active_tab) if active_tab in tabs else -1
        labels = [(tab.id or "", tab.label) for tab in tabs]
        first = self._first_shown(labels, max(active, 0))
        # (Plain styles and opaque theme colours: a translucent colour such as $text-muted has
        # nothing to blend with inside a text span and comes out white.)
        active_style = "bold underline $accent" if pane.has_class("-active") else "bold underline"
        parts: list[str | Content | tuple[str, str]] = []
        self._spans = []
        x = 0
        if first > 0:
            parts.append(("‹ ", "dim"))
            x += 2
        for index, (tab_id, label) in enumerate(labels[first:], start=first):
            if index > first:
                parts.append((self.SEPARATOR, "dim"))
                x += len(self.SEPARATOR)
            parts.append(label.stylize(active_style if index == active else "dim"))
            self._spans.append((x, x + label.cell_length, tab_id))
            x += label.cell_length
        strip = Content.assemble(" ", *parts)
        width = self.size.width
        if width > 2 and strip.cell_length > width:
            # More titles to the right than fit: cut, and say so.
            strip = strip.truncate(width - 2) + Content(" ›").stylize("dim")
            self._spans = [(start, min(end, width - 3), tab) for start, end, tab in self._spans
                           if start < width - 3]
        return strip

    def _first_shown(self, labels: list[tuple[str, Content]], active: int) -> int:
        """The first title to draw, so that the active one fits in the strip's width (beside
        the › that marks titles cut off on the right, if there are any)."""
        width = self.size.width - 1 - (2 if active < len(labels) - 1 else 0)
        if width <= 0:
            return 0
        first = 0
        while first < active:
            shown = labels[first : active + 1]
            needed = sum(label.cell_length for _, label in shown)
            needed += len(self.SEPARATOR) * (len(shown) - 1) + (2 if first else 0)
            if needed <= width:
                break
            first += 1
        return first

    def tab_at(self, x: int) -> str | None:
        """The id of the tab whose title is drawn at column `x`, if any."""
        x -= 1  # the leading space
        for start, end, tab_id in self._spans:
            if start <= x < end:
                return tab_id
        return None

    def on_click(self, event: Click) -> None:
        pane = self.parent
        if not isinstance(pane, PaneTabs):
            return
        tab_id = self.tab_at(event.x)
        if tab_id is not None:
            pane.active = tab_id
        workspace = pane.parent
        if isinstance(workspace, Workspace):
            workspace.pane_clicked(pane)


class PaneTabs(Widget):
    """A pane of the workspace: its documents as tabs, one shown at a time."""

    class TabActivated(Message):
        """`tab` is now the document shown in `pane_tabs`."""

        def __init__(self, pane_tabs: PaneTabs, tab: DocumentTab) -> None:
            super().__init__()
            self.pane_tabs = pane_tabs
            self.tab = tab

    def __init__(self, *tabs: DocumentTab, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._initial_tabs = list(tabs)
        self._active_id: str | None = tabs[0].id if tabs else None
        self.strip = TabStrip()

    def compose(self) -> ComposeResult:
        yield self.strip
        for tab in self._initial_tabs:
            tab.display = tab.id == self._active_id
            yield tab

    def on_mount(self) -> None:
        self._initial_tabs = []
        active = self.active_tab
        if active is not None:
            self._shown(active)

    @property
    def tabs(self) -> list[DocumentTab]:
        """The document tabs in the order the tab strip shows them."""
        if self._initial_tabs:  # not composed yet
            return list(self._initial_tabs)
        return list(self.query_children(DocumentTab).results(DocumentTab))

    @property
    def active(self) -> str:
        """The id of the tab shown (empty if none); set it to show another tab."""
        return self._active_id or ""

    @active.setter
    def active(self, tab_id: str) -> None:
        tab = next((tab for tab in self.tabs if tab.id == tab_id), None)
        if tab is None or tab_id == self._active_id:
            return
        self._active_id = tab_id
        for other in self.tabs:
            other.display = other is tab
        self.refresh_strip()
        self._shown(tab)

    @property
    def active_tab(self) -> DocumentTab | None:
        return next((tab for tab in self.tabs if tab.id == self._active_id), None)

    async def add_tab(self, tab: DocumentTab, *, before: DocumentTab | None = None) -> None:
        """Add `tab` (hidden unless it is the pane's first)."""
        tab.display = False
        if before is not None and before in self.tabs:
            await self.mount(tab, before=before)
        else:
            await self.mount(tab)
        if self._active_id is None:
            self.active = tab.id or ""
        self.refresh_strip()

    async def remove_tab(self, tab_id: str) -> None:
        """Remove a tab; if it was shown, its right-hand neighbour (else the left) is shown."""
        tabs = self.tabs
        tab = next((tab for tab in tabs if tab.id == tab_id), None)
        if tab is None:
            return
        index = tabs.index(tab)
        rest = [other for other in tabs if other is not tab]
        await tab.remove()
        # Textual caches the list of children shown and renews it only when next asked: asked
        # now, so the removed tab (and its document's whole text) is not held until then.
        self.displayed_children  # noqa: B018
        if tab_id == self._active_id:
            self._active_id = None
            if rest:
                self.active = rest[min(index, len(rest) - 1)].id or ""
        self.refresh_strip()

    def refresh_strip(self) -> None:
        if self.strip.is_mounted:
            self.strip.refresh()

    def _shown(self, tab: DocumentTab) -> None:
        if tab.pending_state is not None:  # (it has a size from the next refresh on)
            self.call_after_refresh(tab.apply_pending_state)
        self.post_message(self.TabActivated(self, tab))


class Workspace(Container):
    """Holds the panes, knows which one is active, and moves documents between them."""

    layout_mode: reactive[Layout] = reactive("horizontal")

    class Changed(Message):
        """Panes, tabs or the active document changed (worth saving the session)."""

    def __init__(
        self,
        *,
        id: str | None = None,
        wrap: bool = True,
        line_numbers: bool = False,
        layout: Layout = "horizontal",
        first: tuple[LoadedDocument | DocumentHead, dict[str, Any] | None] | None = None,
    ) -> None:
        super().__init__(id=id, classes="-stacked" if layout == "vertical" else "")
        self.set_reactive(Workspace.layout_mode, layout)
        self._active: PaneTabs | None = None
        self._tab_counter = 0
        self.wrap = wrap
        self.line_numbers = line_numbers
        self._first = first
        self._hint_text = EMPTY_HINT
        # Only weakly: once closed, the first document (a text of a hundred megabytes, it can
        # be) must not be kept for the rest of the run.
        self._initial_tab: weakref.ref[DocumentTab] | None = None

    @property
    def initial_tab(self) -> DocumentTab | None:
        """The tab composed with the workspace, so the first frame already shows a document
        (None once it is closed)."""
        tab = self._initial_tab() if self._initial_tab is not None else None
        if tab is None or (self.is_mounted and not tab.is_attached):
            return None
        return tab

    def compose(self) -> ComposeResult:
        if self._first is None:
            yield self._new_hint()
        else:
            (document, state), self._first = self._first, None
            tab = self._make_tab(document, state)
            self._initial_tab = weakref.ref(tab)
            pane = PaneTabs(tab, classes="-active")
            self._active = pane
            yield pane

    def on_mount(self) -> None:
        tab = self.initial_tab
        if tab is not None:
            self.focus_document(tab)
        self._update_pane_classes()

    # ---- what is there -------------------------------------------------------------------------

    @property
    def panes(self) -> list[PaneTabs]:
        return list(self.query_children(PaneTabs).results(PaneTabs))

    @property
    def active_pane(self) -> PaneTabs | None:
        panes = self.panes
        if self._active in panes:
            return self._active
        return panes[0] if panes else None

    @property
    def active_tab(self) -> DocumentTab | None:
        pane = self.active_pane
        return pane.active_tab if pane else None

    @property
    def active_document(self) -> DocumentPane | None:
        tab = self.active_tab
        return tab.document_pane if tab else None

    def document_panes(self) -> Iterator[DocumentPane]:
        for pane in self.panes:
            for tab in pane.tabs:
                yield tab.document_pane

    def pane_states(self) -> tuple[list[PaneState], int]:
        """The panes as session data (empty ones left out) and the index of the active one."""
        states: list[PaneState] = []
        focused = 0
        active_pane = self.active_pane
        for pane in self.panes:
            documents: list[DocumentState] = []
            active = 0
            for index, tab in enumerate(pane.tabs):
                cursor, view = tab.position()
                path = str(tab.document_pane.document.path)
                documents.append(DocumentState(path, cursor, _json_safe(view)))
                if tab is pane.active_tab:
                    active = index
            if documents:
                if pane is active_pane:
                    focused = len(states)
                states.append(PaneState(documents, active))
        return states, focused

    @property
    def document_count(self) -> int:
        return sum(len(pane.tabs) for pane in self.panes)

    # ---- building ------------------------------------------------------------------------------

    async def add_pane(self, *, after: PaneTabs | None = None) -> PaneTabs:
        pane = PaneTabs()
        if after is not None and after in self.panes:
            await self.mount(pane, after=after)
        else:
            await self.mount(pane)
        if self._active is None:
            self._set_active(pane)
        self._update_pane_classes()
        return pane

    async def open_document(
        self,
        document: LoadedDocument | DocumentHead,
        *,
        pane: PaneTabs | None = None,
        state: dict[str, Any] | None = None,
        activate: bool = True,
        before: DocumentTab | None = None,
        loading_with: DocumentPane | None = None,
    ) -> DocumentTab:
        """Add a tab for `document` to `pane` (default: the active pane, made if needed); a
        document's head is shown while the tab's pane reads the rest (or, `loading_with`
        another view of it reading it already, takes that view's whole document)."""
        if pane is None:
            pane = self.active_pane or await self.add_pane()
        tab = self._make_tab(document, state)
        if loading_with is not None:
            tab.document_pane.load_with(loading_with)
        await pane.add_tab(tab, before=before)
        if activate or len(pane.tabs) == 1:
            pane.active = tab.id or ""
            if activate:
                self._set_active(pane)
                self.focus_document(tab)
        self._update_pane_classes()
        self._changed()
        return tab

    async def replace_document(self, tab: DocumentTab, document: LoadedDocument) -> DocumentTab:
        """Show `document` (a new version of the tab's file) in a new tab where `tab` was, the
        cursor before the same words as it was (else at the same offset), and drop `tab`."""
        pane = next((p for p in self.panes if tab in p.tabs), None)
        if pane is None:
            return tab
        from reader.core.anchors import follow_offset

        old = tab.document_pane
        had_focus = old.has_focus_within
        shown = pane.active_tab is tab
        cursor, _view = tab.position()
        state = {"cursor": follow_offset(old.document.text, document.text, cursor)}
        new = self._make_tab(document, state)
        await pane.add_tab(new, before=tab)
        new.document_pane.wrap = old.wrap
        new.document_pane.line_numbers = old.line_numbers
        if shown:
            pane.active = new.id or ""
        await pane.remove_tab(tab.id or "")
        if had_focus:
            self.focus_document(new)
        self._changed()
        return new

    def _make_tab(
        self, document: LoadedDocument | DocumentHead, state: dict[str, Any] | None
    ) -> DocumentTab:
        from reader.ui.widgets.document_pane import DocumentPane

        self._tab_counter += 1
        document_pane = DocumentPane(document, wrap=self.wrap, line_numbers=self.line_numbers)
        return DocumentTab(document_pane, id=f"doc-{self._tab_counter}", pending_state=state)

    def focus_document(self, tab: DocumentTab | None = None) -> None:
        """Give the keyboard to the document view in `tab` (default: the active tab)."""
        tab = tab or self.active_tab
        if tab is None:
            return
        try:
            self.screen.set_focus(tab.document_pane.view)
        except NoMatches:  # pragma: no cover - the pane is being torn down
            pass

    # ---- commands ------------------------------------------------------------------------------

    def select_tab(self, delta: int) -> bool:
        pane = self.active_pane
        if pane is None or len(pane.tabs) < 2:
            return False
        tabs = pane.tabs
        current = pane.active_tab
        index = tabs.index(current) if current in tabs else 0
        target = tabs[(index + delta) % len(tabs)]
        pane.active = target.id or ""
        self.focus_document(target)
        self._changed()
        return True

    def focus_pane(self, index: int) -> None:
        panes = self.panes
        if not panes:
            return
        pane = panes[max(0, min(index, len(panes) - 1))]
        self._set_active(pane)
        self.focus_document(pane.active_tab)

    async def close_tab(self) -> bool:
        """Close the active document; a pane left empty goes too."""
        pane = self.active_pane
        tab = self.active_tab
        if pane is None or tab is None:
            return False
        if len(pane.tabs) == 1:
            await self._remove_pane(pane)
        else:
            await pane.remove_tab(tab.id or "")
            self.focus_document(pane.active_tab)
        self._changed()
        return True

    async def close_document(self, document_pane: DocumentPane) -> None:
        """Close the tab showing `document_pane`; a pane left empty goes too."""
        for pane in self.panes:
            for tab in pane.tabs:
                if tab.document_pane is document_pane:
                    if len(pane.tabs) == 1:
                        await self._remove_pane(pane)
                    else:
                        await pane.remove_tab(tab.id or "")
                    self._update_pane_classes()
                    self._changed()
                    return

    async def close_pane(self) -> bool:
        """Close the active pane and every document in it, if another pane remains."""
        pane = self.active_pane
        if pane is None or len(self.panes) < 2:
            return False
        await self._remove_pane(pane)
        self._changed()
        return True

    async def split(self) -> bool:
        """Open a new pane beside the active one.

        With several documents in the active pane, the next one (the previous, from the last
        tab) moves into the new pane, so the document being read stays put and another appears
        beside it; a pane with one document gets a second view of it.
        """
        pane = self.active_pane
        tab = self.active_tab
        if pane is None or tab is None:
            return False
        tabs = pane.tabs
        if len(tabs) == 1:
            cursor, view = tab.position()
            new_pane = await self.add_pane(after=pane)
            source = tab.document_pane
            await self.open_document(
                source.document, pane=new_pane, state={"cursor": cursor, "view": view},
                loading_with=source if source.still_loading else None,
            )
            return True
        index = tabs.index(tab)
        neighbour = tabs[index + 1] if index + 1 < len(tabs) else tabs[index - 1]
        if self._refused_while_loading(neighbour):
            return False
        await self._move_into_new_pane(pane, neighbour)
        return True

    def _refused_while_loading(self, tab: DocumentTab) -> bool:
        """Whether `tab` is still loading, and so is not moved (with one line saying so): a
        moved tab is opened again from its head, and the rest being read, and the keys waiting
        for it, would be left behind with the old pane."""
        if not tab.document_pane.still_loading:
            return False
        title = printable(tab.document_pane.document.title) or "untitled"
        self.app.notify(
            f"{title} is still loading: move it once it is loaded.",
            severity="warning",
            markup=False,
            timeout=4,
        )
        return True

    async def _move_into_new_pane(self, pane: PaneTabs, tab: DocumentTab) -> None:
        cursor, view = tab.position()
        document = tab.document_pane.document
        new_pane = await self.add_pane(after=pane)
        await pane.remove_tab(tab.id or "")
        await self.open_document(document, pane=new_pane, state={"cursor": cursor, "view": view})

    async def move_to_other_pane(self) -> bool:
        """Move the active document to the next pane (made if there is only one)."""
        pane = self.active_pane
        tab = self.active_tab
        if pane is None or tab is None:
            return False
        if self._refused_while_loading(tab):
            return False
        panes = self.panes
        if len(panes) == 1:
            if len(pane.tabs) == 1:
                return False
            await self._move_into_new_pane(pane, tab)
            return True
        target = panes[(panes.index(pane) + 1) % len(panes)]
        cursor, view = tab.position()
        document = tab.document_pane.document
        if len(pane.tabs) == 1:
            await self._remove_pane(pane)
        else:
            await pane.remove_tab(tab.id or "")
        await self.open_document(document, pane=target, state={"cursor": cursor, "view": view})
        return True

    def toggle_layout(self) -> None:
        self.layout_mode = "vertical" if self.layout_mode == "horizontal" else "horizontal"

    def set_wrap(self, wrap: bool) -> None:
        self.wrap = wrap
        for document_pane in self.document_panes():
            document_pane.wrap = wrap
        self._changed()

    def set_line_numbers(self, line_numbers: bool) -> None:
        self.line_numbers = line_numbers
        for document_pane in self.document_panes():
            document_pane.line_numbers = line_numbers
        self._changed()

    # ---- internals -----------------------------------------------------------------------------

    def watch_layout_mode(self, layout: Layout) -> None:
        self.set_class(layout == "vertical", "-stacked")
        self._changed()

    async def _remove_pane(self, pane: PaneTabs) -> None:
        panes = self.panes
        index = panes.index(pane)
        remaining = [other for other in panes if other is not pane]
        await pane.remove()
        self._active = None
        if remaining:
            self.focus_pane(min(index, len(remaining) - 1))
        self._update_pane_classes()

    def _set_active(self, pane: PaneTabs) -> None:
        if self._active is pane:
            return
        self._active = pane
        for other in self.panes:
            other.set_class(other is pane, "-active")
            other.refresh_strip()

    @on(DescendantFocus)
    def _track_active_pane(self, event: DescendantFocus) -> None:
        for node in event.widget.ancestors_with_self:
            if isinstance(node, PaneTabs):
                if node is not self._active:
                    self._set_active(node)
                    self._changed()
                return

    @on(PaneTabs.TabActivated)
    def _tab_activated(self, event: PaneTabs.TabActivated) -> None:
        pane, tab = event.pane_tabs, event.tab
        if pane is self._active:
            # The previous tab's view is hidden now; keep the keyboard in this pane.
            focused = self.screen.focused
            if focused is None or pane in focused.ancestors_with_self:
                self.focus_document(tab)
        self._changed()

    def pane_clicked(self, pane: PaneTabs) -> None:
        """A click on a pane's tab strip gives the pane's document the keyboard."""
        self._set_active(pane)
        self.call_after_refresh(lambda: self.focus_document(pane.active_tab))

    def set_loading(self, loading: bool) -> None:
        """Say "opening" rather than "no document" while documents are still being read."""
        self._hint_text = LOADING_HINT if loading else EMPTY_HINT
        for hint in self.query_children("#empty-hint").results(Static):
            hint.update(Content(self._hint_text))

    def _new_hint(self) -> Static:
        """What an empty workspace says. Composed only without a first document, else mounted
        the first time the workspace is left empty: a widget the first frame would not show
        costs it its mounting and styling all the same."""
        return Static(Content(self._hint_text), id="empty-hint")

    def _update_pane_classes(self) -> None:
        """`-empty` on the workspace without panes; `-follows` on each pane after the first."""
        panes = self.panes
        if not panes and not self.query_children("#empty-hint"):
            self.mount(self._new_hint())
        self.set_class(not panes, "-empty")
        for index, pane in enumerate(panes):
            pane.set_class(index > 0, "-follows")

    def _changed(self) -> None:
        self.post_message(self.Changed())
