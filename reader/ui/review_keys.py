"""The reading screen's review keys and palette entries: sidebar, tag view, codebook.

Kept apart from the review widgets so the reading screen can offer the keys (and the palette
its commands) from its first frame, while the widgets' modules load after that frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from textual.binding import Binding, BindingType

from reader.ui.commands import PaletteCommand, register_command_source

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from reader.ui.widgets.annotation_sidebar import AnnotationSidebar

REVIEW_BINDINGS: list[BindingType] = [
    Binding(
        "f2",
        "toggle_annotations",
        "Annotations",
        id="review.sidebar",
        tooltip="Show the annotations of this document beside it (again: hide them)",
    ),
    Binding(
        "T,f3",
        "tag_view",
        "Tag view",
        id="review.tag-view",
        tooltip="Every passage with a tag, across all documents",
    ),
    Binding(
        "C,f4",
        "codebook",
        "Codebook",
        id="review.codebook",
        tooltip="Add, rename, recolour, describe, nest, merge and delete tags",
    ),
]
"""Keys the reading screen adds for reviewing; `ReviewActions` does what they say."""


class ReviewActions:
    """The reading screen's review actions (mixed into `MainScreen`, next to `REVIEW_BINDINGS`)."""

    def _review_screen(self) -> Screen[Any]:
        return cast("Screen[Any]", self)

    async def mount_review_widgets(self) -> None:
        """Make sure the sidebar and codebook bar exist (the screen may add them late)."""

    async def _sidebar(self) -> AnnotationSidebar:
        from reader.ui.widgets.annotation_sidebar import AnnotationSidebar

        await self.mount_review_widgets()
        return self._review_screen().query_one(AnnotationSidebar)

    async def action_toggle_annotations(self) -> None:
        (await self._sidebar()).toggle()

    async def action_tag_view(self) -> None:
        from reader.ui.screens.tag_view import TagViewScreen

        tag_id = (await self._sidebar()).highlighted_tag()
        self._review_screen().app.push_screen(TagViewScreen(tag_id))

    def action_codebook(self) -> None:
        from reader.ui.screens.codebook import CodebookScreen

        self._review_screen().app.push_screen(CodebookScreen())


def review_commands(app: App[Any]) -> Iterable[PaletteCommand]:
    """Palette entries for the review screens (they act on the reading screen)."""
    yield PaletteCommand(
        "Toggle annotation sidebar",
        "The focused document's passages, tags and memos",
        "screen.toggle_annotations",
        "review.sidebar",
    )
    yield PaletteCommand(
        "Tag view",
        "Every passage with a tag, across all documents",
        "screen.tag_view",
        "review.tag-view",
    )
    yield PaletteCommand(
        "Codebook",
        "Add, rename, recolour, describe, nest, merge and delete tags",
        "screen.codebook",
        "review.codebook",
    )


register_command_source(review_commands)
