"""The codebook bar: one line of tags with their hotkeys, colours and passage counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from reader.core.codebook import Codebook
from reader.core.review import bar_entries
from reader.core.row_geometry import visual_label
from reader.ui.store_feed import store_feed
from reader.ui.widgets.annotation_sidebar import tag_swatch

if TYPE_CHECKING:
    from reader.ui.store_service import StoreSnapshot


def bar_content(codebook: Codebook, counts: Mapping[str, int]) -> Content:
    """`1 ■ refugees 4  2 ■ detainees 0 …`: the hotkey and name carry the meaning, colour helps."""
    parts: list[Content] = []
    for entry in bar_entries(codebook, counts):
        key = str(entry.tag.hotkey) if entry.tag.hotkey is not None else "·"
        parts.append(
            Content.assemble(
                Content.styled(key, "bold"),
                " ",
                tag_swatch(entry.tag.colour),
                " ",
                Content(visual_label(entry.path)),
                " ",
                Content.styled(str(entry.count), "$text-muted"),
            )
        )
    if not parts:
        return Content.styled("No tags yet: add some in the codebook (C or f4).", "$text-muted")
    return Content("   ").join(parts)


class CodebookBar(Static):
    """The codebook at a glance, above the footer; it follows the store's snapshots."""

    DEFAULT_CSS = """
    CodebookBar {
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self._drawn: object = None

    def on_mount(self) -> None:
        feed = store_feed(self.app)
        if feed is not None:
            feed.follow(self, self._published)

    def _published(self, snapshot: StoreSnapshot) -> None:
        self.show_codebook(snapshot.codebook, snapshot.rolled_counts)

    def show_codebook(self, codebook: Codebook, counts: Mapping[str, int]) -> None:
        """Draw these tags and counts (nothing happens if they are what is shown)."""
        key = (tuple(codebook), tuple(sorted(counts.items())))
        if key == self._drawn:
            return
        self._drawn = key
        # One row whatever it says (its height is fixed, its width the screen's): a repaint
        # will do. Laying the screen out again cost every tag key ~10 ms of the UI's time.
        self.update(bar_content(codebook, counts), layout=False)
