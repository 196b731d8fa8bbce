"""Shared set-up of the annotator tests: a report to code, the app, and waiting for the store."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support import until
from textual.pilot import Pilot

from reader.core.store import AnnotationStore
from reader.ui.app import ReaderApp
from reader.ui.widgets.document_pane import DocumentPane

SIZE = (120, 36)

REPORT = (
    "Report on displacement\n"
    "\n"
    "The members reviewed the situation of refugees in Lebanon and Jordan. "
    "Returns remain rare. Many families fear arrest.\n"
    "\n"
    "A second paragraph talks about funds. Donors pledged money for recovery.\n"
    "\n"
    "Third paragraph on detainees. Families of the missing ask for news.\n"
)
LEBANON_SENTENCE = "The members reviewed the situation of refugees in Lebanon and Jordan."
SECOND = (
    "Notes from the field\n"
    "\n"
    "Aid convoys were stopped twice. The municipality asked for new permits.\n"
    "\n"
    "People who returned found their houses occupied.\n"
)


def write_documents(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "report.txt"
    report.write_text(REPORT, "utf-8")
    notes = folder / "notes.txt"
    notes.write_text(SECOND, "utf-8")
    return [report, notes]


def make_app(tmp_path: Path, paths: list[Path] | None = None) -> ReaderApp:
    if paths is None:
        paths = write_documents(tmp_path / "docs")[:1]
    return ReaderApp(paths, db_path=db_file(tmp_path), config_path=tmp_path / "none.toml")


def db_file(tmp_path: Path) -> Path:
    return tmp_path / "db" / "annotations.json"


async def ready(pilot: Pilot) -> DocumentPane:
    """The active pane once its document is registered in the store."""
    app = pilot.app
    assert isinstance(app, ReaderApp)
    await app.workers.wait_for_complete()
    await until(pilot, lambda: app.workspace.active_document is not None)
    pane = app.workspace.active_document
    assert pane is not None
    await until(pilot, lambda: pane.document_id is not None)
    return pane


async def store_idle(pilot: Pilot) -> None:
    """Wait until every job sent so far has run and its snapshot reached the panes."""
    app = pilot.app
    assert isinstance(app, ReaderApp)
    service = app.annotation_service
    assert service is not None
    done = asyncio.Event()
    service.submit(lambda store: None, on_done=lambda _result: done.set())
    await asyncio.wait_for(done.wait(), 15)
    await until(pilot, lambda: service.pending == 0 and service._jobs.empty())
    await pilot.pause()
    await pilot.pause()


def stored(tmp_path: Path) -> AnnotationStore:
    return AnnotationStore(db_file(tmp_path), origin="cli")


def tag_id(tmp_path: Path, name: str) -> str:
    tag = stored(tmp_path).codebook().find(name)
    assert tag is not None
    return tag.id


async def search(pilot: Pilot, text: str) -> None:
    """Search the active document for `text` and wait until the search bar has closed on it."""
    app = pilot.app
    assert isinstance(app, ReaderApp)
    pane = app.workspace.active_document
    assert pane is not None
    await pilot.press("slash", *text, "enter")
    await until(
        pilot,
        lambda: pane.view.search_result is not None
        and pane.view.search_result.query.pattern == text
        and not pane.has_class("-searching"),
    )
