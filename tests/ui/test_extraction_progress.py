"""A long extraction shows its progress, leaves the keys working, and stops on escape."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from support import until

from reader.formats.base import DocumentError, LoadedDocument
from reader.formats.isolated import ExtractionLimits, extract_isolated
from reader.formats.progress import report
from reader.ui import app as app_module
from reader.ui.app import ReaderApp
from reader.ui.screens.help import HelpScreen
from reader.ui.widgets.extraction_status import ExtractionStatus

SIZE = (120, 40)
FIXTURES = Path(__file__).parents[1] / "formats" / "fixtures"


def slow_extractor(path: Path) -> LoadedDocument:
    """In the child: a 600-page document read a page every 50 ms (half a minute)."""
    for page in range(600):
        report(page, 600)
        time.sleep(0.05)
    raise AssertionError("should have been cancelled")


def silent_extractor(path: Path) -> LoadedDocument:
    """In the child: a long extraction that tells no progress (mammoth converts at once)."""
    time.sleep(30)
    raise AssertionError("should have been cancelled")


def slowly(path: Path, db: Path, *, cancelled, progress):  # type: ignore[no-untyped-def]
    """`load_or_reason` with the slow extractor in the child process (the silent one for a
    file named silent.*)."""
    extractor = silent_extractor if path.stem == "silent" else slow_extractor
    try:
        return extract_isolated(path, extract=extractor, cancelled=cancelled,
                                progress=progress,
                                limits=ExtractionLimits(cpu_seconds=60, wall_seconds=120))
    except DocumentError as error:
        return str(error)


def status_text(app: ReaderApp) -> str:
    found = app.main_screen.query(ExtractionStatus)
    if not found or not found.first().has_class("-running"):
        return ""
    return str(found.first().render())


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReaderApp:
    document = tmp_path / "long.pdf"
    shutil.copy(FIXTURES / "arabic.pdf", document)
    monkeypatch.setattr(app_module, "load_or_reason", slowly)
    return ReaderApp([document], db_path=tmp_path / "db" / "annotations.json",
                     config_path=tmp_path / "none.toml")


async def test_progress_shows_keys_work_and_escape_cancels(app: ReaderApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "page" in status_text(app), timeout=30)
        assert "Extracting long.pdf: page" in status_text(app)
        assert "of 600" in status_text(app) and "esc cancels" in status_text(app)
        # The app answers keys while the child reads: help opens, and escape closes help
        # (not the extraction) ...
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert "page" in status_text(app)
        # ... and on the reading screen escape stops the extraction.
        started = time.monotonic()
        await pilot.press("escape")
        await until(pilot, lambda: status_text(app) == "" and not app._extractions, timeout=10)
        assert time.monotonic() - started < 10
        assert app.workspace.document_count == 0
        await until(pilot, lambda: any("extraction cancelled" in str(n.message)
                                       for n in app._notifications))


async def test_an_extraction_without_progress_shows_it_is_opening_and_escape_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = tmp_path / "silent.docx"
    shutil.copy(FIXTURES / "report.docx", document)
    monkeypatch.setattr(app_module, "load_or_reason", slowly)
    app = ReaderApp([document], db_path=tmp_path / "db" / "annotations.json",
                    config_path=tmp_path / "none.toml")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Opening silent.docx" in status_text(app), timeout=30)
        await pilot.press("escape")
        await until(pilot, lambda: status_text(app) == "" and not app._extractions, timeout=10)
        assert app.workspace.document_count == 0


async def test_escape_stops_opening_the_rest_of_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("a/silent.docx", "b/silent.docx", "c/silent.docx"):
        (folder / name).parent.mkdir()
        shutil.copy(FIXTURES / "report.docx", folder / name)
    monkeypatch.setattr(app_module, "load_or_reason", slowly)
    app = ReaderApp([folder], db_path=tmp_path / "db" / "annotations.json",
                    config_path=tmp_path / "none.toml")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Opening silent.docx" in status_text(app), timeout=30)
        await pilot.press("escape")
        await until(pilot, lambda: any("Opened the first 0 of 3" in str(n.message)
                                       for n in app._notifications), timeout=10)
        assert not app._extractions and app.workspace.document_count == 0
