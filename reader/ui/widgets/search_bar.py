"""The search bar under a document: the query field, its regular-expression, case and Arabic
toggles, and the count of matches. Mounted the first time a pane searches."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label

if TYPE_CHECKING:
    from reader.core.search import SearchQuery


class SearchBar(Horizontal):
    """The search field with its regular-expression and case toggles (hidden until `/`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r",
            "toggle_regex",
            "Regex",
            id="search.toggle-regex",
            tooltip="Search with a regular expression instead of plain text",
        ),
        Binding(
            "ctrl+t",
            "toggle_case",
            "Match case",
            id="search.toggle-case",
            tooltip="Tell capital and small letters apart",
        ),
        Binding(
            "ctrl+o",
            "toggle_arabic_folding",
            "Arabic forms",
            id="search.toggle-arabic-folding",
            tooltip="Arabic: ignore harakat and tatweel, take alef forms and final ya alike",
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="search.cancel",
            tooltip="Close the search bar and go back to the document",
        ),
    ]

    regex: reactive[bool] = reactive(False)
    """Treat the query as a regular expression."""
    case_sensitive: reactive[bool] = reactive(False)
    """Tell capital and small letters apart."""
    arabic_folding: reactive[bool] = reactive(True)
    """Find Arabic words whatever marks, tatweel, alef forms and final ya they are written with."""

    class Changed(Message):
        """The query or a toggle changed (the pane searches after a short pause)."""

        def __init__(self, query: SearchQuery) -> None:
            super().__init__()
            self.query = query

    class Submitted(Message):
        """Enter: jump to the first match after the cursor."""

        def __init__(self, query: SearchQuery) -> None:
            super().__init__()
            self.query = query

    class Cancelled(Message):
        """Escape: close the bar and restore the search as it was."""

    def compose(self) -> ComposeResult:
        yield Label("/", classes="search-prompt")
        yield Input(placeholder="search", id="search-input", select_on_focus=True)
        yield Label("", id="search-count")
        yield Label(".*", id="search-regex", classes="search-toggle")
        yield Label("Aa", id="search-case", classes="search-toggle")
        yield Label("أ=ا", id="search-arabic", classes="search-toggle -on")

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def query_value(self) -> SearchQuery:
        """The query as the bar shows it now."""
        from reader.core.search import SearchQuery

        return SearchQuery(
            self.input.value,
            regex=self.regex,
            case_sensitive=self.case_sensitive,
            arabic_folding=self.arabic_folding,
        )

    def watch_regex(self, regex: bool) -> None:
        if self.is_mounted:
            self.query_one("#search-regex", Label).set_class(regex, "-on")

    def watch_case_sensitive(self, case_sensitive: bool) -> None:
        if self.is_mounted:
            self.query_one("#search-case", Label).set_class(case_sensitive, "-on")

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex
        self.post_message(self.Changed(self.query_value))

    def action_toggle_case(self) -> None:
        self.case_sensitive = not self.case_sensitive
        self.post_message(self.Changed(self.query_value))

    def watch_arabic_folding(self, folding: bool) -> None:
        if self.is_mounted:
            self.query_one("#search-arabic", Label).set_class(folding, "-on")

    def action_toggle_arabic_folding(self) -> None:
        self.arabic_folding = not self.arabic_folding
        self.post_message(self.Changed(self.query_value))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    @on(Input.Changed, "#search-input")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self.query_value))

    @on(Input.Submitted, "#search-input")
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self.query_value))
