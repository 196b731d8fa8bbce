"""The reading screen: the workspace of document panes over a footer of the keys that apply now."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.events import Resize, ScreenResume
from textual.message import Message
from textual.screen import Screen

from reader.ui.review_keys import REVIEW_BINDINGS, ReviewActions
from reader.ui.widgets.document_view import DocumentView
from reader.ui.widgets.footer import COMPACT_FOOTER_BELOW, ReaderFooter
from reader.ui.widgets.workspace import Workspace

if TYPE_CHECKING:

    from reader.ui.widgets.annotation_sidebar import AnnotationSidebar

FOOTER_FIRST = ("app.help", "app.quit", "app.open-document")
"""Shown first in the footer, so a crowded footer never hides how to get help or out."""


class MainScreen(ReviewActions, Screen[None]):
    """The reading screen: the workspace over a footer of the keys that apply now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "tab",
            "app.focus_next",
            "Next pane",
            id="pane.focus-next",
            tooltip="Move the keyboard focus to the next pane (or search bar)",
            show=False,
        ),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous pane",
            id="pane.focus-previous",
            tooltip="Move the keyboard focus to the previous pane (or search bar)",
            show=False,
        ),
        Binding(
            "ctrl+c,super+c",
            "screen.copy_text",
            "Copy",
            id="app.copy-text",
            tooltip="Copy the text selected with the mouse",
            show=False,
        ),
        *REVIEW_BINDINGS,
    ]

    class Composed(Message):
        """The workspace exists: the app can fill it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.workspace_options: dict[str, Any] = {}
        """Set by the app before the screen is composed: preferences and the first document."""
        self._resumed = False
        self._review_widgets_started = False
        self._review_widgets_mounted = asyncio.Event()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return self._footer_first(super().active_bindings)

    def footer_bindings(self) -> dict[str, ActiveBinding]:
        """`active_bindings` for the keys the footer can show: those some binding shows, and
        the command palette's. The footer asks whenever the focus or the bindings change, and
        most bindings are motions it never shows: their actions are not checked.

        (Textual's own loop over the binding chain, for those keys only; Textual is pinned.)
        """
        app = self.app
        chain = self._modal_binding_chain
        shown = {app.COMMAND_PALETTE_BINDING}
        shown.update(key for _node, bindings in chain for key, binding in bindings if binding.show)
        active: dict[str, ActiveBinding] = {}
        for namespace, bindings in chain:
            for key, binding in bindings:
                if key not in shown:
                    continue
                state = app._check_action_state(binding.action, namespace)
                if state is False:  # (None is "disabled": shown dimmed)
                    continue
                earlier = active.get(key)
                if earlier is None or (binding.priority and not earlier.binding.priority):
                    active[key] = ActiveBinding(namespace, binding, bool(state), binding.tooltip)
        return self._footer_first(active)

    @staticmethod
    def _footer_first(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
        first = sorted(
            (key for key, active in bindings.items() if active.binding.id in FOOTER_FIRST),
            key=lambda key: FOOTER_FIRST.index(bindings[key].binding.id or ""),
        )
        return {key: bindings[key] for key in [*first, *(k for k in bindings if k not in first)]}

    def compose(self) -> ComposeResult:
        # The first frame is the document and the keys; the codebook bar and the (hidden)
        # annotation sidebar follow right after it, so their modules and widgets do not delay it.
        # Handed over, not kept: the first document's text belongs to its tab, which lets go
        # of it when it closes.
        options, self.workspace_options = self.workspace_options, {}
        yield Workspace(id="workspace", **options)
        yield ReaderFooter(
            compact=self.app.size.width < COMPACT_FOOTER_BELOW, bindings=self.footer_bindings
        )

    def on_mount(self) -> None:
        self.post_message(self.Composed())
        self.call_after_refresh(self.mount_review_widgets)

    async def mount_review_widgets(self) -> None:
        from reader.ui.widgets.annotation_sidebar import AnnotationSidebar
        from reader.ui.widgets.codebook_bar import CodebookBar

        if not self._review_widgets_started:
            self._review_widgets_started = True
            load_later_styles = getattr(self.app, "load_later_styles", None)
            if load_later_styles is not None:  # (their styles may not be read yet)
                load_later_styles()
            await self.mount_all(
                [
                    AnnotationSidebar(
                        id="annotation-sidebar", documents=self.query_one(Workspace)
                    ),
                    CodebookBar(id="codebook-bar"),
                ],
                before=self.query_one(ReaderFooter),
            )
            self._review_widgets_mounted.set()
        await self._review_widgets_mounted.wait()  # (a key pressed while they are mounting)

    def _on_screen_resume(self, event: ScreenResume) -> None:
        # (Runs before Screen's own handler.) When the screen first shows, every widget was
        # styled as it mounted a moment ago: restyling the whole screen again delayed the
        # first frame. Later resumes (a dialog closed, the theme changed) restyle as usual.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    # The sidebar shows the active document's passages, the one at the cursor highlighted.

    @on(Workspace.Changed)
    def _active_document_changed(self) -> None:
        sidebar = self._mounted_sidebar()
        if sidebar is not None:
            sidebar.catch_up()

    @on(DocumentView.CursorMoved)
    def _cursor_moved(self) -> None:
        sidebar = self._mounted_sidebar()
        if sidebar is not None and sidebar.display:
            sidebar.follow_cursor()

    def _mounted_sidebar(self) -> AnnotationSidebar | None:
        if not self._review_widgets_mounted.is_set():
            return None  # (its module is imported with it, after the first frame)
        from reader.ui.widgets.annotation_sidebar import AnnotationSidebar

        return self.query_one(AnnotationSidebar)

    def on_resize(self, event: Resize) -> None:
        # Less space between keys on a narrow terminal, so the app's own keys still fit.
        self.query_one(ReaderFooter).compact = event.size.width < COMPACT_FOOTER_BELOW
