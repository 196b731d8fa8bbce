"""A one-line bar over the footer while documents are extracted: which, how far, how to stop."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from reader.core.display import printable


@dataclass
class ExtractionRun:
    """One document being read: its cancel switch and the progress its extractor reported.

    `cancel` is set on the UI thread and read by the loading thread (a `threading.Event`)."""

    path: Path
    cancel: threading.Event = field(default_factory=threading.Event)
    done: int = 0
    total: int = 0
    shown: bool = False  # under way long enough to be shown without progress

    def describe(self) -> str:
        name = printable(self.path.name)
        if self.total:
            return f"Extracting {name}: page {min(self.done + 1, self.total)} of {self.total}"
        return f"Opening {name}…"


class ExtractionStatus(Static):
    """Shows the newest running extraction (and how many others run); hidden when none does."""

    DEFAULT_CSS = """
    ExtractionStatus {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $boost;
        color: $text;
        display: none;
    }
    ExtractionStatus.-running {
        display: block;
    }
    """

    def show_runs(self, runs: list[ExtractionRun], cancel_keys: str) -> None:
        """Show `runs` (newest last), or hide when there are none."""
        self.set_class(bool(runs), "-running")
        if not runs:
            self.update("")
            return
        line = runs[-1].describe()
        if len(runs) > 1:
            line += f" (and {len(runs) - 1} more)"
        if cancel_keys:
            line += f" · {cancel_keys} cancels"
        self.update(Content(line))
