"""The reading screen's footer: the keys that apply now, drawn by one widget.

Textual's `Footer` is a widget per key, rebuilt whenever the bindings change (focus moves, a
pane's `refresh_bindings`): about 30 ms for the reading screen's keys, each time, and the keys
reached the screen a frame or two after the document. This footer keeps the same look (the
theme's `$footer-*` colours, dimmed unavailable keys, the command palette's key on the right)
and the same use (a click presses the key, hovering shows its tooltip), but only redraws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from textual import events
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.binding import ActiveBinding, Binding
    from textual.screen import Screen


COMPACT_FOOTER_BELOW = 110
"""Terminal width (cells) under which the footer packs its keys tighter."""


class FooterItem(NamedTuple):
    """One key as the footer shows it.

    (A NamedTuple, not a frozen dataclass: the class is made at every start-up, where a
    dataclass's generated methods cost half a millisecond.)
    """

    key: str
    """The key the app receives when the item is clicked."""
    key_display: str
    description: str
    action: str
    enabled: bool
    tooltip: str


PALETTE_RULE = "▏"
"""Between the other keys and the command palette's, which sits at the right end."""


class ReaderFooter(Widget, can_focus=False):
    """The keys that apply now; `items` lists them, `palette_item` is the palette's."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "footer--key",
        "footer--description",
        "footer--rule",
        "footer--hover",
    }

    DEFAULT_CSS = """
    ReaderFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        color: $footer-foreground;
        background: $footer-background;
        & > .footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .footer--rule { color: $foreground 20%; }
        & > .footer--hover { background: $block-hover-background; }
    }
    """

    compact: reactive[bool] = reactive(False)
    """Less space around each key (for a narrow terminal)."""

    def __init__(
        self,
        *,
        compact: bool = False,
        bindings: Callable[[], dict[str, ActiveBinding]] | None = None,
        id: str | None = None,
    ) -> None:
        """`bindings` gives the active bindings to show (default: the screen's
        `active_bindings`), in the order to show them."""
        super().__init__(id=id)
        self._shown_bindings = bindings
        self.set_reactive(ReaderFooter.compact, compact)
        self.items: tuple[FooterItem, ...] = ()
        self.palette_item: FooterItem | None = None
        self._stale = True
        self._spans: list[tuple[int, int, FooterItem]] = []  # x range of each drawn item
        self._hover: FooterItem | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        self._stale = True
        self.refresh()

    def watch_compact(self) -> None:
        self.refresh()

    # ------------------------------------------------------------------ what is shown

    def refresh_items(self) -> None:
        """Read the screen's active bindings again (done before drawing when they changed)."""
        self._stale = False
        app = self.app
        shown = self._shown_bindings
        active = shown() if shown is not None else self.screen.active_bindings
        items: list[FooterItem] = []
        actions: set[str] = set()
        for key, (_node, binding, enabled, tooltip) in active.items():
            if not binding.show or binding.action in actions:
                continue  # one item per action: its first key, as Textual's footer does
            actions.add(binding.action)
            items.append(self._item(key, binding, enabled, tooltip))
        self.items = tuple(items)
        key = app.COMMAND_PALETTE_BINDING
        palette = active.get(key) if app.ENABLE_COMMAND_PALETTE else None
        self.palette_item = None if palette is None else self._item(key, *palette[1:])

    def _item(self, key: str, binding: Binding, enabled: bool, tooltip: str) -> FooterItem:
        return FooterItem(
            key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            enabled,
            tooltip or binding.tooltip or binding.description,
        )

    def item(self, action: str) -> FooterItem | None:
        """The item shown for `action`, if the footer shows one."""
        if self._stale and self.is_attached:
            self.refresh_items()
        for item in (*self.items, self.palette_item):
            if item is not None and item.action == action:
                return item
        return None

    # ------------------------------------------------------------------ drawing

    def _draw_item(self, item: FooterItem) -> Content:
        key_style = self.get_visual_style("footer--key")
        description_style = self.get_visual_style("footer--description")
        if self.compact:
            key = Content(item.key_display).stylize(key_style)
            description = Content(f" {item.description}" if item.description else "")
        else:
            key = Content(f" {item.key_display} ").stylize(key_style)
            description = Content(f"{item.description} " if item.description else "")
        drawn = Content.assemble(key, description.stylize(description_style))
        if item is self._hover and item.enabled:
            drawn = drawn.stylize(self.get_visual_style("footer--hover"))
        if not item.enabled:
            drawn = drawn.stylize("dim")
        return drawn

    def render(self) -> Content:
        if self._stale:
            self.refresh_items()
        width = self.size.width
        gap = Content(" ")
        right = Content("")
        if self.palette_item is not None:
            rule = Content(PALETTE_RULE).stylize(self.get_visual_style("footer--rule"))
            right = Content.assemble(rule, self._draw_item(self.palette_item))
            if not self.compact:
                right = right + gap
        room = width - right.cell_length
        parts: list[Content] = []
        spans: list[tuple[int, int, FooterItem]] = []
        x = 0
        for item in self.items:
            drawn = self._draw_item(item)
            if parts and self.compact:
                parts.append(gap)
                x += 1
            if x >= room:
                break
            parts.append(drawn)
            spans.append((x, min(x + drawn.cell_length, room), item))
            x += drawn.cell_length
        left = Content.assemble(*parts)
        if left.cell_length > room:
            left = left.truncate(max(0, room))
        filler = Content(" " * max(0, room - left.cell_length))
        if self.palette_item is not None:
            spans.append((room, width, self.palette_item))
        self._spans = spans
        return Content.assemble(left, filler, right)

    # ------------------------------------------------------------------ the mouse

    def item_at(self, x: int) -> FooterItem | None:
        """The item drawn at column `x`, if any."""
        for start, end, item in self._spans:
            if start <= x < end:
                return item
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self.item_at(event.x)
        if item is not self._hover:
            self._hover = item
            self.tooltip = item.tooltip if item is not None else None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        item = self.item_at(event.x)
        if item is None:
            return
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
