"""Reviewing inside the reader app itself: keys, jumps into documents, the palette and help."""

from __future__ import annotations

from pathlib import Path

from support import until

from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.ui.app import ReaderApp
from reader.ui.commands import available_commands
from reader.ui.screens.codebook import CodebookScreen
from reader.ui.screens.tag_view import TagViewScreen
from reader.ui.widgets.annotation_sidebar import AnnotationSidebar
from reader.ui.widgets.codebook_bar import CodebookBar
from reader.ui.widgets.document_view import DocumentView

SIZE = (120, 36)
REPORT = "Report\n\nRefugees in Lebanon fear arrest.\n\nDonors pledged money for recovery.\n"
NOTES = "Notes\n\nAid convoys were stopped twice.\n\nReturnees found houses occupied.\n"


def prepare(tmp_path: Path) -> tuple[ReaderApp, dict[str, str], dict[str, str]]:
    """Two documents known to the store, with passages; the app opens both."""
    folder = tmp_path / "docs"
    folder.mkdir()
    db = tmp_path / "db" / "annotations.json"
    store = AnnotationStore(db, origin="cli", annotator="tester")
    paths = []
    ids = {}
    for name, text in (("report.txt", REPORT), ("notes.txt", NOTES)):
        path = folder / name
        path.write_text(text, "utf-8")
        paths.append(path)
        loaded = load_document(path)
        ids[name] = store.register_document(
            path=loaded.path, text=loaded.text, title=loaded.title, size=loaded.size,
            encoding=loaded.encoding, sha256=loaded.sha256, format=loaded.format,
        ).document.id
    refugees = store.codebook().resolve("refugees").id
    funds = store.codebook().resolve("recovery funds").id
    notes = {}
    for key, name, text, quote, tag in (
        ("fear", "report.txt", REPORT, "Refugees in Lebanon fear arrest", refugees),
        ("pledged", "report.txt", REPORT, "Donors pledged money", funds),
        ("returnees", "notes.txt", NOTES, "Returnees found houses occupied", refugees),
    ):
        start = text.index(quote)
        notes[key] = store.add_annotation(
            ids[name], text, start, start + len(quote), tags=[tag]
        ).id
    app = ReaderApp(paths, db_path=db, config_path=tmp_path / "none.toml")
    return app, ids, notes


def active_view(app: ReaderApp) -> DocumentView | None:
    pane = app.workspace.active_document
    return pane.view if pane is not None else None


async def test_f2_lists_the_focused_document_and_enter_moves_its_cursor(tmp_path: Path) -> None:
    app, ids, notes = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.workspace.document_count == 2)
        await app.main_screen.mount_review_widgets()  # (they join after the first frame)
        sidebar = app.main_screen.query_one(AnnotationSidebar)
        assert not sidebar.display
        await pilot.press("f2")
        await until(pilot, lambda: [a.id for a in sidebar.shown] == [notes["fear"],
                                                                     notes["pledged"]])
        await until(pilot, lambda: app.focused is sidebar.option_list)
        await pilot.press("down", "enter")
        view = active_view(app)
        await until(pilot, lambda: app.focused is view)
        assert view is not None
        await until(pilot, lambda: view.cursor_offset == REPORT.index("Donors pledged"))
        # Moving the document's cursor into the other passage highlights it in the sidebar.
        view.move_cursor(REPORT.index("Lebanon"))
        await until(pilot, lambda: sidebar.option_list.highlighted == 0)
        # f2 again: the sidebar is shown but the keyboard is elsewhere, so it takes it; then hides.
        await pilot.press("f2")
        await until(pilot, lambda: app.focused is sidebar.option_list)
        await pilot.press("f2")
        await until(pilot, lambda: not sidebar.display)
        assert app.focused is active_view(app)


async def test_escape_in_the_sidebar_gives_the_keyboard_back_to_the_document(
    tmp_path: Path,
) -> None:
    app, _ids, _notes = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.workspace.document_count == 2)
        await app.main_screen.mount_review_widgets()  # (they join after the first frame)
        sidebar = app.main_screen.query_one(AnnotationSidebar)
        await pilot.press("f2")
        await until(pilot, lambda: app.focused is sidebar.option_list)
        # The sidebar asks the workspace it was given to focus the document, and stays shown.
        await pilot.press("escape")
        await until(pilot, lambda: app.focused is active_view(app))
        assert sidebar.display


async def test_sidebar_follows_the_active_document_without_polling(tmp_path: Path) -> None:
    app, ids, notes = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.workspace.document_count == 2)
        await app.main_screen.mount_review_widgets()  # (they join after the first frame)
        sidebar = app.main_screen.query_one(AnnotationSidebar)
        await pilot.press("f2")
        await until(pilot, lambda: len({a.document for a in sidebar.shown}) == 1)
        first = {a.document for a in sidebar.shown}
        # The other document shown: the screen tells the sidebar (it has no timer to notice).
        assert app.workspace.select_tab(1)
        await until(pilot, lambda: {a.document for a in sidebar.shown} not in (first, set()))
        assert {a.document for a in sidebar.shown} == set(ids.values()) - first
        assert not [t for t in sidebar._timers if str(t.name).startswith("set_interval")]


async def test_tag_view_opens_the_other_document_at_the_passage(tmp_path: Path) -> None:
    app, ids, notes = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.workspace.document_count == 2)
        await app.main_screen.mount_review_widgets()  # (they join after the first frame)
        bar = app.main_screen.query_one(CodebookBar)
        await until(pilot, lambda: "1 \u25a0 refugees 2" in str(bar.render()))
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, TagViewScreen))
        screen = app.screen
        assert isinstance(screen, TagViewScreen)
        # The first tag with passages is recovery funds; refugees is further down.
        tags = screen.query_one("#tag-view-tags")
        tags.highlighted = [o.id for o in tags.options].index(  # type: ignore[attr-defined]
            app.coding_controller.snapshot.codebook.resolve("refugees").id  # type: ignore[union-attr]
        )
        await until(pilot, lambda: [r.annotation.id for r in screen.rows] == [
            notes["returnees"], notes["fear"]])  # "notes" sorts before "report"
        await pilot.press("enter", "enter")
        await until(pilot, lambda: not isinstance(app.screen, TagViewScreen))
        await until(pilot, lambda: app.workspace.active_document is not None
                    and app.workspace.active_document.document.path.name == "notes.txt")
        view = active_view(app)
        assert view is not None
        await until(pilot, lambda: view.cursor_offset == NOTES.index("Returnees"))


async def test_palette_and_help_know_the_review_keys(tmp_path: Path) -> None:
    app, _ids, _notes = prepare(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        titles = {command.title for command in available_commands(app)}
        assert {"Toggle annotation sidebar", "Tag view", "Codebook"} <= titles
        rows = {row.id: row.keys for row in app.binding_rows()}
        assert rows["review.sidebar"] == ("f2",)
        assert rows["review.tag-view"] == ("T", "f3")
        assert rows["review.codebook"] == ("C", "f4")
        assert "sidebar.filter" in rows
        await app.run_action("screen.codebook")
        await until(pilot, lambda: isinstance(app.screen, CodebookScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        await app.run_action("screen.toggle_annotations")
        await until(pilot, lambda: app.main_screen.query_one(AnnotationSidebar).display)
