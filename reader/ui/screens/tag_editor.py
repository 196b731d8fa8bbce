"""Small dialogs of the codebook screen: a line of text, a tag to choose, a yes-or-no question."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reader.core.display import printable
from reader.core.row_geometry import visual_label

Check = Callable[[str], str | None]
"""Returns why a value is refused, or None to accept it."""


class TextPrompt(ModalScreen[str | None]):
    """Asks for one line (a name, a colour, a description); None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="tag-editor.cancel", tooltip="Close without change"
        ),
    ]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        hint: Content | str = "",
        placeholder: str = "",
        check: Check | None = None,
    ) -> None:
        super().__init__(classes="review-dialog")
        self.title_text = title
        self.value = value
        self.hint = hint
        self.placeholder = placeholder
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog-box"):
            yield Static(Content.styled(visual_label(self.title_text), "bold"), classes="title")
            if self.hint:
                hint = self.hint if isinstance(self.hint, Content) else Content(self.hint)
                yield Static(hint, classes="hint")
            yield Input(
                printable(self.value), placeholder=self.placeholder, select_on_focus=True
            )
            yield Static("", classes="error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        problem = self.check(value) if self.check is not None else None
        if problem:
            self.query_one(".error", Static).update(Content(visual_label(problem)))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagChooser(ModalScreen[str | None]):
    """Chooses one of `choices` ((id, label) pairs); None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="tag-editor.cancel", tooltip="Close without change"
        ),
    ]

    def __init__(
        self, title: str, choices: Sequence[tuple[str, Content]], *, current: str | None = None
    ) -> None:
        super().__init__(classes="review-dialog")
        self.title_text = title
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-dialog-box"):
            yield Static(Content.styled(visual_label(self.title_text), "bold"), classes="title")
            yield OptionList(
                *(Option(label, id=choice_id) for choice_id, label in self.choices)
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [choice_id for choice_id, _ in self.choices]
        if self.current in ids:
            options.highlighted = ids.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes-or-no question: `y` or `enter` says yes; `n` or `escape` says no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="tag-editor.yes", tooltip="Do it"),
        Binding("n,escape", "answer(False)", "No", id="tag-editor.no", tooltip="Leave it as it is"),
    ]

    def __init__(self, question: Content | str) -> None:
        super().__init__(classes="review-dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        question = (
            self.question if isinstance(self.question, Content) else Content(self.question)
        )
        with Vertical(classes="review-dialog-box"):
            yield Static(question, classes="title")
            yield Static(Content.styled("y: yes    n: no", "$text-muted"), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
