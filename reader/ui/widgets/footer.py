"""The footer of keys: Textual's, rebuilt only when the keys it shows changed."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ReaderFooter(Footer):
    """Textual's `Footer`, recomposed only when what it shows changed.

    Textual rebuilds every key of the footer on each bindings update (focus moves, a pane's
    `refresh_bindings`, a document registered in the store), ~30 ms each with 18 keys: start-up
    paid it four or five times before the footer was first seen, and keys that change nothing
    the footer shows paid it too. The keys, their labels, order, enabled state and tooltips are
    compared first; the rebuild happens only if any of them differs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._composed_for: object = None

    def _shown(self) -> object:
        """Everything `Footer.compose` reads, as a comparable value."""
        app = self.app
        active = self.screen.active_bindings
        keys = tuple(
            (key, binding, enabled, tooltip, app.get_key_display(binding))
            for key, (_node, binding, enabled, tooltip) in active.items()
            if binding.show
        )
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        palette_key = None
        if palette is not None:
            palette_key = (palette.binding, palette.enabled, app.get_key_display(palette.binding))
        return (
            self._bindings_ready,
            self.show_command_palette,
            app.ENABLE_COMMAND_PALETTE,
            keys,
            palette_key,
        )

    def compose(self) -> ComposeResult:
        # A new key starts `compact=True` and is restyled when that is applied on mount, then
        # again when the footer's own value reaches it: two style passes per key, ~20 ms for
        # the footer at start-up. Given the footer's value (and class) first, it needs none.
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_reactive(FooterKey.compact, self.compact)
                if self.compact:
                    widget.add_class("-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        try:
            shown = self._shown()
        except Exception:  # no screen (shutting down): let Textual decide
            shown = object()
        if shown == self._composed_for:
            return
        self._composed_for = shown
        await super().recompose()
