"""The export dialog offers every registered format, each with its own options; the app runs it."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from annotator_support import LEBANON_SENTENCE, REPORT, make_app, ready, store_idle, until
from annotator_support import SIZE as APP_SIZE
from textual.app import App, ComposeResult
from textual.widgets import Input, RadioButton, Static

from reader.core.codebook import Codebook
from reader.core.models import Tag
from reader.interop.registry import EXPORT_FORMATS
from reader.paths import styles_dir
from reader.ui.screens.export_dialog import FORMATS, ExportDialog, ExportRequest

UNSET: Any = object()
NOW = datetime(2026, 11, 28, 9, 5)
SIZE = (100, 40)


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


def make(folder: Path) -> ExportApp:
    return ExportApp(ExportDialog(
        documents=[("d1", "Field notes"), ("d2", "Report")],
        codebook=Codebook([Tag("t1", "refugees", "#e69f00")]),
        current_document="d2", default_directory=folder, now=NOW,
    ))


async def choose_format(pilot: Any, name: str) -> None:
    """Shift+tab from the destination to the format buttons, then arrows and space."""
    pilot.app.dialog.query_one("#export-destination", Input).focus()
    await pilot.press("shift+tab")
    steps = list(EXPORT_FORMATS).index(name)
    await pilot.press(*(["right"] * steps), "space")
    await until(pilot, lambda: pilot.app.dialog.format.name == name)
    pilot.app.dialog.query_one("#export-destination", Input).focus()
    await pilot.pause()


def shown(app: ExportApp, selector: str) -> bool:
    return bool(app.dialog.query_one(selector).display)


def test_the_dialog_offers_the_registry_formats() -> None:
    assert FORMATS == tuple(EXPORT_FORMATS) and FORMATS[0] == "csv"


async def test_every_format_is_a_button_and_csv_is_the_default(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE):
        buttons = list(app.dialog.query("#export-formats RadioButton").results(RadioButton))
        assert [button.id for button in buttons] == [f"format-{name}" for name in FORMATS]
        assert [button.value for button in buttons] == [True] + [False] * (len(FORMATS) - 1)
        assert shown(app, "#export-excel") and shown(app, "#export-guard")
        assert not shown(app, "#export-source-base")


async def test_choosing_qdpx_changes_the_suffix_and_hides_csv_options(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_format(pilot, "qdpx")
        field = app.dialog.query_one("#export-destination", Input)
        assert field.value == str(tmp_path / "reader-export-20261128-0905.qdpx")
        assert not shown(app, "#export-options-row")
        assert app.dialog.query_one("#export-format", Static).content.plain.startswith(
            "REFI-QDA project (.qdpx)")
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == ExportRequest(
        format="qdpx", destination=tmp_path / "reader-export-20261128-0905.qdpx",
        document_ids=None, tag_ids=None,
    )
    assert app.result.exporter_options() == {}


async def test_a_codebook_has_no_documents_to_choose(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "right", "space")  # documents: this one
        await choose_format(pilot, "qdc")
        assert not shown(app, "#export-documents-row")
        app.dialog.query_one("#export-destination", Input).value = "codes"
        await pilot.press("enter")
        await pilot.pause()
    assert isinstance(app.result, ExportRequest)
    assert (app.result.format, app.result.document_ids) == ("qdc", None)
    assert app.result.destination == tmp_path / "codes.qdc"  # a bare name gets the suffix


async def test_w3c_takes_a_source_base(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await choose_format(pilot, "w3c")
        assert shown(app, "#export-source-base") and not shown(app, "#export-excel")
        field = app.dialog.query_one("#export-source-base", Input)
        field.focus()
        field.value = " https://example.org/corpus/ "
        await pilot.press("enter")  # enter in an option's field exports too
        await pilot.pause()
    assert isinstance(app.result, ExportRequest)
    assert app.result.format == "w3c"
    assert app.result.destination.suffix == ".jsonld"
    assert app.result.exporter_options() == {"source_base": "https://example.org/corpus/"}


async def test_a_name_the_user_chose_keeps_its_suffix(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.dialog.query_one("#export-destination", Input).value = str(tmp_path / "mine.xml")
        await choose_format(pilot, "qdc")
        assert app.dialog.query_one("#export-destination", Input).value == str(
            tmp_path / "mine.xml")


def test_csv_requests_give_the_csv_exporter_its_options(tmp_path: Path) -> None:
    request = ExportRequest(format="csv", destination=tmp_path / "x.csv", document_ids=None,
                            tag_ids=None, excel=True, formula_guard=False)
    assert request.exporter_options() == {"excel": True, "formula_guard": False}


@pytest.mark.parametrize("name", ["qdpx", "w3c"])
async def test_the_app_exports_the_chosen_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    app = make_app(tmp_path)
    async with app.run_test(size=APP_SIZE) as pilot:
        pane = await ready(pilot)
        start = REPORT.index(LEBANON_SENTENCE)
        pane.view.select(start, start + len(LEBANON_SENTENCE))
        await pilot.press("1")
        await store_idle(pilot)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one(f"#format-{name}", RadioButton).value = True
        await until(pilot, lambda: dialog.format.name == name)
        dialog.query_one("#export-destination", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, ExportDialog))
        await store_idle(pilot)
        noun = "passages" if name == "qdpx" else "annotations"
        await until(pilot, lambda: any(n.message.startswith(f"Exported 1 {noun} to ")
                                       for n in app._notifications))
    [written] = list(out.glob(f"*{EXPORT_FORMATS[name].suffix}"))
    if name == "qdpx":
        with zipfile.ZipFile(written) as archive:
            assert LEBANON_SENTENCE.encode() in archive.read("project.qde")
    else:
        assert LEBANON_SENTENCE in written.read_text(encoding="utf-8")
