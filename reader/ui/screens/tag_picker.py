"""The tag picker: type to filter the codebook, tick one or several tags, or create a new one.

The picker only collects a choice; the caller creates the new tags and changes the annotation.
Keys while typing: up/down move the highlight, tab ticks or unticks the highlighted tag (to apply
several), enter applies, escape cancels. With nothing ticked or unticked, enter applies the
highlighted tag on top of those the annotation already has; after any tick, enter applies
exactly the ticked set. Text that names no tag offers `Create "<text>"` as the last option
(`parent/child` makes a child); choosing it asks for a colour in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from reader.core.codebook import (
    PALETTE,
    SEPARATOR,
    Codebook,
    CodebookError,
    next_colour,
    split_tag_path,
    valid_colour,
)
from reader.core.fuzzy import fuzzy_filter, fuzzy_match
from reader.core.row_geometry import visual_label
from reader.ui.widgets.row_render import label_text

CREATE_OPTION = "create"
"""The id of the `Create "<text>"` option."""


@dataclass(frozen=True)
class NewTag:
    """A tag to create: its full path (`parent/child`, missing parents too) and its colour."""

    path: str
    colour: str


@dataclass(frozen=True)
class TagPickerResult:
    """What the annotation should carry once the picker closes.

    `tag_ids` are existing tags, those it already had first (in codebook order), then the ones
    ticked in the order they were ticked; `new_tags` are to be created and added after them.
    Both empty means the analyst unticked everything.
    """

    tag_ids: tuple[str, ...]
    new_tags: tuple[NewTag, ...] = ()


@dataclass(frozen=True)
class _Entry:
    """One tag in the list: an existing tag (`tag_id`) or one created in this dialog."""

    key: str
    path: str
    colour: str
    tag_id: str | None = None
    hotkey: int | None = None


def _swatch(colour: str) -> Text:
    try:
        return Text("██", style=Style(color=valid_colour(colour)))
    except (CodebookError, ValueError):
        return Text("░░", style="dim")  # a hand-edited colour that is not #rrggbb


def _row(tick: Text, swatch: Text, name: Text, hotkey: Text, extra: Text) -> Table:
    """One line of the list (and its header): tick, swatch, full path, hotkey slot, uses."""
    row = Table.grid(expand=True, padding=(0, 1, 0, 0))
    row.add_column(width=1, no_wrap=True)
    row.add_column(width=2, no_wrap=True)
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(width=3, justify="right", no_wrap=True)
    row.add_column(width=5, justify="right", no_wrap=True)
    row.add_row(tick, swatch, name, hotkey, extra)
    return row


class TagOptions(OptionList, can_focus=False):
    """The filtered tags. The input keeps the keyboard; this list follows its up/down keys."""


class FilterInput(Input):
    """The picker's input: enter applies (shown in the footer, unlike a plain Input's submit).

    Enter is the input's own binding rather than a priority one on the screen, so it runs after
    every key typed before it: a fast "det" + enter applies what "det" finds.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "submit",
            "Apply",
            id="tag-picker.apply",
            tooltip="Apply the ticked tags, or the highlighted one when nothing was ticked",
        ),
    ]


class ColourRow(Widget, can_focus=True):
    """A row of palette swatches for a new tag; left/right or a number key chooses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "confirm",
            "Create",
            id="tag-picker.create",
            tooltip="Create the new tag in the chosen colour",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            id="tag-picker.back",
            tooltip="Leave the colour row without creating the tag",
        ),
        Binding(
            "left",
            "step(-1)",
            "Colour",
            id="tag-picker.colour-previous",
            tooltip="The previous colour of the palette",
            key_display="←→",
        ),
        Binding(
            "right",
            "step(1)",
            "Colour",
            id="tag-picker.colour-next",
            tooltip="The next colour of the palette",
            key_display="→",
            show=False,
        ),
        *(
            Binding(
                str((index + 1) % 10),
                f"choose({index})",
                f"Colour {(index + 1) % 10}",
                id=f"tag-picker.colour-{(index + 1) % 10}",
                tooltip="Choose this colour of the palette",
                show=False,
            )
            for index in range(len(PALETTE))
        ),
    ]

    index: reactive[int] = reactive(0)

    class Confirmed(Message):
        """Enter: create the tag in the chosen colour."""

    class Abandoned(Message):
        """Escape: back to the list without creating it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.path = ""
        self.choices: tuple[str, ...] = PALETTE

    def offer(self, colour: str) -> None:
        """Start at `colour`; one generated beyond the palette becomes a last, extra choice."""
        self.choices = PALETTE if colour in PALETTE else (*PALETTE, colour)
        self.index = self.choices.index(colour)
        self.refresh()

    @property
    def colour(self) -> str:
        return self.choices[self.index]

    def render(self) -> Content:
        parts: list[Content] = [Content("Colour ")]
        for index, colour in enumerate(self.choices):
            number = str((index + 1) % 10) if index < len(PALETTE) else "+"
            chosen = index == self.index
            swatch = Content.styled("██", colour)
            if chosen:
                parts.append(Content.assemble("[", Content.styled(number, "bold"), swatch, "]"))
            else:
                parts.append(Content.assemble(" ", Content.styled(number, "dim"), swatch, " "))
        parts.append(Content.styled(f" {self.colour}", "bold"))
        return Content.assemble(*parts)

    def action_confirm(self) -> None:
        self.post_message(self.Confirmed())

    def action_back(self) -> None:
        self.post_message(self.Abandoned())

    def action_step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.choices)

    def action_choose(self, index: int) -> None:
        self.index = index


