"""The reading screen's review keys and palette entries: sidebar, tag view, codebook, analysis.

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
    Binding(
        "A,f5",
        "analysis",
        "Analysis",
        id="review.analysis",
        tooltip="Passages per document and tag, tag co-occurrence and frequencies, as bars",
    ),
    Binding(
        "F,f6",
        "corpus_search",
        "Search all",
        id="review.corpus-search",
        tooltip="Find a word in every document, in context; code the hits after reviewing them",
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

    def action_analysis(self) -> None:
        from reader.ui.screens.analysis import AnalysisScreen

        self._review_screen().app.push_screen(AnalysisScreen())

    def action_corpus_search(self) -> None:
        from reader.ui.screens.corpus_search import CorpusSearchScreen

        self._review_screen().app.push_screen(CorpusSearchScreen())


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
    yield PaletteCommand(
        "Analysis",
        "Passages per document and tag, tag co-occurrence and frequencies, as bars",
        "screen.analysis",
        "review.analysis",
    )
    yield PaletteCommand(
        "Search all documents",
        "Every hit of a word or pattern in context; auto-code the hits after review",
        "screen.corpus_search",
        "review.corpus-search",
    )


register_command_source(review_commands)
