"""Documents that cannot be read give a clear message and the app keeps running."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from support import settle
from textual.widgets import Static

from reader.paths import session_path
from reader.ui import app as app_module
from reader.ui.app import ReaderApp
from reader.ui.opening import FOLDER_TAB_LIMIT
from reader.ui.screens.open_document import DocumentTree, OpenDocumentScreen

SIZE = (120, 40)


def make_app(tmp_path: Path, paths: list[Path]) -> ReaderApp:
    return ReaderApp(
        paths, db_path=tmp_path / "db" / "annotations.json", config_path=tmp_path / "none.toml"
    )


def messages(app: ReaderApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def good_doc(folder: Path, name: str = "good.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("A readable document.\n\nWith two paragraphs.\n", "utf-8")
    return path


@pytest.mark.parametrize("kind", ["missing", "binary", "undecodable", "folder", "link-loop"])
async def test_unreadable_file_gives_a_notification(tmp_path: Path, kind: str) -> None:
    good = good_doc(tmp_path / "docs")
    bad = tmp_path / "docs" / "bad.txt"
    if kind == "binary":
        bad.write_bytes(b"\x00\x01\x02\x03PK\x00\x00" * 64)
    elif kind == "undecodable":
        bad.write_bytes(b"\xef\xbb\xbf" + b"caf\xe9 not UTF-8 after a UTF-8 byte order mark")
    elif kind == "folder":
        bad = tmp_path / "docs" / "sub"
        bad.mkdir()
    elif kind == "link-loop":
        bad.symlink_to(bad.name)
    app = make_app(tmp_path, [good])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert await app.open_path(bad) is False
        await pilot.pause()
        assert app.is_running
        assert app.workspace.document_count == 1
        reported = [m for m in messages(app) if bad.name in m]
        assert reported, messages(app)
        assert all(n.markup is False for n in app._notifications)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
async def test_permission_denied_gives_a_notification(tmp_path: Path) -> None:
    good = good_doc(tmp_path / "docs")
    locked = good_doc(tmp_path / "docs", "locked.txt")
    locked.chmod(0)
    app = make_app(tmp_path, [good, locked])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.workspace.document_count == 1
        assert any("locked.txt" in m for m in messages(app))


async def test_missing_file_on_the_command_line(tmp_path: Path) -> None:
    app = make_app(tmp_path, [tmp_path / "nowhere.txt"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.is_running
        assert app.workspace.document_count == 0
        assert any("nowhere.txt" in m for m in messages(app))
        hint = app.workspace.query_one("#empty-hint", Static)
        assert hint.display and "No document open" in str(hint.render())


async def test_file_names_are_data_not_markup(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    evil = folder / "[bold]x[@click=app.quit]\x1b]0;pwned\x07.txt"
    evil.write_bytes(b"\x00binary\x00")
    app = make_app(tmp_path, [evil])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = "\n".join(messages(app))
        assert "[bold]x[@click=app.quit]" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_folder_opens_readable_documents_as_tabs_and_names_the_skipped(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "corpus"
    good_doc(folder, "a.txt")
    good_doc(folder, "b.md")
    (folder / "c.txt").write_bytes(b"\x00\x00\x00binary")
    (folder / "d.exe").write_bytes(b"MZ\x00\x00")
    (folder / ".hidden.txt").write_text("hidden", "utf-8")
    app = make_app(tmp_path, [folder])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        workspace = app.workspace
        assert len(workspace.panes) == 1
        names = [Path(tab.document_pane.document.path).name for tab in workspace.panes[0].tabs]
        assert names == ["a.txt", "b.md"]
        skipped = [n for n in app._notifications if "Skipped" in n.title]
        assert len(skipped) == 1
        assert "c.txt" in skipped[0].message and "d.exe" in skipped[0].message
        assert ".hidden" not in skipped[0].message


def tab_names(app: ReaderApp) -> list[str]:
    return [Path(tab.document_pane.document.path).name for tab in app.workspace.panes[0].tabs]


def saved_session_names(tmp_path: Path) -> list[str]:
    saved = json.loads(session_path(tmp_path / "db" / "annotations.json").read_text("utf-8"))
    return [Path(doc["path"]).name for pane in saved["panes"] for doc in pane["documents"]]


async def test_a_big_folder_opens_its_first_documents_and_says_how_to_reach_the_rest(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "corpus"
    count = FOLDER_TAB_LIMIT + 15
    for number in range(count):
        good_doc(folder, f"doc{number:03}.txt")
    app = make_app(tmp_path, [folder])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        expected = [f"doc{number:03}.txt" for number in range(FOLDER_TAB_LIMIT)]
        assert tab_names(app) == expected
        told = [m for m in messages(app) if f"first {FOLDER_TAB_LIMIT} of {count}" in m]
        assert len(told) == 1 and "^o" in told[0], messages(app)
        # The open dialog starts in that folder, where the others are.
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OpenDocumentScreen)
        assert Path(app.screen.query_one(DocumentTree).path) == folder
        await pilot.press("escape")
        await app.action_quit()
    assert saved_session_names(tmp_path) == expected


async def test_quitting_while_a_folder_opens_keeps_what_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "corpus"
    for name in ("a.txt", "b.txt", "c.txt"):
        good_doc(folder, name)
    release = threading.Event()
    real_load = app_module.load_or_reason

    def slow_on_c(path: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.name == "c.txt":
            release.wait(timeout=30)
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(app_module, "load_or_reason", slow_on_c)
    app = make_app(tmp_path, [folder])
    try:
        async with app.run_test(size=SIZE) as pilot:
            while tab_names(app) != ["a.txt", "b.txt"]:
                await pilot.pause()
            await app.action_quit()
    finally:
        release.set()
    assert saved_session_names(tmp_path) == ["a.txt", "b.txt"]
