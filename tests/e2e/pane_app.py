"""A minimal app showing one document in a DocumentPane: `python tests/e2e/pane_app.py FILE`.

The pty tests run it so they exercise the document view alone, whatever the shell does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding

from reader.formats.base import load_document
from reader.paths import styles_dir
from reader.ui.widgets.document_pane import DocumentPane
from reader.ui.widgets.document_view import DocumentView


class PaneApp(App[None]):
    CSS_PATH = [styles_dir() / "document.tcss"]
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.document = load_document(path)

    def compose(self) -> ComposeResult:
        yield DocumentPane(self.document)

    def on_mount(self) -> None:
        self.query_one(DocumentView).focus()


if __name__ == "__main__":
    PaneApp(Path(sys.argv[1])).run()
