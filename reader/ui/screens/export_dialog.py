"""The export dialog: which format, where to save, which documents and tags, the format's options.

The formats and their options come from the export registry (reader/interop/registry.py). The
dialog only collects choices and returns a request; the caller runs the format's exporter
(`entry.export(store, request.destination, document_ids=..., tag_ids=...,
**request.exporter_options())`) and reports its outcome. Enter exports from anywhere in the form
(space ticks boxes and chooses options); escape cancels. A destination that exists is replaced
only after a second enter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.segment import Segment
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from reader.core.codebook import Codebook, CodebookError, valid_colour
from reader.core.display import printable
from reader.core.row_geometry import visual_label
from reader.interop.registry import EXPORT_FORMATS, ExportFormat, all_options
from reader.paths import database_file_role

FORMATS = tuple(EXPORT_FORMATS)
"""Formats the dialog offers, in the registry's order."""

_SUFFIXES = {entry.suffix for entry in EXPORT_FORMATS.values()}


@dataclass(frozen=True)
class ExportRequest:
    """What to export and where. `None` filters mean everything.

    CSV's two options keep their own fields (`excel`, `formula_guard`); any other format's
    options are in `options`, as (exporter keyword, value) pairs.
    """

    format: str
    destination: Path
    document_ids: tuple[str, ...] | None
    tag_ids: tuple[str, ...] | None
    excel: bool = False
    formula_guard: bool = True
    options: tuple[tuple[str, Any], ...] = ()

    def exporter_options(self) -> dict[str, Any]:
        """The keyword arguments of the format's exporter."""
        given = {"excel": self.excel, "formula_guard": self.formula_guard, **dict(self.options)}
        return EXPORT_FORMATS[self.format].option_values(given)


def default_file_name(now: datetime, suffix: str = ".csv") -> str:
    return now.strftime("reader-export-%Y%m%d-%H%M") + suffix


def folder_is_writable(folder: Path) -> bool:
    """Whether a new file can be created in `folder` (a module function so tests can stand in)."""
    return os.access(folder, os.W_OK | os.X_OK)


def destination_problem(path: Path, database: Path | None = None) -> str | None:
    """Why `path` cannot receive the export, or None when it can (`database`: the open one, whose
    files must never be written over)."""
    shown = printable(str(path))
    if database is not None and (role := database_file_role(path, database)):
        return f"“{shown}” is {role}: choose another file"
    if path.is_dir():
        return f"“{shown}” is a folder: add a file name"
    folder = path.parent
    if not folder.exists():
        return f"The folder “{printable(str(folder))}” does not exist"
    if not folder.is_dir():
        return f"“{printable(str(folder))}” is not a folder"
    if not folder_is_writable(folder):
        return f"Cannot write in “{printable(str(folder))}”"
    if path.exists() and not path.is_file():
        return f"“{shown}” is not a regular file"
    return None


class PathInput(Input):
    """The destination field: enter exports (and says so in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Export", id="export.run", tooltip="Export with these options"),
    ]


class OptionInput(Input):
    """A text option of a format (a base URL, say): enter exports, as from the destination."""

    DEFAULT_CLASSES = "export-option"


class FormCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox ticked with space only, so enter can export from anywhere in the form.

    An unticked box is empty rather than a dimmer X, so its state does not rest on colour alone.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False),
    ]

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual's name for the mark
        return "X" if self.value else " "


class FormRadioButton(RadioButton):
    """A radio button whose mark is shown only when chosen (not by colour alone)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual's name for the mark
        return "\u25cf" if self.value else " "


class ChoiceSet(RadioSet, inherit_bindings=False):
    """Radio buttons chosen with arrows and space; enter is left to the form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_button", "Next option", show=False),
        Binding("up,left", "previous_button", "Previous option", show=False),
        Binding("space", "toggle_button", "Choose", show=False),
    ]


class FormSelectionList(SelectionList[str], inherit_bindings=False):
    """A multiple choice list ticked with space; enter is left to the form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("space", "select", "Toggle", show=False),
    ]

    def render_line(self, y: int) -> Strip:
        # Textual draws the same X for ticked and unticked rows, in another colour; blank the
        # mark of an unticked row so the state does not rest on colour alone.
        strip = super().render_line(y)
        index = self.scroll_offset.y + y
        if index >= self.option_count:
            return strip
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != Checkbox.BUTTON_INNER:
            return strip
        selection = self.get_option_at_index(index)
        if isinstance(selection, Selection) and selection.value in self.selected:
            return strip
        segments[1] = Segment(" ", segments[1].style)
        return Strip(segments, strip.cell_length)


