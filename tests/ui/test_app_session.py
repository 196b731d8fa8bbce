"""Sessions: quit saves panes, tabs, positions and preferences; `reader` alone restores them."""

from __future__ import annotations

import json
from pathlib import Path

from support import settle, until

from reader.paths import session_path
from reader.ui.app import ReaderApp

SIZE = (120, 40)


def write_docs(folder: Path, count: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"doc{index + 1}.txt"
        lines = [f"Document {index + 1}, line {line}. A sentence here." for line in range(300)]
        path.write_text("\n".join(lines) + "\n", "utf-8")
        paths.append(path)
    return paths


def make_app(tmp_path: Path, paths: list[Path]) -> ReaderApp:
    return ReaderApp(
        paths, db_path=tmp_path / "db" / "annotations.json", config_path=tmp_path / "none.toml"
    )


def session_file(tmp_path: Path) -> Path:
    return session_path(tmp_path / "db" / "annotations.json")


def saved_pane_count(tmp_path: Path) -> int | None:
    """Panes in the session file, or None while it is not written (it is replaced whole)."""
    try:
        return len(json.loads(session_file(tmp_path).read_text("utf-8"))["panes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def test_quit_saves_and_resume_restores_everything(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 3)
    first = make_app(tmp_path, docs)
    async with first.run_test(size=SIZE) as pilot:
        await settle(first, pilot)
        await pilot.press("ctrl+pagedown")  # doc2 active in the first pane
        await pilot.press("alt+m")  # doc2 moves into a new pane on the right
        await settle(first, pilot)
        right = first.workspace.panes[1]
        right.tabs[0].document_pane.cursor_offset = 2000
        await pilot.pause()
        await pilot.press("tab")  # focus back to the left pane (doc1 showing)
        left = first.workspace.panes[0]
        left.tabs[0].document_pane.cursor_offset = 700
        await pilot.press("alt+z", "alt+n", "alt+l")
        first.theme = "nord"
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert not first.is_running

    saved = json.loads(session_file(tmp_path).read_text("utf-8"))
    assert saved["layout"] == "vertical"
    assert saved["theme"] == "nord"
    assert saved["wrap"] is False
    assert saved["line_numbers"] is True
    assert saved["focused_pane"] == 0
    panes = saved["panes"]
    assert [[Path(d["path"]).name for d in pane["documents"]] for pane in panes] == [
        ["doc1.txt", "doc3.txt"],
        ["doc2.txt"],
    ]
    assert panes[0]["active"] == 1  # doc3 took doc2's place when doc2 moved right
    assert panes[0]["documents"][0]["cursor"] == 700
    assert panes[1]["documents"][0]["cursor"] == 2000
    assert Path(saved["recent"][0]).name in {"doc1.txt", "doc2.txt", "doc3.txt"}

    second = make_app(tmp_path, [])
    async with second.run_test(size=SIZE) as pilot:
        await settle(second, pilot)
        workspace = second.workspace
        assert second.theme == "nord"
        assert workspace.layout_mode == "vertical"
        left, right = workspace.panes
        assert [Path(t.document_pane.document.path).name for t in left.tabs] == [
            "doc1.txt",
            "doc3.txt",
        ]
        assert left.active_tab is left.tabs[1]
        assert workspace.active_pane is left
        assert second.focused is left.tabs[1].document_pane.view
        assert right.tabs[0].document_pane.cursor_offset == 2000
        await pilot.press("ctrl+pageup")  # doc1, shown for the first time since the restart
        await settle(second, pilot)
        assert left.tabs[0].document_pane.cursor_offset == 700
        assert not left.tabs[0].document_pane.wrap
        assert left.tabs[0].document_pane.line_numbers


async def test_scroll_position_survives_a_restart(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    first = make_app(tmp_path, docs)
    async with first.run_test(size=SIZE) as pilot:
        await settle(first, pilot)
        await pilot.press(*["pagedown"] * 3)
        await pilot.pause()
        pane = first.workspace.active_document
        assert pane is not None
        cursor, state = pane.cursor_offset, pane.scroll_state()
        assert cursor > 0
        await pilot.press("q")
    second = make_app(tmp_path, [])
    async with second.run_test(size=SIZE) as pilot:
        await settle(second, pilot)
        pane = second.workspace.active_document
        assert pane is not None
        assert pane.cursor_offset == cursor
        assert pane.scroll_state() == state


async def test_changes_are_saved_before_quitting(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+backslash")
        await settle(app, pilot)
        await until(pilot, lambda: saved_pane_count(tmp_path) == 2)  # after the debounce


async def test_corrupt_session_is_reported_and_samples_open(tmp_path: Path) -> None:
    path = session_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "panes": "nope"', "utf-8")
    app = make_app(tmp_path, [])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.is_running
        assert any("session" in n.message.lower() for n in app._notifications)
        assert app.workspace.document_count > 0  # the bundled samples


async def test_missing_documents_on_resume_are_skipped_with_a_message(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    first = make_app(tmp_path, docs)
    async with first.run_test(size=SIZE) as pilot:
        await settle(first, pilot)
        await pilot.press("q")
    docs[0].unlink()
    second = make_app(tmp_path, [])
    async with second.run_test(size=SIZE) as pilot:
        await settle(second, pilot)
        names = [Path(p.document.path).name for p in second.workspace.document_panes()]
        assert names == ["doc2.txt"]
        assert any("doc1.txt" in n.message for n in second._notifications)


async def test_no_arguments_and_no_session_opens_the_samples(tmp_path: Path) -> None:
    from reader.paths import sample_docs_dir

    app = make_app(tmp_path, [])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        opened = {Path(p.document.path).name for p in app.workspace.document_panes()}
        assert opened
        assert opened <= {path.name for path in sample_docs_dir().iterdir()}


async def test_command_line_documents_replace_the_session_but_keep_preferences(
    tmp_path: Path,
) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    first = make_app(tmp_path, docs[:1])
    async with first.run_test(size=SIZE) as pilot:
        await settle(first, pilot)
        first.theme = "gruvbox"
        await pilot.press("alt+z")
        await pilot.press("q")
    second = make_app(tmp_path, docs[1:])
    async with second.run_test(size=SIZE) as pilot:
        await settle(second, pilot)
        names = [Path(p.document.path).name for p in second.workspace.document_panes()]
        assert names == ["doc2.txt"]
        assert second.theme == "gruvbox"
        assert second.workspace.active_document is not None
        assert not second.workspace.active_document.wrap
        assert [Path(p).name for p in second.recent[:2]] == ["doc2.txt", "doc1.txt"]


async def test_a_run_that_opened_nothing_keeps_the_last_sessions_documents(
    tmp_path: Path,
) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    first = make_app(tmp_path, docs)
    async with first.run_test(size=SIZE) as pilot:
        await settle(first, pilot)
        await pilot.press("q")
    typo = make_app(tmp_path, [tmp_path / "docs" / "no-such-file.txt"])
    async with typo.run_test(size=SIZE) as pilot:
        await settle(typo, pilot)
        assert typo.workspace.document_count == 0
        typo.theme = "nord"
        await pilot.press("q")
    saved = json.loads(session_file(tmp_path).read_text("utf-8"))
    assert saved["theme"] == "nord"
    names = [Path(d["path"]).name for pane in saved["panes"] for d in pane["documents"]]
    assert names == ["doc1.txt", "doc2.txt"]


async def test_closing_every_document_is_remembered(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("alt+w")
        await settle(app, pilot)
        await pilot.press("q")
    saved = json.loads(session_file(tmp_path).read_text("utf-8"))
    assert saved["panes"] == []
