"""The help panel: every key binding, generated from the bindings themselves, with its id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from reader.core.display import printable
from reader.ui.keymap import BindingRow


class HelpScreen(ModalScreen[None]):
    """Lists each binding's current keys, what it does and the id to remap it in config.toml."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q,question_mark,f1",
            "dismiss",
            "Close help",
            id="help.close",
            tooltip="Close the help panel",
        ),
    ]

    def __init__(self, rows: Sequence[BindingRow]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static(Content("Keys"), id="help-title")
            yield Static(
                Content(
                    "Remap any key in config.toml under [keys], by id: "
                    '"tab.next" = "ctrl+pagedown,alt+right"'
                ),
                id="help-hint",
            )
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Keys", "Does", "Id", "Details")
        group = None
        for row in self.rows:
            if row.group != group:
                group = row.group
                table.add_row(Text(printable(group), style="bold"), "", "", "")
            table.add_row(
                Text(printable(", ".join(row.keys))),
                Text(printable(row.description)),
                Text(printable(row.id or "-"), style="dim"),
                Text(printable(row.tooltip)),
            )
        table.focus()
