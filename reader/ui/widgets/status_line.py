"""A pane's status line: title, search, selection, tags, attention, saved, position, encoding.

One widget drawing every slot, not a label per slot: seven labels cost a sixth of a pane's
start-up, and a cursor move that changed the position label relaid the whole row. Each slot has
a component class (`status-line--<slot>`) for its colours, so the look stays in the stylesheet.
"""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.widget import Widget

from reader.core.row_geometry import visual_label

SLOTS = (
    "title", "search", "selection", "tags", "attention", "saved", "place", "position", "encoding",
)
"""The slots, left to right; the title takes the room the others leave. `attention` counts
passages not drawn because the text no longer holds them where they were; `place` is the page
and section at the cursor (`p. 12 · Chapter 2 > Returns`) in documents that have them."""

MAX_SHARE = {"tags": 0.6, "attention": 0.4, "saved": 0.4, "place": 0.4}
"""Slots that may run long, and the most of the line's width each may take."""

PADDING = 1
"""Cells of space on each side of a slot's text."""

SHORTEN_FIRST = ("tags", "search", "place")
"""When the slots do not fit, these are shortened first (to `SHORTEST` cells at most) ..."""
DROP_FIRST = ("selection", "encoding", "tags", "search", "place")
"""... then these are left out, in this order. The saved state and the position always stay
(the page, shortened to `p. 12 · …`, nearly always)."""
SHORTEST = 8


class StatusLine(Widget):
    """The status line; `set(slot, text)` fills a slot, an empty text hides it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"status-line--{slot}" for slot in SLOTS),
        "status-line--search-error",
        "status-line--not-saved",
    }

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._texts: dict[str, str] = {}
        self._alerts: set[str] = set()  # slots shown in their alert colours

    def text(self, slot: str) -> str:
        """What the slot shows now (empty if hidden)."""
        return self._texts.get(slot, "")

    def is_alert(self, slot: str) -> bool:
        """Whether the slot is drawn as an error (a bad search, a failed save)."""
        return slot in self._alerts

    def set(self, slot: str, text: str | None, *, alert: bool = False) -> None:
        """Show `text` in `slot` (document text is made printable here), or hide the slot."""
        text = visual_label(text or "")
        if self._texts.get(slot, "") == text and (slot in self._alerts) == alert:
            return  # every cursor move asks: an unchanged slot costs nothing
        self._texts[slot] = text
        if alert:
            self._alerts.add(slot)
        else:
            self._alerts.discard(slot)
        self.refresh()

    def _style_name(self, slot: str) -> str:
        if slot in self._alerts:
            if slot == "search":
                return "status-line--search-error"
            return "status-line--attention" if slot == "attention" else "status-line--not-saved"
        return f"status-line--{slot}"

    def render(self) -> Content:
        width = self.size.width
        pad = " " * PADDING
        parts: dict[str, Content] = {}
        for slot in SLOTS[1:]:
            text = self._texts.get(slot, "")
            if not text:
                continue
            content = Content(text)
            share = MAX_SHARE.get(slot)
            if share is not None:
                content = content.truncate(max(1, int(width * share) - 2 * PADDING), ellipsis=True)
            parts[slot] = content
        used = _fit(parts, width - 2 * PADDING)  # (the title's padding, at least, stays free)
        room = max(0, width - used - 2 * PADDING)
        line: list[Content] = []
        if room > 0:
            title = Content(self._texts.get("title", "")).truncate(room, ellipsis=True)
            title_style = self.get_visual_style(self._style_name("title"))
            line.append(Content.assemble(pad, title, pad).stylize(title_style))
            line.append(Content(" " * (room - title.cell_length)))
        for slot, content in parts.items():
            style = self.get_visual_style(self._style_name(slot))
            line.append(Content.assemble(pad, content, pad).stylize(style))
        return Content.assemble(*line).truncate(width)


def _fit(parts: dict[str, Content], width: int) -> int:
    """Shorten, then drop, slots of `parts` until they fit in `width` cells (padding included);
    the cells they take then."""

    def used() -> int:
        return sum(part.cell_length + 2 * PADDING for part in parts.values())

    for slot in SHORTEN_FIRST:
        excess = used() - width
        if excess <= 0:
            return used()
        if slot in parts:
            content = parts[slot]
            shortest = max(SHORTEST, content.cell_length - excess)
            parts[slot] = content.truncate(shortest, ellipsis=True)
    for slot in DROP_FIRST:
        if used() <= width:
            break
        parts.pop(slot, None)
    return used()
