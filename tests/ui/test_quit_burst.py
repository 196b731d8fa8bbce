"""Keys that arrive in the same burst as `q` (`qC`, `q?`) are dropped, not acted on during exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import settle, until
from textual import events

from reader.ui.app import ReaderApp

SIZE = (120, 40)

# Every key of the reading screen that opens a screen or mounts a widget, as Textual names it
# and the character it types (`t` and `m` need a selection: see the second test).
OPENING_KEYS = [
    ("C", "C"),  # codebook
    ("f4", None),
    ("T", "T"),  # tag view
    ("f3", None),
    ("question_mark", "?"),  # help
    ("f1", None),
    ("f2", None),  # annotation sidebar
    ("ctrl+e", None),  # export dialog
    ("ctrl+o", None),  # open dialog
    ("ctrl+backslash", None),  # split: mounts a pane
    ("alt+t", None),  # theme picker
]
# (ctrl+p is a priority binding: the app handles it before `q` reaches the document's bindings,
# so the palette opens and takes the `q` as typed text; nothing is closing then.)
OPENING_KEYS_ON_A_SELECTION = [("t", "t"), ("m", "m")]  # tag picker, memo editor


def make_app(tmp_path: Path) -> ReaderApp:
    folder = tmp_path / "docs"
    folder.mkdir()
    document = folder / "report.txt"
    document.write_text("Refugees in Lebanon fear arrest. Returns are rare.\n\nDonors.\n", "utf-8")
    return ReaderApp(
        [document], db_path=tmp_path / "db" / "annotations.json",
        config_path=tmp_path / "none.toml",
    )


async def quit_in_a_burst(app: ReaderApp, pilot, key: str, character: str | None) -> None:  # type: ignore[no-untyped-def]
    # Posted together, as a terminal delivers "qC" in one read: `pilot.press` would let the
    # app handle `q` (and exit) before it sends the next key.
    app.post_message(events.Key("q", "q"))
    app.post_message(events.Key(key, character))
    await until(pilot, lambda: not app.is_running)


@pytest.mark.parametrize(("key", "character"), OPENING_KEYS)
async def test_a_key_right_after_q_does_not_crash_the_exit(
    tmp_path: Path, key: str, character: str | None
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await quit_in_a_burst(app, pilot, key, character)
    assert app.return_code == 0


@pytest.mark.parametrize(("key", "character"), OPENING_KEYS_ON_A_SELECTION)
async def test_a_coding_key_right_after_q_does_not_crash_the_exit(
    tmp_path: Path, key: str, character: str | None
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s")
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: pane.view.selection is not None)
        await quit_in_a_burst(app, pilot, key, character)
    assert app.return_code == 0


async def test_a_key_posted_without_q_opens_its_screen(tmp_path: Path) -> None:
    # The burst tests post keys the same way: this shows that such keys reach the bindings.
    from reader.ui.screens.help import HelpScreen

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.post_message(events.Key("question_mark", "?"))
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
