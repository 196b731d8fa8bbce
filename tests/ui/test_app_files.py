"""Documents that cannot be read give a clear message and the app keeps running."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import settle
from textual.widgets import Static

from reader.ui.app import ReaderApp

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


@pytest.mark.parametrize("kind", ["missing", "binary", "undecodable", "folder"])
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