class TagPicker(ModalScreen[TagPickerResult | None]):
    """Filter the codebook by typing; tick tags; create a tag that does not exist yet."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "tab",
            "tick",
            "Tick",
            id="tag-picker.tick",
            tooltip="Tick or untick the highlighted tag, to apply several at once",
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="tag-picker.cancel",
            tooltip="Close without changing the tags",
        ),
        Binding("up", "move(-1)", "Up", id="tag-picker.up", show=False),
        Binding("down", "move(1)", "Down", id="tag-picker.down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="tag-picker.page-up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="tag-picker.page-down", show=False),
    ]

    def __init__(
        self,
        codebook: Codebook,
        *,
        applied: frozenset[str] = frozenset(),
        counts: Mapping[str, int] | None = None,
        title: str = "Tag the selection",
    ) -> None:
        super().__init__()
        self.codebook = codebook
        self.applied = applied
        self.counts: Mapping[str, int] = counts if counts is not None else {}
        self.title_text = title
        self._entries: list[_Entry] = [
            _Entry(f"tag:{tag.id}", codebook.path(tag), tag.colour, tag.id, tag.hotkey)
            for tag in codebook
        ]
        self._new: list[_Entry] = []
        # Ordered set of ticked entry keys: applied tags first, in codebook order.
        known = [entry.key for entry in self._entries if entry.tag_id in applied]
        unknown = [f"tag:{tag_id}" for tag_id in sorted(applied) if tag_id not in codebook]
        self._ticked: dict[str, None] = dict.fromkeys(known + unknown)
        self._touched = False
        self._shown: list[_Entry] = []
        self._create_path: str | None = None
        self._colour_mode = False
        self._colour_then_close = False
        self._keep_after_typing: str | None = None

    # ------------------------------------------------------------------ composition

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-picker-dialog"):
            yield Label(Content(visual_label(self.title_text)), id="tag-picker-title")
            yield FilterInput(
                placeholder="Type to filter, or a new name (parent/child for a child tag)",
                id="tag-picker-input",
                select_on_focus=False,
            )
            yield Static(
                _row(Text(), Text(), Text("tag"), Text("key"), Text("uses")),
                id="tag-picker-header",
            )
            yield TagOptions(id="tag-picker-options")
            yield Static("", id="tag-picker-message")
            yield ColourRow(id="tag-picker-colours")
            yield Static(
                Content("tab ticks several · enter applies · type a/b to create b under a"),
                id="tag-picker-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ColourRow).display = False
        self._refilter("")
        self.query_one(Input).focus()

    # ------------------------------------------------------------------ state for callers/tests

    @property
    def ticked(self) -> tuple[str, ...]:
        """Keys of the ticked entries: `tag:<id>` for existing tags, `new:<path>` for new ones."""
        return tuple(self._ticked)

    @property
    def in_colour_mode(self) -> bool:
        """Whether the colour row for a new tag has the keyboard."""
        return self._colour_mode

    def result(self) -> TagPickerResult:
        """The ticked set as a result."""
        tag_ids = tuple(key[4:] for key in self._ticked if key.startswith("tag:"))
        new = {entry.key: entry for entry in self._new}
        new_tags = tuple(
            NewTag(new[key].path, new[key].colour) for key in self._ticked if key in new
        )
        return TagPickerResult(tag_ids, new_tags)

    # ------------------------------------------------------------------ the list

    def _option(self, entry: _Entry, positions: tuple[int, ...]) -> Option:
        name = label_text([(entry.path, "")],
                          marks=[(position, "bold underline") for position in positions])
        ticked = entry.key in self._ticked
        if entry.tag_id is None:
            extra = Text("new", style="italic")
        else:
            count = self.counts.get(entry.tag_id)
            extra = Text("" if count is None else str(count), style="dim")
        hotkey = Text("" if entry.hotkey is None else str(entry.hotkey))
        tick = Text("✓" if ticked else " ", style="bold")
        return Option(_row(tick, _swatch(entry.colour), name, hotkey, extra), id=entry.key)

    def _create_option(self, path: str) -> Option:
        prompt = Text.assemble(("+ ", "bold"), "Create “", visual_label(path), "”")
        parts = path.split(SEPARATOR)
        if len(parts) > 1:
            parent = SEPARATOR.join(parts[:-1])
            child, parent_shown = visual_label(parts[-1]), visual_label(parent)
            prompt.append(f"  ({child} under {parent_shown})", style="dim")
        return Option(prompt, id=CREATE_OPTION)

    def _refilter(self, query: str, *, keep: str | None = None) -> None:
        """Show the entries matching `query`, then `Create` when it names no tag."""
        text = query.strip()
        entries = self._entries + self._new
        self._shown = fuzzy_filter(text, entries, key=lambda entry: entry.path)
        options = []
        for entry in self._shown:
            found = fuzzy_match(text, entry.path)
            options.append(self._option(entry, found.positions if found else ()))
        self._create_path = None
        message = ""
        error = False
        if text:
            try:
                parts = split_tag_path(text)
            except CodebookError as problem:
                if text.endswith(SEPARATOR) and text.count(SEPARATOR) == 1:
                    message = f"Type the new tag's name after “{SEPARATOR}”"
                else:
                    message, error = str(problem), True
            else:
                path = SEPARATOR.join(parts)
                if not self._names_a_tag(path):
                    self._create_path = path
                    options.append(self._create_option(path))
        self._set_message(message, error=error)
        option_list = self.query_one(TagOptions)
        option_list.set_options(options)
        if options:
            index = 0
            if keep is not None:
                index = next(
                    (i for i, option in enumerate(options) if option.id == keep), 0
                )
            option_list.highlighted = index

    def _names_a_tag(self, path: str) -> bool:
        wanted = path.casefold()
        if self.codebook.find(path) is not None:
            return True
        return any(entry.path.casefold() == wanted for entry in self._new)

    def _set_message(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#tag-picker-message", Static)
        label.update(Content(visual_label(message)))
        label.display = bool(message)
        label.set_class(error, "-error")

    @on(Input.Changed, "#tag-picker-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        keep, self._keep_after_typing = self._keep_after_typing, None
        self._refilter(event.value, keep=keep)

    @on(Input.Submitted, "#tag-picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(ColourRow.Confirmed)
    def _colour_confirmed(self, event: ColourRow.Confirmed) -> None:
        event.stop()
        self._create_new_tag()

    @on(ColourRow.Abandoned)
    def _colour_abandoned(self, event: ColourRow.Abandoned) -> None:
        event.stop()
        self._leave_colour_mode()

    @on(OptionList.OptionSelected, "#tag-picker-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_apply()

    def _highlighted_key(self) -> str | None:
        option = self.query_one(TagOptions).highlighted_option
        return None if option is None else option.id

    def _refresh_rows(self) -> None:
        """Redraw the list as it is (ticks changed), keeping the highlight."""
        self._refilter(self.query_one(Input).value, keep=self._highlighted_key())

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("tick", "move", "page"):
            return not self._colour_mode
        return True

    def action_move(self, delta: int) -> None:
        option_list = self.query_one(TagOptions)
        if delta < 0:
            option_list.action_cursor_up()
        else:
            option_list.action_cursor_down()

    def action_page(self, delta: int) -> None:
        option_list = self.query_one(TagOptions)
        if delta < 0:
            option_list.action_page_up()  # type: ignore[no-untyped-call]
        else:
            option_list.action_page_down()  # type: ignore[no-untyped-call]

    def action_tick(self) -> None:
        key = self._highlighted_key()
        if key is None:
            return
        if key == CREATE_OPTION:
            self._ask_colour(then_close=False)
            return
        if key in self._ticked:
            del self._ticked[key]
        else:
            self._ticked[key] = None
        self._touched = True
        self._refresh_rows()

    def action_apply(self) -> None:
        key = self._highlighted_key()
        if key == CREATE_OPTION:
            self._ask_colour(then_close=True)
            return
        if self._touched:
            self.dismiss(self.result())
            return
        if key is None:
            if not self.query_one("#tag-picker-message").has_class("-error"):
                self._set_message("No tag matches: type a name to find or create one")
            return
        self._ticked.setdefault(key, None)
        self.dismiss(self.result())

    def action_cancel(self) -> None:
        self.dismiss(None)


    # ------------------------------------------------------------------ creating a tag

    def _ask_colour(self, *, then_close: bool) -> None:
        if self._create_path is None:
            return
        used = self.codebook.colours() + [entry.colour for entry in self._new]
        row = self.query_one(ColourRow)
        row.offer(next_colour(used))
        row.path = self._create_path
        row.display = True
        self.query_one("#tag-picker-hint").display = False
        self._colour_mode = True
        self._colour_then_close = then_close
        self._set_message(
            f"Colour for “{self._create_path}”: ← → or 1-9, 0, then enter (esc: back)"
        )
        row.focus()
        self.refresh_bindings()

    def _leave_colour_mode(self) -> None:
        self.query_one(ColourRow).display = False
        self.query_one("#tag-picker-hint").display = True
        self._colour_mode = False
        self._set_message("")
        self.query_one(Input).focus()
        self.refresh_bindings()

    def _create_new_tag(self) -> None:
        row = self.query_one(ColourRow)
        entry = _Entry(f"new:{row.path.casefold()}", row.path, row.colour)
        self._new.append(entry)
        self._ticked[entry.key] = None
        self._touched = True
        if self._colour_then_close:
            self.dismiss(self.result())
            return
        self._leave_colour_mode()
        field = self.query_one(Input)
        if field.value:
            self._keep_after_typing = entry.key
            field.value = ""  # refilters through Input.Changed
        else:
            self._refilter("", keep=entry.key)
