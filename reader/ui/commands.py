"""The command palette: reader's commands, plus a registry other parts of the UI extend.

A command is an action string run on the app (`"split"`, `"toggle_wrap"`) with the id of the
binding that also runs it, so the palette shows the key the user has *now*, after remapping. A
feature adds its commands by registering a source:

    register_command_source(lambda app: [PaletteCommand("Tag selection", "…", "tag_selection")])

Sources are called each time the palette opens, so they can depend on the app's state; a
command is listed only while the app's `check_action` allows its action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from reader.core.display import printable

if TYPE_CHECKING:
    from textual.app import App


class PaletteCommand(NamedTuple):
    """One palette entry: what it is called, what it does, and the app action that does it.

    (A NamedTuple, not a frozen dataclass: the class is made at every start-up, where a
    dataclass's generated methods cost half a millisecond.)
    """

    title: str
    help: str
    action: str
    binding_id: str | None = None


CommandSource = Callable[["App[Any]"], Iterable[PaletteCommand]]

CORE_COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand(
        "Open document",
        "Choose a document from a folder or the recent list",
        "open_document",
        "app.open-document",
    ),
    PaletteCommand("Split pane", "Open a new pane beside the active one", "split", "pane.split"),
    PaletteCommand(
        "Close pane", "Close the active pane and its documents", "close_pane", "pane.close"
    ),
    PaletteCommand("Close tab", "Close the active document", "close_tab", "tab.close"),
    PaletteCommand("Next tab", "Show the next document in this pane", "next_tab", "tab.next"),
    PaletteCommand(
        "Previous tab", "Show the previous document in this pane", "previous_tab", "tab.previous"
    ),
    PaletteCommand(
        "Move document to other pane",
        "Move the active document to the next pane",
        "move_to_other_pane",
        "tab.move-to-other-pane",
    ),
    PaletteCommand(
        "Switch layout", "Panes side by side or stacked", "switch_layout", "pane.switch-layout"
    ),
    PaletteCommand("Switch theme", "Choose a colour theme", "change_theme", "app.switch-theme"),
    PaletteCommand(
        "Toggle soft wrap",
        "Wrap long lines to the pane width, or scroll sideways",
        "toggle_wrap",
        "app.toggle-wrap",
    ),
    PaletteCommand(
        "Toggle line numbers",
        "Show or hide line numbers",
        "toggle_line_numbers",
        "app.toggle-line-numbers",
    ),
    PaletteCommand(
        "Help", "Every key binding, with its id for the config file", "help", "app.help"
    ),
    PaletteCommand("Quit", "Save the session and quit", "quit", "app.quit"),
    PaletteCommand(
        "Right-to-left: automatic",
        "The reader puts Arabic in visual order unless the terminal does it itself",
        "set_bidi('auto')",
    ),
    PaletteCommand(
        "Right-to-left: reorder in the reader",
        "Draw Arabic rows in visual order, shaped and right-aligned (most terminals need this)",
        "set_bidi('reader')",
    ),
    PaletteCommand(
        "Right-to-left: leave to the terminal",
        "Send text in logical order for a terminal that reorders (GNOME Terminal, Konsole)",
        "set_bidi('terminal')",
    ),
    PaletteCommand(
        "Right-to-left: off",
        "Draw every character in the order it is stored",
        "set_bidi('off')",
    ),
)

_sources: list[CommandSource] = []


def register_command_source(source: CommandSource) -> None:
    """Add commands to the palette (called with the app each time the palette opens)."""
    if source not in _sources:
        _sources.append(source)


def core_commands(app: App[Any]) -> Iterable[PaletteCommand]:
    """The shell's own commands (documents, panes, tabs, view settings, help, quit)."""
    return CORE_COMMANDS


def recent_document_commands(app: App[Any]) -> Iterable[PaletteCommand]:
    """Each remembered document as an "Open recent: <name>" command."""
    for index, path in enumerate(getattr(app, "recent", [])[:10]):
        yield PaletteCommand(f"Open recent: {Path(path).name}", path, f"open_recent({index})", None)


register_command_source(core_commands)
register_command_source(recent_document_commands)


def available_commands(app: App[Any]) -> list[PaletteCommand]:
    """Every registered command whose action the app allows right now."""
    commands: list[PaletteCommand] = []
    for source in _sources:
        for command in source(app):
            name = command.action.split("(", 1)[0]
            if app.check_action(name, ()) is True:
                commands.append(command)
    return commands


def key_for(app: App[Any], binding_id: str | None) -> str:
    """The key currently bound to `binding_id`, as the footer would show it ("" if none)."""
    if binding_id is None:
        return ""
    keys = getattr(app, "keys_for_binding_id", None)
    if keys is None:
        return ""
    shown = keys(binding_id)
    return shown[0] if shown else ""


class ReaderCommands(Provider):
    """Serves the registered commands to Textual's command palette.

    Prompts are Rich `Text`, which the palette never parses as markup: titles and help may carry
    file names.
    """

    def _prompt(self, command: PaletteCommand, offsets: Iterable[int] = ()) -> Text:
        title = printable(command.title)
        prompt = Text(title)
        for offset in offsets:
            if offset < len(title) and not title[offset].isspace():
                prompt.stylize("reverse", offset, offset + 1)
        key = key_for(self.app, command.binding_id)
        help_text = printable(command.help) + (f"  ({key})" if key else "")
        if help_text:
            prompt.append("\n")
            prompt.append(help_text, style="dim")
        return prompt

    async def discover(self) -> Hits:
        for command in available_commands(self.app):
            yield DiscoveryHit(
                self._prompt(command),
                partial(self.app.run_action, command.action),
                text=command.title,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in available_commands(self.app):
            score = matcher.match(command.title)
            if score > 0:
                _, offsets = matcher.fuzzy_search.match(query, command.title)
                yield Hit(
                    score,
                    self._prompt(command, offsets),
                    partial(self.app.run_action, command.action),
                    text=command.title,
                )
