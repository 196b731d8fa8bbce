"""The open dialog: a directory tree beside the list of recent documents; returns a path or None."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text, TextType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from reader.core.row_geometry import visual_label


class DocumentTree(DirectoryTree):
    """A directory tree showing folders and the documents reader can open, no hidden files."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        from reader.formats.base import is_supported

        visible = []
        for path in paths:
            if path.name.startswith("."):
                continue
            try:
                if path.is_dir() or is_supported(path):
                    visible.append(path)
            except OSError:
                continue
        return visible

    def process_label(self, label: TextType) -> Text:
        # File names are data: no markup, and no control characters reach the terminal.
        if isinstance(label, str):
            return Text(visual_label(label))
        return super().process_label(label)


class OpenDocumentScreen(ModalScreen[Path | None]):
    """Choose a document: from the tree, from the recent list, or by typing its path."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="open.cancel", tooltip="Close without opening"),
        Binding(
            "ctrl+r",
            "focus_recent",
            "Recent",
            id="open.focus-recent",
            tooltip="Move to the list of recent documents",
        ),
        Binding(
            "ctrl+t",
            "focus_tree",
            "Folders",
            id="open.focus-tree",
            tooltip="Move to the directory tree",
        ),
        Binding(
            "ctrl+up",
            "parent_folder",
            "Parent folder",
            id="open.parent-folder",
            tooltip="Show the folder above the tree's root",
        ),
    ]

    def __init__(self, start: Path, recent: list[Path]) -> None:
        super().__init__()
        self.start = start if start.is_dir() else Path.cwd()
        self.recent = recent

    def compose(self) -> ComposeResult:
        with Vertical(id="open-dialog"):
            yield Label(Content("Open a document"), id="open-title")
            yield Input(
                value=str(self.start) + "/",
                placeholder="Path to a document or folder, then enter",
                id="open-path",
            )
            with Horizontal(id="open-body"):
                with Vertical(id="open-tree-column"):
                    yield Label(Content("Folders"), classes="open-heading")
                    yield DocumentTree(self.start, id="open-tree")
                with Vertical(id="open-recent-column"):
                    yield Label(Content("Recent"), classes="open-heading")
                    options = [self._recent_option(i, path) for i, path in enumerate(self.recent)]
                    yield OptionList(*options, id="open-recent")
        yield Footer()

    @staticmethod
    def _recent_option(index: int, path: Path) -> Option:
        prompt = Content(visual_label(path.name)).append(
            Content.styled("  " + visual_label(str(path.parent)), "dim")
        )
        return Option(prompt, id=f"recent-{index}")

    def on_mount(self) -> None:
        self.query_one(DocumentTree).focus()

    @on(DirectoryTree.FileSelected)
    def _file_chosen(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    @on(DirectoryTree.DirectorySelected)
    def _directory_chosen(self, event: DirectoryTree.DirectorySelected) -> None:
        self.query_one("#open-path", Input).value = str(event.path) + "/"

    @on(OptionList.OptionSelected, "#open-recent")
    def _recent_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.recent[event.option_index])

    @on(Input.Submitted, "#open-path")
    def _path_typed(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value.strip()).expanduser()
        if not event.value.strip():
            return
        if path.is_dir():
            self.query_one(DocumentTree).path = path
            self.query_one(DocumentTree).focus()
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_focus_recent(self) -> None:
        self.query_one("#open-recent", OptionList).focus()

    def action_focus_tree(self) -> None:
        self.query_one(DocumentTree).focus()

    def action_parent_folder(self) -> None:
        tree = self.query_one(DocumentTree)
        parent = Path(tree.path).resolve().parent
        tree.path = parent
        self.query_one("#open-path", Input).value = str(parent) + "/"