def _swatch(colour: str) -> Content:
    try:
        return Content.styled("██", valid_colour(colour))
    except CodebookError:
        return Content.styled("░░", "dim")


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Choose the format, the destination, the documents, the tags and the format's options."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "export", "Export", id="export.run", tooltip="Export with these options"
        ),
        Binding(
            "escape", "cancel", "Cancel", id="export.cancel", tooltip="Close without exporting"
        ),
    ]

    def __init__(
        self,
        *,
        documents: Sequence[tuple[str, str]],
        codebook: Codebook,
        current_document: str | None = None,
        default_directory: Path,
        database: Path | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.database = database
        self.documents = list(documents)
        self.codebook = codebook
        self.current_document = current_document
        self.default_directory = default_directory
        stamp = now if now is not None else datetime.now()
        self.default_destination = default_directory / default_file_name(
            stamp, self.format.suffix
        )
        self._overwrite_confirmed: Path | None = None

    # ------------------------------------------------------------------ composition

    def _current_title(self) -> str | None:
        for document_id, title in self.documents:
            if document_id == self.current_document:
                return title
        return None

    def compose(self) -> ComposeResult:
        current_title = self._current_title()
        with Vertical(id="export-dialog"):
            yield Label(Content("Export annotations"), id="export-title")
            with Horizontal(classes="export-row"):
                yield Label(Content("Format"), classes="export-label")
                with Vertical(classes="export-field"):
                    with ChoiceSet(id="export-formats", compact=True):
                        for index, entry in enumerate(EXPORT_FORMATS.values()):
                            yield FormRadioButton(Content(entry.label), value=index == 0,
                                                  id=f"format-{entry.name}")
                    yield Static(Content(self.format.description), id="export-format")
            with Horizontal(classes="export-row"):
                yield Label(Content("Save to"), classes="export-label")
                yield PathInput(
                    str(self.default_destination),
                    id="export-destination",
                    select_on_focus=False,
                    compact=True,
                )
            with Horizontal(classes="export-row", id="export-documents-row"):
                yield Label(Content("Documents"), classes="export-label")
                with Vertical(classes="export-field"):
                    with ChoiceSet(id="export-documents", compact=True):
                        yield FormRadioButton(Content("All"), value=True, id="documents-all")
                        if current_title is not None:
                            yield FormRadioButton(
                                Content("This one: ").append(
                                    Content(visual_label(current_title))
                                ),
                                id="documents-current",
                            )
                        yield FormRadioButton(Content("Choose…"), id="documents-choose")
                    yield FormSelectionList(
                        *(
                            Selection(Content(visual_label(title)), document_id)
                            for document_id, title in self.documents
                        ),
                        id="export-document-list",
                        compact=True,
                    )
            with Horizontal(classes="export-row"):
                yield Label(Content("Tags"), classes="export-label")
                with Vertical(classes="export-field"):
                    with ChoiceSet(id="export-tags", compact=True):
                        yield FormRadioButton(Content("All"), value=True, id="tags-all")
                        yield FormRadioButton(Content("Choose…"), id="tags-choose")
                    yield FormSelectionList(
                        *(
                            Selection(
                                Content.assemble(
                                    _swatch(tag.colour),
                                    " ",
                                    Content(visual_label(self.codebook.path(tag))),
                                ),
                                tag.id,
                            )
                            for tag in self.codebook
                        ),
                        id="export-tag-list",
                        compact=True,
                    )
            with Horizontal(classes="export-row", id="export-options-row"):
                yield Label(Content("Options"), classes="export-label")
                with Vertical(classes="export-field"):
                    for option in all_options():
                        if option.kind == "text":
                            yield OptionInput(
                                str(option.default or ""), placeholder=option.label,
                                id=f"export-{option.name}", compact=True,
                            )
                        else:
                            yield FormCheckbox(
                                Content(option.label), value=bool(option.default),
                                id=f"export-{option.name}", compact=True,
                            )
            yield Static("", id="export-message")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-run", compact=True)
                yield Button("Cancel", id="export-cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-document-list").display = False
        self.query_one("#export-tag-list").display = False
        self.query_one("#export-message").display = False
        self._show_format_fields()
        field = self.query_one(PathInput)
        field.focus()
        field.cursor_position = len(field.value)

    @property
    def format(self) -> ExportFormat:
        """The chosen format's registry entry (the first before the form is mounted)."""
        chosen = self._pressed("#export-formats") if self.is_mounted else None
        if chosen is not None and chosen.startswith("format-"):
            return EXPORT_FORMATS[chosen.removeprefix("format-")]
        return next(iter(EXPORT_FORMATS.values()))

    def _show_format_fields(self) -> None:
        """Only the chosen format's options, and the documents only where it has any."""
        entry = self.format
        for option in all_options():
            self.query_one(f"#export-{option.name}").display = option in entry.options
        self.query_one("#export-options-row").display = bool(entry.options)
        self.query_one("#export-documents-row").display = entry.has_documents
        self.query_one("#export-format", Static).update(Content(entry.description))

    # ------------------------------------------------------------------ reactions

    @on(RadioSet.Changed, "#export-formats")
    def _format_chosen(self, event: RadioSet.Changed) -> None:
        event.stop()
        self._show_format_fields()
        field = self.query_one(PathInput)
        typed = Path(field.value)
        if typed.suffix.lower() in _SUFFIXES:  # the name was ours: give it the format's suffix
            field.value = str(typed.with_suffix(self.format.suffix))
        self._overwrite_confirmed = None
        self._show_message("")

    @on(Input.Submitted, ".export-option")
    def _option_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    @on(RadioSet.Changed, "#export-documents")
    def _documents_mode(self, event: RadioSet.Changed) -> None:
        event.stop()
        choose = event.pressed.id == "documents-choose"
        self.query_one("#export-document-list").display = choose

    @on(RadioSet.Changed, "#export-tags")
    def _tags_mode(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.query_one("#export-tag-list").display = event.pressed.id == "tags-choose"

    @on(Input.Changed, "#export-destination")
    def _destination_edited(self, event: Input.Changed) -> None:
        event.stop()
        self._overwrite_confirmed = None
        self._show_message("")

    @on(Input.Submitted, "#export-destination")
    def _destination_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    @on(Button.Pressed, "#export-run")
    def _export_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_export()

    @on(Button.Pressed, "#export-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def _show_message(self, message: str, kind: str = "error") -> None:
        label = self.query_one("#export-message", Static)
        label.update(Content(message))
        label.display = bool(message)
        label.set_class(kind == "error", "-error")
        label.set_class(kind == "warning", "-warning")

    # ------------------------------------------------------------------ the request

    @property
    def message(self) -> str:
        """The error or warning shown under the form ("" when none)."""
        label = self.query_one("#export-message", Static)
        content = label.content
        return content.plain if isinstance(content, Content) else str(content)

    def destination(self) -> Path | None:
        """The typed destination as an absolute path (the format's suffix added to a bare
        name)."""
        typed = self.query_one(PathInput).value.strip()
        if not typed:
            return None
        path = Path(typed).expanduser()
        if not path.is_absolute():
            path = self.default_directory / path
        if not path.suffix and not path.is_dir() and not typed.endswith(("/", os.sep)):
            path = path.with_suffix(self.format.suffix)
        return path

    def _pressed(self, radio_set: str) -> str | None:
        button = self.query_one(radio_set, RadioSet).pressed_button
        return None if button is None else button.id

    def request(self) -> ExportRequest | str:
        """The request the form describes, or why it cannot be made."""
        path = self.destination()
        if path is None:
            return "Type where to save the export"
        if self.query_one(PathInput).value.strip().endswith(("/", os.sep)) and not path.is_dir():
            return "End the path with a file name"
        problem = destination_problem(path, self.database)
        if problem is not None:
            return problem
        entry = self.format
        documents: tuple[str, ...] | None = None
        mode = self._pressed("#export-documents") if entry.has_documents else None
        if mode == "documents-current" and self.current_document is not None:
            documents = (self.current_document,)
        elif mode == "documents-choose":
            chosen = set(self.query_one("#export-document-list", FormSelectionList).selected)
            documents = tuple(doc_id for doc_id, _title in self.documents if doc_id in chosen)
            if not documents:
                return "Choose at least one document (space ticks one)"
        tags: tuple[str, ...] | None = None
        if self._pressed("#export-tags") == "tags-choose":
            chosen = set(self.query_one("#export-tag-list", FormSelectionList).selected)
            tags = tuple(tag.id for tag in self.codebook if tag.id in chosen)
            if not tags:
                return "Choose at least one tag (space ticks one)"
        values: dict[str, Any] = {}
        for option in entry.options:
            if option.kind == "text":
                typed = self.query_one(f"#export-{option.name}", Input).value.strip()
                values[option.keyword] = typed or None
            else:
                values[option.keyword] = self.query_one(f"#export-{option.name}", Checkbox).value
        return ExportRequest(
            format=entry.name,
            destination=path,
            document_ids=documents,
            tag_ids=tags,
            excel=values.pop("excel", False),
            formula_guard=values.pop("formula_guard", True),
            options=tuple(values.items()),
        )

    def action_export(self) -> None:
        made = self.request()
        if isinstance(made, str):
            self._show_message(made)
            return
        if made.destination.exists() and self._overwrite_confirmed != made.destination:
            self._overwrite_confirmed = made.destination
            self._show_message(
                f"“{printable(made.destination.name)}” exists: enter again replaces it",
                "warning",
            )
            return
        self.dismiss(made)

    def action_cancel(self) -> None:
        self.dismiss(None)
