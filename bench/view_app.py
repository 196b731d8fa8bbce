"""The document pane alone in an app, for benchmarks: `python bench/view_app.py FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding

from reader.formats.base import load_document, read_head
from reader.paths import styles_dir
from reader.ui.widgets.document_pane import DocumentPane
from reader.ui.widgets.document_view import DocumentView


class ViewApp(App[None]):
    CSS_PATH = [styles_dir() / "document.tcss"]
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        # As the reader opens it: a large text from its first lines, the rest read meanwhile.
        yield DocumentPane(read_head(self.path) or load_document(self.path))

    def on_mount(self) -> None:
        self.query_one(DocumentView).focus()


if __name__ == "__main__":
    ViewApp(Path(sys.argv[1])).run()
