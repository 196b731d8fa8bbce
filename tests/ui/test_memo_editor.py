"""The memo editor on its own: saving, clearing, and never losing a changed memo to one key."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static, TextArea

from reader.paths import styles_dir
from reader.ui.screens.memo_editor import (
    CONTEXT_LIMIT,
    DiscardPrompt,
    MemoEditor,
    editable_memo,
    shorten_passage,
)

UNSET: Any = object()


class MemoApp(App[None]):
    """Pushes one memo editor and keeps what it returns."""

    CSS_PATH = [styles_dir() / "dialogs.tcss"]

    def __init__(self, editor: MemoEditor) -> None:
        super().__init__()
        self.editor = editor
        self.result: Any = UNSET

    def compose(self) -> ComposeResult:
        yield Static("behind")

    def on_mount(self) -> None:
        self.push_screen(self.editor, self._done)

    def _done(self, result: str | None) -> None:
        self.result = result


def context_text(app: MemoApp) -> str:
    content = app.editor.query_one("#memo-context", Static).content
    assert isinstance(content, Content)
    return content.plain


async def test_ctrl_s_returns_the_text() -> None:
    app = MemoApp(MemoEditor("first", context="a passage"))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.focused is app.editor.query_one(TextArea)
        await pilot.press(*" and more", "enter", *"line two", "ctrl+s")
        await pilot.pause()
    assert app.result == "first and more\nline two"


async def test_the_save_button_returns_the_text() -> None:
    app = MemoApp(MemoEditor())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"new memo")
        await pilot.click("#memo-save")
        await pilot.pause()
    assert app.result == "new memo"


async def test_saving_an_emptied_memo_returns_an_empty_string() -> None:
    app = MemoApp(MemoEditor("to be cleared"))
    async with app.run_test(size=(100, 30)) as pilot:
        app.editor.query_one(TextArea).clear()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result == ""


async def test_escape_on_an_unchanged_memo_cancels_at_once() -> None:
    app = MemoApp(MemoEditor("kept"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_escape_on_a_changed_memo_asks_and_a_second_escape_discards() -> None:
    app = MemoApp(MemoEditor("kept"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x", "escape")
        await pilot.pause()
        assert app.result is UNSET
        assert app.editor.asking
        assert isinstance(app.focused, DiscardPrompt)
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_y_discards_the_changes() -> None:
    app = MemoApp(MemoEditor("kept"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x", "escape", "y")
        await pilot.pause()
    assert app.result is None


async def test_n_goes_back_to_editing_with_the_text_intact() -> None:
    app = MemoApp(MemoEditor("kept"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x", "escape", "n")
        await pilot.pause()
        assert app.result is UNSET
        assert not app.editor.asking
        assert app.focused is app.editor.query_one(TextArea)
        await pilot.press("y", "ctrl+s")  # typed into the memo, not taken as an answer
        await pilot.pause()
    assert app.result == "keptxy"


async def test_the_cancel_button_also_asks_when_changed() -> None:
    app = MemoApp(MemoEditor("kept"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.click("#memo-cancel")
        await pilot.pause()
        assert app.editor.asking and app.result is UNSET
        await pilot.press("y")
        await pilot.pause()
    assert app.result is None


async def test_the_passage_is_shown_shortened_and_literally() -> None:
    passage = "[bold]Families[/] of the \x1b[31mdetainees\n\nasked " + "for news " * 60 + "END"
    app = MemoApp(MemoEditor("", context=passage))
    async with app.run_test(size=(100, 30)):
        shown = context_text(app)
        assert shown.startswith("“[bold]Families[/] of the ␛[31mdetainees asked")
        assert shown.endswith("END”")
        assert " … " in shown
        assert "\x1b" not in shown and "\n" not in shown


async def test_no_passage_no_context_line() -> None:
    app = MemoApp(MemoEditor("memo"))
    async with app.run_test(size=(100, 30)):
        assert not app.editor.query("#memo-context")


async def test_a_memo_with_control_characters_shows_symbols_and_is_not_changed_by_opening() -> None:
    app = MemoApp(MemoEditor("line\r\nbell\x07 esc\x1b[2J"))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.editor.text == "line\nbell␇ esc␛[2J"
        assert not app.editor.changed
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


def test_shorten_passage_keeps_short_text_and_cuts_long_text_at_words() -> None:
    assert shorten_passage("  a\n short\tpassage ") == "a short passage"
    long = " ".join(f"word{index}" for index in range(200))
    short = shorten_passage(long)
    assert len(short) <= CONTEXT_LIMIT + 3
    assert short.startswith("word0 word1 ")
    assert short.endswith(" word199")
    head, tail = short.split(" … ")
    assert all(part.startswith("word") for part in head.split() + tail.split())


def test_shorten_passage_never_splits_a_character() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme cluster
    text = family * 200
    short = shorten_passage(text, limit=30)
    head, tail = short.split(" … ")
    assert len(head) % len(family) == 0 and len(tail) % len(family) == 0


def test_editable_memo_keeps_line_breaks_and_tabs() -> None:
    assert editable_memo("a\tb\r\nc\rd\x00") == "a\tb\nc\nd␀"


async def test_an_arabic_memo_is_also_shown_in_visual_order() -> None:
    from reader.core.bidi import set_display_mode

    set_display_mode("reader")
    app = MemoApp(MemoEditor("English first"))
    async with app.run_test() as pilot:
        preview = app.editor.query_one("#memo-preview", Static)
        assert not preview.display  # nothing right-to-left: no preview
        app.editor.query_one(TextArea).text = "سلام (12)"
        await pilot.pause()
        assert preview.display
        content = preview.content
        assert isinstance(content, Content)
        assert content.plain == "(12) \ufee1\ufefc\ufeb3"  # shaped, reversed, brackets mirrored
