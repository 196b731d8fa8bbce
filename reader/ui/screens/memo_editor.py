"""The memo editor: the coded passage above a text area; returns the memo, or None to keep it.

ctrl+s (or Save) returns the text, which may be "" to clear the memo. Escape closes without
saving; if the memo was changed it first asks, so one stray key never loses a memo: a second
escape or `y` discards, `n` goes back to editing.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static, TextArea

from reader.core.bidi import display_mode, has_rtl
from reader.core.display import printable
from reader.core.graphemes import next_grapheme_boundary, previous_grapheme_boundary
from reader.core.row_geometry import visual_label

CONTEXT_LIMIT = 240
"""Characters of the passage shown above the memo; a longer one keeps its start and end."""
PREVIEW_LINES = 4
"""Lines of a right-to-left memo shown read in visual order below the editor (the last ones)."""


def shorten_passage(text: str, limit: int = CONTEXT_LIMIT) -> str:
    """The passage on one line, at most about `limit` characters, cut at whole characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head_end = previous_grapheme_boundary(flat, limit * 2 // 3) if limit * 2 // 3 else 0
    tail_start = next_grapheme_boundary(flat, len(flat) - limit // 3)
    space = flat.rfind(" ", 0, head_end)
    if space > head_end // 2:
        head_end = space  # a whole word where one is close
    space = flat.find(" ", tail_start)
    if 0 <= space < tail_start + limit // 6:
        tail_start = space + 1
    return flat[:head_end].rstrip() + " … " + flat[tail_start:].lstrip()


def editable_memo(memo: str) -> str:
    """A memo as the text area shows it: line breaks kept, other controls as visible symbols."""
    unified = memo.replace("\r\n", "\n").replace("\r", "\n")
    return printable(unified, keep_tabs=True, keep_newlines=True)


class DiscardPrompt(Static, can_focus=True):
    """"Discard changes?" shown in place; takes the keyboard until answered."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y,escape",
            "discard",
            "Discard",
            id="memo.discard",
            tooltip="Close and lose the changes to this memo",
        ),
        Binding(
            "n",
            "keep",
            "Keep editing",
            id="memo.keep-editing",
            tooltip="Go back to the memo",
        ),
    ]

    class Answered(Message):
        """The analyst chose: discard the changes, or keep editing."""

        def __init__(self, discard: bool) -> None:
            super().__init__()
            self.discard = discard

    def action_discard(self) -> None:
        self.post_message(self.Answered(True))

    def action_keep(self) -> None:
        self.post_message(self.Answered(False))


class MemoEditor(ModalScreen[str | None]):
    """Write or change the memo of a passage."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            id="memo.save",
            tooltip="Save the memo (an empty memo clears it)",
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="memo.cancel",
            tooltip="Close without saving; asks first if the memo changed",
        ),
    ]

    def __init__(self, memo: str = "", *, context: str = "", title: str = "Memo") -> None:
        super().__init__()
        self.original = editable_memo(memo)
        self.context = context
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="memo-dialog"):
            yield Label(Content(visual_label(self.title_text)), id="memo-title")
            if self.context.strip():
                passage = visual_label(shorten_passage(self.context))
                yield Static(Content(f"“{passage}”"), id="memo-context")
            yield TextArea(
                self.original,
                id="memo-text",
                soft_wrap=True,
                tab_behavior="focus",
                show_line_numbers=False,
            )
            yield Static(id="memo-preview")
            yield DiscardPrompt(
                Content("Discard the changes to this memo?  y or esc: discard · n: keep editing"),
                id="memo-discard",
            )
            with Horizontal(id="memo-buttons"):
                yield Button("Save", variant="primary", id="memo-save", compact=True)
                yield Button("Cancel", id="memo-cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DiscardPrompt).display = False
        self._show_preview(self.original)
        text_area = self.query_one(TextArea)
        text_area.move_cursor(text_area.document.end)
        text_area.focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def asking(self) -> bool:
        """Whether "discard changes?" is waiting for an answer."""
        return self.query_one(DiscardPrompt).display

    def action_save(self) -> None:
        self.dismiss(self.text)

    def action_cancel(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return
        prompt = self.query_one(DiscardPrompt)
        prompt.display = True
        prompt.focus()

    @on(TextArea.Changed, "#memo-text")
    def _memo_changed(self, event: TextArea.Changed) -> None:
        self._show_preview(event.text_area.text)

    def _show_preview(self, memo: str) -> None:
        """Right-to-left memos also shown as read: the text area edits in stored order (it
        cannot reorder), so below it each line is drawn shaped and in visual order."""
        preview = self.query_one("#memo-preview", Static)
        shown = display_mode() == "reader" and has_rtl(memo)
        preview.display = shown
        if shown:
            lines = memo.splitlines()[-PREVIEW_LINES:]
            preview.update(Content("\n".join(visual_label(line) for line in lines)))

    @on(DiscardPrompt.Answered)
    def _answered(self, event: DiscardPrompt.Answered) -> None:
        event.stop()
        if event.discard:
            self.dismiss(None)
            return
        self.query_one(DiscardPrompt).display = False
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#memo-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#memo-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
