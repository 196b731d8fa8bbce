"""The codebook screen: add, rename, recolour, describe, nest, key, merge and delete tags.

Each change is one store call on the service's thread, so it is one step that `u` takes back.
The table is redrawn from the service's snapshots, like every other review widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from reader.core.codebook import (
    PALETTE,
    CodebookError,
    clean_tag_name,
    split_tag_path,
    valid_colour,
)
from reader.core.models import Tag
from reader.core.review import CodebookEntry, codebook_entries, merge_choices, parent_choices
from reader.core.row_geometry import visual_label
from reader.ui.screens.tag_editor import Confirm, TagChooser, TextPrompt
from reader.ui.store_feed import store_feed
from reader.ui.widgets.annotation_sidebar import (
    store_snapshot,
    submit_change,
    tag_label,
    tag_swatch,
)
from reader.ui.widgets.footer import COMPACT_FOOTER_BELOW

if TYPE_CHECKING:
    from reader.core.store import AnnotationStore
    from reader.ui.store_service import StoreSnapshot

TOP_LEVEL = "__top__"
"""The chooser's id for "no parent"."""


def _check_path(value: str) -> str | None:
    try:
        split_tag_path(value)
    except CodebookError as error:
        return str(error)
    return None


def _check_name(value: str) -> str | None:
    if "/" in value:
        return _check_path(value)
    try:
        clean_tag_name(value)
    except CodebookError as error:
        return str(error)
    return None


def _check_colour(value: str) -> str | None:
    if not value.strip():
        return None  # the next free palette colour
    try:
        valid_colour(value)
    except CodebookError as error:
        return str(error)
    return None


def _check_hotkey(value: str) -> str | None:
    value = value.strip()
    if value and value not in {str(slot) for slot in range(1, 10)}:
        return "a hotkey is one digit from 1 to 9 (empty: none)"
    return None


def palette_hint() -> Content:
    """The palette's colours as swatches with their codes, for the colour prompt."""
    swatches = [Content.assemble(tag_swatch(colour), " ", colour) for colour in PALETTE]
    return Content.assemble(
        "Type #rrggbb, or leave empty for the next unused colour:\n",
        Content("  ").join(swatches[:5]),
        "\n",
        Content("  ").join(swatches[5:]),
    )


