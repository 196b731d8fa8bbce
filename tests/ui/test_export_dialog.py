"""The export dialog on its own: defaults, filters, options, and a destination it refuses."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Checkbox, Input, RadioButton, Static

from reader.core.codebook import Codebook
from reader.core.models import Tag
from reader.paths import styles_dir
from reader.ui.screens import export_dialog
from reader.ui.screens.export_dialog import (
    ExportDialog,
    ExportRequest,
    FormSelectionList,
    destination_problem,
)

UNSET: Any = object()
NOW = datetime(2026, 11, 28, 9, 5)
DOCUMENTS = [("d1", "Field notes"), ("d2", "Interview [b]7[/b]"), ("d3", "Report")]
TAGS = [
    Tag("t1", "refugees", "#e69f00"),
    Tag("t2", "detainees", "#009e73"),
    Tag("t3", "Lebanon", "#d55e00", parent="t1"),
]


class ExportApp(App[None]):
    """Pushes one export dialog and keeps what it returns."""

    CSS_PATH = [styles_dir() / "dialogs.tcss"]

    def __init__(self, dialog: ExportDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.result: Any = UNSET

    def compose(self) -> ComposeResult:
        yield Static("behind")

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, result: ExportRequest | None) -> None:
        self.result = result


def make(folder: Path, *, current: str | None = "d2") -> ExportApp:
    return ExportApp(
        ExportDialog(
            documents=DOCUMENTS,
            codebook=Codebook(TAGS),
            current_document=current,
            default_directory=folder,
            now=NOW,
        )
    )


SIZE = (100, 40)


async def type_destination(pilot: Any, text: str) -> None:
    field = pilot.app.dialog.query_one(Input)
    field.value = text
    field.focus()
    await pilot.pause()


async def test_enter_exports_everything_with_the_defaults(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        field = app.dialog.query_one(Input)
        assert app.focused is field
        assert field.value == str(tmp_path / "reader-export-20261128-0905.csv")
        assert not app.dialog.query_one("#export-document-list").display
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == ExportRequest(
        format="csv",
        destination=tmp_path / "reader-export-20261128-0905.csv",
        document_ids=None,
        tag_ids=None,
        excel=False,
        formula_guard=True,
    )


def test_the_default_name_carries_the_current_time(tmp_path: Path) -> None:
    dialog = ExportDialog(documents=[], codebook=Codebook([]), default_directory=tmp_path)
    assert dialog.default_destination.parent == tmp_path
    assert dialog.default_destination.name.startswith("reader-export-")
    assert dialog.default_destination.suffix == ".csv"
    assert len(dialog.default_destination.stem) == len("reader-export-20261128-0905")


async def test_choosing_the_current_document(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "right", "space")  # documents: All -> This one
        assert app.dialog.query_one("#documents-current", RadioButton).value
        await pilot.press("enter")
        await pilot.pause()
    assert isinstance(app.result, ExportRequest)
    assert app.result.document_ids == ("d2",)
    assert app.result.tag_ids is None


async def test_choosing_several_documents_and_tags(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "right", "right", "space")  # documents: Choose…
        document_list = app.dialog.query_one("#export-document-list", FormSelectionList)
        assert document_list.display
        await pilot.press("tab", "down", "down", "space", "up", "up", "space")
        assert document_list.selected == ["d3", "d1"]
        await pilot.press("tab", "right", "space")  # tags: Choose…
        tag_list = app.dialog.query_one("#export-tag-list", FormSelectionList)
        assert tag_list.display
        await pilot.press("tab", "down", "space")  # the second tag in path order: refugees
        await pilot.press("enter")
        await pilot.pause()
    assert isinstance(app.result, ExportRequest)
    assert app.result.document_ids == ("d1", "d3")  # in the documents' order
    assert app.result.tag_ids == ("t1",)


async def test_choosing_nothing_is_refused_with_a_message(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "right", "right", "space", "enter")
        await pilot.pause()
        assert app.result is UNSET
        assert app.dialog.message.startswith("Choose at least one document")


async def test_the_two_options(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.dialog.query_one("#export-excel", Checkbox).focus()
        await pilot.press("space")
        await pilot.press("tab", "space")  # guard formulas: off
        assert not app.dialog.query_one("#export-guard", Checkbox).value
        await pilot.press("enter")  # enter on a checkbox exports; it does not tick
        await pilot.pause()
    assert isinstance(app.result, ExportRequest)
    assert app.result.excel is True
    assert app.result.formula_guard is False


async def test_an_unwritable_folder_shows_an_error_and_stays_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(export_dialog, "folder_is_writable", lambda folder: folder != locked)
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_destination(pilot, str(locked / "out.csv"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is UNSET
        assert app.dialog.message == f"Cannot write in “{locked}”"
        assert app.dialog.query_one("#export-message").has_class("-error")
        await pilot.press("ctrl+u")  # editing clears the message
        assert app.dialog.message == ""
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_a_read_only_folder_is_reported(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert destination_problem(locked / "out.csv") == f"Cannot write in “{locked}”"
    finally:
        locked.chmod(0o700)


def test_destination_problems(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    assert destination_problem(tmp_path / "out.csv") is None
    assert destination_problem(tmp_path) == f"“{tmp_path}” is a folder: add a file name"
    assert destination_problem(tmp_path / "missing" / "out.csv") == (
        f"The folder “{tmp_path / 'missing'}” does not exist"
    )
    assert destination_problem(tmp_path / "afile" / "out.csv") == (
        f"“{tmp_path / 'afile'}” is not a folder"
    )


async def test_a_folder_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_destination(pilot, str(tmp_path))
        await pilot.press("enter")
        await pilot.pause()
        assert app.dialog.message.endswith("is a folder: add a file name")
        await type_destination(pilot, str(tmp_path / "nowhere") + "/")
        await pilot.press("enter")
        await pilot.pause()
        assert app.dialog.message == "End the path with a file name"
        await type_destination(pilot, "")
        await pilot.press("enter")
        await pilot.pause()
        assert app.dialog.message == "Type where to save the export"
        assert app.result is UNSET


async def test_an_existing_file_is_replaced_only_after_a_second_enter(tmp_path: Path) -> None:
    existing = tmp_path / "done.csv"
    existing.write_text("old")
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_destination(pilot, str(existing))
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is UNSET
        assert app.dialog.message == "“done.csv” exists: enter again replaces it"
        assert app.dialog.query_one("#export-message").has_class("-warning")
        await pilot.press("enter")
        await pilot.pause()
    assert isinstance(app.result, ExportRequest)
    assert app.result.destination == existing


async def test_a_bare_name_goes_to_the_default_folder_as_csv(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_destination(pilot, "coded")
        await pilot.click("#export-run")
        await pilot.pause()
    assert isinstance(app.result, ExportRequest)
    assert app.result.destination == tmp_path / "coded.csv"


async def test_escape_cancels(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.result is None


async def test_without_a_current_document_there_is_no_such_choice(tmp_path: Path) -> None:
    app = make(tmp_path, current=None)
    async with app.run_test(size=SIZE):
        assert not app.dialog.query("#documents-current")


async def test_titles_are_shown_literally_and_unticked_rows_have_no_mark(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        label = app.dialog.query_one("#documents-current", RadioButton).label
        assert isinstance(label, Content)
        assert label.plain == "This one: Interview [b]7[/b]"
        await pilot.press("tab", "right", "right", "space", "tab", "space")
        document_list = app.dialog.query_one("#export-document-list", FormSelectionList)
        rows = [document_list.render_line(y).text for y in range(3)]
        assert rows[0].startswith("▐X▌ Field notes")
        assert rows[1].startswith("▐ ▌ Interview [b]7[/b]")
        assert rows[2].startswith("▐ ▌ Report")


def test_the_databases_own_files_are_refused(tmp_path: Path) -> None:
    database = tmp_path / "data" / "annotations.json"
    database.parent.mkdir()
    database.write_text("{}")
    link = tmp_path / "export.csv"
    link.symlink_to(database)
    assert destination_problem(database, database) == (
        f"“{database}” is the annotation database: choose another file"
    )
    assert destination_problem(link, database) == (
        f"“{link}” is the annotation database: choose another file"
    )
    backup = tmp_path / "data" / "annotations.json.bak"
    assert destination_problem(backup, database) == (
        f"“{backup}” is the database's backup copy: choose another file"
    )
    session = tmp_path / "data" / "annotations.session.json"
    assert destination_problem(session, database) == (
        f"“{session}” is the reader's session file: choose another file"
    )
    assert destination_problem(tmp_path / "out.csv", database) is None


async def test_exporting_onto_the_database_is_refused_in_the_dialog(tmp_path: Path) -> None:
    database = tmp_path / "annotations.json"
    database.write_text("{}")
    app = ExportApp(
        ExportDialog(documents=DOCUMENTS, codebook=Codebook(TAGS), default_directory=tmp_path,
                     database=database, now=NOW)
    )
    async with app.run_test(size=SIZE) as pilot:
        await type_destination(pilot, str(tmp_path / "sub" / ".." / "annotations.json"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.dialog.message.endswith("is the annotation database: choose another file")
        assert app.dialog.query_one("#export-message").has_class("-error")
        await pilot.press("enter")  # no second enter replaces it, unlike another existing file
        await pilot.pause()
        assert app.result is UNSET
    assert database.read_text() == "{}"