class CodebookScreen(Screen[None]):
    """Every tag in tree order with its hotkey, colour, passages and description."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="codebook.close", tooltip="Back to reading"),
        Binding("a", "add", "Add", id="codebook.add",
                tooltip="Add a tag (parent/child adds it under parent)"),
        Binding("r", "rename", "Rename", id="codebook.rename", tooltip="Rename the tag"),
        Binding("c", "recolour", "Colour", id="codebook.colour", tooltip="Change the colour"),
        Binding("d", "describe", "Describe", id="codebook.describe",
                tooltip="Describe what the tag codes"),
        Binding("p", "nest", "Nest", id="codebook.nest",
                tooltip="Put the tag under another one (or back at the top)"),
        Binding("h", "hotkey", "Hotkey", id="codebook.hotkey",
                tooltip="Give the tag a hotkey slot 1-9 (taken from the tag that had it)"),
        Binding("m", "merge", "Merge", id="codebook.merge",
                tooltip="Merge the tag into another: its passages get the other tag"),
        Binding("x,delete", "delete", "Delete", id="codebook.delete",
                tooltip="Delete the tag: children move up, passages lose it"),
        Binding("t", "passages", "Passages", id="codebook.passages",
                tooltip="Every passage with the tag (enter does the same)"),
        Binding("u,ctrl+z", "undo", "Undo", id="codebook.undo",
                tooltip="Take back the last change made in this window"),
        Binding("ctrl+r", "redo", "Redo", id="codebook.redo", show=False,
                tooltip="Make the last undone change again"),
    ]

    class Outcome(Message):
        """A change finished on the store's thread: what to say, and which tag to select."""

        def __init__(self, text: str, *, error: bool = False, select: str | None = None) -> None:
            super().__init__()
            self.text = text
            self.error = error
            self.select = select

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[CodebookEntry] = []
        self.snapshot: StoreSnapshot | None = None
        self._drawn: object = None
        self._select: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Codebook", "bold"), id="codebook-title")
        table: DataTable[Text] = DataTable(id="codebook-table", cursor_type="row")
        yield table
        yield Static("", id="codebook-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#codebook-table", DataTable)
        table.add_column("Key", key="key", width=3)
        table.add_column("Tag", key="tag")
        table.add_column("Colour", key="colour", width=10)
        table.add_column("Passages", key="count", width=8)
        table.add_column("Description", key="description")
        feed = store_feed(self.app)
        if feed is not None:
            feed.follow(self, self.show)
        table.focus()

    # ------------------------------------------------------------------ following the store

    def show(self, snapshot: StoreSnapshot) -> None:
        """Draw the codebook of `snapshot`, keeping the cursor on the same tag (each new
        snapshot of the store, by `StoreFeed.follow`)."""
        self.snapshot = snapshot
        entries = codebook_entries(snapshot.codebook, snapshot.rolled_counts)
        key = tuple((entry.tag, entry.count, entry.depth) for entry in entries)
        table = self.query_one("#codebook-table", DataTable)
        if key != self._drawn:
            self._drawn = key
            current = self.current_tag
            self.entries = entries
            table.clear()
            for entry in entries:
                tag = entry.tag
                table.add_row(
                    Text(str(tag.hotkey) if tag.hotkey is not None else "", style="bold"),
                    Text.assemble("  " * entry.depth, visual_label(tag.name)),
                    Text.assemble((" \u25a0", tag.colour), f" {tag.colour}"),
                    Text(str(entry.count), justify="right"),
                    Text(visual_label(" ".join(tag.description.split())), style="dim"),
                    key=tag.id,
                )
            if current is not None:
                self._move_to(current.id)
        # A tag just added or moved: the cursor follows it once the snapshot has it.
        if self._select is not None and self._move_to(self._select):
            self._select = None
        if not entries:
            self._status(Content("No tags: press a to add one."))

    def _move_to(self, tag_id: str) -> bool:
        ids = [entry.tag.id for entry in self.entries]
        if tag_id not in ids:
            return False
        self.query_one("#codebook-table", DataTable).move_cursor(row=ids.index(tag_id))
        return True

    @property
    def current_tag(self) -> Tag | None:
        """The tag under the cursor."""
        table = self.query_one("#codebook-table", DataTable)
        if not self.entries or not 0 <= table.cursor_row < len(self.entries):
            return None
        return self.entries[table.cursor_row].tag

    def _status(self, text: Content, *, error: bool = False) -> None:
        status = self.query_one("#codebook-status", Static)
        status.set_class(error, "-error")
        status.update(text)

    @on(Outcome)
    def _outcome(self, event: Outcome) -> None:
        self._status(Content(visual_label(event.text)), error=event.error)
        if event.select is not None:
            self._select = event.select
            snapshot = store_snapshot(self.app)
            if snapshot is not None:
                self.show(snapshot)

    # ------------------------------------------------------------------ changes

    def change(
        self,
        run: Callable[[AnnotationStore], Any],
        *,
        label: str,
        done: Callable[[Any], str],
        select: Callable[[Any], str | None] | None = None,
    ) -> None:
        """Run one store call as one undo step; report its outcome on the status line."""

        def job(store: AnnotationStore) -> Any:
            try:
                result = run(store)
            except Exception as error:
                self.post_message(self.Outcome(f"Not done ({label}): {error}", error=True))
                raise
            chosen = select(result) if select is not None else None
            self.post_message(self.Outcome(done(result), select=chosen))
            return result

        submit_change(self.app, job, label=label)

    def _tag_path(self, tag: Tag) -> str:
        if self.snapshot is not None and tag.id in self.snapshot.codebook:
            return self.snapshot.codebook.path(tag)
        return tag.name

    def _tag_choices(
        self, tags: list[Tag], *, top_level: bool = False
    ) -> list[tuple[str, Content]]:
        choices: list[tuple[str, Content]] = []
        if top_level:
            choices.append((TOP_LEVEL, Content.styled("(top level)", "italic")))
        for tag in tags:
            choices.append((tag.id, tag_label(self._tag_path(tag), tag.colour)))
        return choices

    def action_add(self) -> None:
        def chosen(value: str | None) -> None:
            if value is None:
                return
            path = value.strip()
            self.change(
                lambda store: store.create_tag(path),
                label=f"add tag {path}",
                done=lambda tag: f"Added {path}.",
                select=lambda tag: tag.id,
            )

        self.app.push_screen(
            TextPrompt(
                "Add a tag",
                hint="A name; parent/child adds it under parent (making parent if needed).",
                check=_check_path,
            ),
            chosen,
        )

    def action_rename(self) -> None:
        tag = self.current_tag
        if tag is None:
            return
        old = self._tag_path(tag)

        def chosen(value: str | None) -> None:
            if value is None or value.strip() == tag.name:
                return
            name = value.strip()
            self.change(
                lambda store: store.rename_tag(tag.id, name),
                label=f"rename tag {old}",
                done=lambda renamed: f"Renamed {old} to {name}.",
                select=lambda renamed: renamed.id,
            )

        self.app.push_screen(
            TextPrompt(
                f"Rename {old}",
                value=tag.name,
                hint="A new name; parent/child also moves it under parent.",
                check=_check_name,
            ),
            chosen,
        )

    def action_recolour(self) -> None:
        tag = self.current_tag
        if tag is None:
            return
        name = self._tag_path(tag)

        def chosen(value: str | None) -> None:
            if value is None:
                return
            colour = value.strip()

            def run(store: AnnotationStore) -> Tag:
                if not colour:
                    from reader.core.codebook import next_colour

                    free = next_colour(store.codebook().colours())
                    return store.update_tag(tag.id, colour=free)
                return store.update_tag(tag.id, colour=colour)

            self.change(
                run,
                label=f"recolour tag {name}",
                done=lambda updated: f"{name} is now {updated.colour}.",
            )

        self.app.push_screen(
            TextPrompt(f"Colour of {name}", value=tag.colour, hint=palette_hint(),
                       check=_check_colour),
            chosen,
        )

    def action_describe(self) -> None:
        tag = self.current_tag
        if tag is None:
            return
        name = self._tag_path(tag)

        def chosen(value: str | None) -> None:
            if value is None or value.strip() == tag.description:
                return
            description = value.strip()
            self.change(
                lambda store: store.update_tag(tag.id, description=description),
                label=f"describe tag {name}",
                done=lambda updated: f"Described {name}.",
            )

        self.app.push_screen(
            TextPrompt(
                f"Describe {name}",
                value=tag.description,
                hint="What passages with this tag are about (empty: no description).",
            ),
            chosen,
        )

    def action_nest(self) -> None:
        tag = self.current_tag
        if tag is None or self.snapshot is None:
            return
        name = self._tag_path(tag)
        choices = self._tag_choices(parent_choices(self.snapshot.codebook, tag.id), top_level=True)

        def chosen(value: str | None) -> None:
            if value is None:
                return
            parent = None if value == TOP_LEVEL else value
            if parent == tag.parent:
                return
            self.change(
                lambda store: store.update_tag(tag.id, parent=parent),
                label=f"nest tag {name}",
                done=lambda updated: f"Moved {name} to {self._where(parent)}.",
                select=lambda updated: updated.id,
            )

        self.app.push_screen(
            TagChooser(f"Put {name} under", choices, current=tag.parent or TOP_LEVEL), chosen
        )

    def _where(self, parent: str | None) -> str:
        if parent is None or self.snapshot is None or parent not in self.snapshot.codebook:
            return "the top level"
        return self.snapshot.codebook.path(parent)

    def action_hotkey(self) -> None:
        tag = self.current_tag
        if tag is None:
            return
        name = self._tag_path(tag)

        def chosen(value: str | None) -> None:
            if value is None:
                return
            slot = int(value) if value.strip() else None
            if slot == tag.hotkey:
                return
            self.change(
                lambda store: store.update_tag(tag.id, hotkey=slot),
                label=f"hotkey for tag {name}",
                done=lambda updated: (
                    f"{name} has hotkey {slot}." if slot else f"{name} has no hotkey."
                ),
            )

        self.app.push_screen(
            TextPrompt(
                f"Hotkey of {name}",
                value=str(tag.hotkey or ""),
                hint="One digit from 1 to 9 (a tag that has it gives it up); empty: none.",
                check=_check_hotkey,
            ),
            chosen,
        )

    def action_merge(self) -> None:
        tag = self.current_tag
        if tag is None or self.snapshot is None:
            return
        name = self._tag_path(tag)
        choices = self._tag_choices(merge_choices(self.snapshot.codebook, tag.id))
        if not choices:
            self._status(Content("There is no other tag to merge into."), error=True)
            return

        def chosen(value: str | None) -> None:
            if value is None:
                return
            target = self._where(value)
            self.change(
                lambda store: store.merge_tags(tag.id, value),
                label=f"merge tag {name}",
                done=lambda changed: (
                    f"Merged {name} into {target} ({changed} passage"
                    f"{'s' * (changed != 1)} changed). u undoes it."
                ),
                select=lambda changed: value,
            )

        self.app.push_screen(TagChooser(f"Merge {name} into", choices), chosen)

    def action_delete(self) -> None:
        tag = self.current_tag
        if tag is None or self.snapshot is None:
            return
        name = self._tag_path(tag)
        count = self.snapshot.counts.get(tag.id, 0)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.change(
                lambda store: store.delete_tag(tag.id),
                label=f"delete tag {name}",
                done=lambda changed: f"Deleted {name}. u undoes it.",
            )

        question = Content.assemble(
            "Delete ", tag_label(name, tag.colour),
            f"? {count} passage{'s' * (count != 1)} lose it "
            "(a passage with no other tag and no memo goes too).",
        )
        self.app.push_screen(Confirm(question), answered)

    def action_undo(self) -> None:
        self.change(
            lambda store: store.undo(),
            label="undo",
            done=lambda step: f"Undid: {step.label}." if step else "Nothing to undo.",
        )

    def action_redo(self) -> None:
        self.change(
            lambda store: store.redo(),
            label="redo",
            done=lambda step: f"Redid: {step.label}." if step else "Nothing to redo.",
        )

    @on(DataTable.RowSelected, "#codebook-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_passages()

    def action_passages(self) -> None:
        from reader.ui.screens.tag_view import TagViewScreen

        tag = self.current_tag
        if tag is not None:
            self.app.push_screen(TagViewScreen(tag.id))

    def on_resize(self, event: Resize) -> None:
        # Closer keys on a narrow terminal, so more of them fit in the footer.
        self.query_one(Footer).compact = event.size.width < COMPACT_FOOTER_BELOW

    def action_close(self) -> None:
        self.dismiss()
