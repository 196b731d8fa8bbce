"""The annotator and its store: failed saves shown, other programs' changes shown, export, jump."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from annotator_support import (
    LEBANON_SENTENCE,
    REPORT,
    SIZE,
    db_file,
    make_app,
    ready,
    store_idle,
    stored,
    until,
    write_documents,
)

from reader.core.store import AnnotationStore
from reader.ui import store_service
from reader.ui.app import ReaderApp
from reader.ui.screens.export_dialog import ExportDialog
from reader.ui.widgets.document_pane import DocumentPane


def status(pane: DocumentPane, slot: str) -> str:
    return pane.status_line.text(slot)


def sentence(pane: DocumentPane) -> tuple[int, int]:
    start = REPORT.index(LEBANON_SENTENCE)
    return start, start + len(LEBANON_SENTENCE)


async def test_a_failed_save_is_shown_and_nothing_looks_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: AnnotationStore, *args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        monkeypatch.setattr(AnnotationStore, "add_annotation", refuse)
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        await store_idle(pilot)
        assert status(pane, "saved") == "NOT SAVED: tag refugees: No space left on device"
        assert pane.has_class("-not-saved")
        assert pane.annotations == ()  # the truth: the passage is not there
        assert status(pane, "tags") == ""
        assert any("was not saved" in n.message for n in app._notifications)
        monkeypatch.undo()
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        await store_idle(pilot)
        assert status(pane, "saved") == "saved"
    assert len(stored(tmp_path).annotations()) == 1


async def test_a_database_that_cannot_be_opened_is_shown(tmp_path: Path) -> None:
    docs = write_documents(tmp_path / "docs")[:1]
    db = tmp_path / "db" / "annotations.json"
    db.mkdir(parents=True)  # a folder where the file should be
    app = ReaderApp(docs, db_path=db, config_path=tmp_path / "none.toml")
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.workspace.active_document is not None)
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: status(pane, "saved").startswith("NOT SAVED"))
        assert "cannot open the annotation database" in status(pane, "saved")
        await pilot.press("s", "1")  # refused politely, nothing pretends to be saved
        await pilot.pause()
        assert pane.annotations == ()
        assert status(pane, "saved").startswith("NOT SAVED")


async def test_changes_by_another_program_appear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_service, "POLL_SECONDS", 0.1)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        assert pane.document_id is not None
        cli = AnnotationStore(db_file(tmp_path), origin="cli")
        tag = cli.codebook().find("detainees")
        assert tag is not None
        start, end = sentence(pane)
        cli.add_annotation(pane.document_id, REPORT, start, end, tags=[tag.id])
        await until(pilot, lambda: len(pane.annotations) == 1, timeout=5)
        assert pane.view._decorations[0][:2] == (start, end)
        assert pane.view._marks == {2: "●"}
        pane.view.move_cursor(start + 3)
        await pilot.pause()
        assert status(pane, "tags") == "detainees"
        # And undo here does not take back the other program's change.
        await pilot.press("u")
        await store_idle(pilot)
        assert len(pane.annotations) == 1


async def test_ctrl_e_exports_csv_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        await store_idle(pilot)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, ExportDialog))
        await store_idle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Exported 1 rows to ") for m in messages), messages
    [written] = list(out.glob("*.csv"))
    rows = list(csv.DictReader(written.open(encoding="utf-8")))
    assert [(row["content"], row["tag"]) for row in rows] == [(LEBANON_SENTENCE, "refugees")]


async def test_jump_to_opens_the_document_and_moves_the_cursor(tmp_path: Path) -> None:
    report, notes = write_documents(tmp_path / "docs")
    first = make_app(tmp_path, [report, notes])
    async with first.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await store_idle(pilot)
        assert first.coding_controller is not None
        ids = {Path(d.path).name: d.id for d in first.coding_controller.snapshot.documents.values()}
    app = make_app(tmp_path, [report])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await store_idle(pilot)
        app.jump_to(ids["notes.txt"], 22, 53)
        def notes_shown() -> bool:
            active = app.workspace.active_document
            return active is not None and active.document.path.name == "notes.txt"

        await until(pilot, notes_shown)
        pane = app.workspace.active_document
        assert pane is not None and app.workspace.document_count == 2
        await until(pilot, lambda: pane.view.selection == (22, 53))
        assert pane.view.cursor_offset == 22 and pane.view.has_focus
        app.jump_to(ids["report.txt"], 5)  # already open: its tab comes forward
        await until(pilot, lambda: app.workspace.active_document is not pane)
        report_pane = app.workspace.active_document
        assert report_pane is not None
        await until(pilot, lambda: report_pane.view.cursor_offset == 5)


async def test_saving_is_shown_until_written_and_quitting_writes_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    original = AnnotationStore.add_annotation
    gate = threading.Event()

    def held(self: AnnotationStore, *args: object, **kwargs: object) -> object:
        gate.wait(10)  # the disk is slow until the test says otherwise
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        monkeypatch.setattr(AnnotationStore, "add_annotation", held)
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        assert status(pane, "saved") == "saving…"
        assert status(pane, "tags") == "refugees"
        gate.set()
        await store_idle(pilot)
        assert status(pane, "saved") == "saved"
        gate.clear()
        pane.view.select(0, 6)
        await pilot.press("2")
        assert status(pane, "saved") == "saving…"
        threading.Timer(0.3, gate.set).start()
        # Leaving now: the queued change is still written.
    assert [a.quote for a in stored(tmp_path).annotations()] == ["Report", LEBANON_SENTENCE]


async def test_coding_keys_wait_while_a_span_is_adjusted(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        await store_idle(pilot)
        await pilot.press("r", "right", "2", "x", "enter")  # 2 and x do nothing meanwhile
        await store_idle(pilot)
    [annotation] = stored(tmp_path).annotations()
    assert annotation.quote == LEBANON_SENTENCE + " "
    assert len(annotation.tags) == 1


async def test_a_tag_key_pressed_before_the_store_knows_the_document_tags_what_was_selected(
    tmp_path: Path,
) -> None:
    # The store is busy (here: held by a job) when a document opens; a tag key pressed
    # meanwhile waits for the document to be registered, and then codes the selection as it
    # was when the key was pressed, not wherever the cursor has moved since.
    import threading

    report, notes = write_documents(tmp_path / "docs")
    app = make_app(tmp_path, [report])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        release = threading.Event()
        assert app.annotation_service is not None
        app.annotation_service.submit(lambda store: release.wait(10))
        await app.open_path(notes)
        pane = app.workspace.active_document
        assert pane is not None and pane.document_id is None  # not registered yet
        start = pane.document.text.index("convoys")
        pane.view.select(start, start + 6)
        await pilot.press("1")
        await pilot.press("G")  # the cursor moves on before the store answers
        release.set()
        await until(pilot, lambda: bool(pane.annotations))
        [passage] = pane.annotations
        assert (passage.start, passage.end) == (start, start + 6)
    stored = AnnotationStore(db_file(tmp_path)).annotations()
    assert [(a.start, a.end) for a in stored] == [(start, start + 6)]


async def test_coding_keys_say_so_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    report, _ = write_documents(tmp_path / "docs")
    db = db_file(tmp_path)
    db.mkdir(parents=True)  # a folder where the database file should be
    app = ReaderApp([report], db_path=db, config_path=tmp_path / "none.toml")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.coding_controller is not None)
        await until(pilot, lambda: any("cannot open" in n.message for n in app._notifications))
        await pilot.press("v", "l", "l", "1")
        await until(pilot, lambda: any("not open" in n.message for n in app._notifications
                                       if "cannot open" not in n.message))


# ---------------------------------------------------------------- the file, changed under the app


def notices(app: ReaderApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_database_deleted_while_open_keeps_the_newest_change_and_says_so(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        await store_idle(pilot)
        db_file(tmp_path).unlink()
        pane.view.select(0, 6)
        await pilot.press("2")
        await store_idle(pilot)
        assert any("deleted while reader had it open" in n for n in notices(app))
        assert status(pane, "saved") == "saved"
        assert len(pane.annotations) == 2
    quotes = sorted(a.quote for a in stored(tmp_path).annotations())
    assert quotes == sorted(["Report", LEBANON_SENTENCE])


async def test_a_database_damaged_while_open_is_written_back_and_said_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_service, "POLL_SECONDS", 0.1)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        await store_idle(pilot)
        db_file(tmp_path).write_bytes(b'{"annotations": ')
        # No key pressed: the poll finds it, and the user is told then.
        await until(pilot, lambda: any("moved aside" in n for n in notices(app)))
        assert any("nothing is lost" in n for n in notices(app))
    assert [a.quote for a in stored(tmp_path).annotations()] == [LEBANON_SENTENCE]


async def test_undo_in_one_window_leaves_another_windows_change(tmp_path: Path) -> None:
    report, notes = write_documents(tmp_path / "docs")
    first, second = make_app(tmp_path, [report]), make_app(tmp_path, [notes])
    async with first.run_test(size=SIZE) as first_pilot:
        first_pane = await ready(first_pilot)
        first_pane.view.select(*sentence(first_pane))
        await first_pilot.press("1")
        await store_idle(first_pilot)
        async with second.run_test(size=SIZE) as second_pilot:
            second_pane = await ready(second_pilot)
            second_pane.view.select(0, 5)
            await second_pilot.press("2")
            await store_idle(second_pilot)
        await first_pilot.press("u")
        await store_idle(first_pilot)
        assert first_pane.annotations == ()
        await first_pilot.press("u")  # the second window's step is not this one's
        await store_idle(first_pilot)
        assert any("Nothing to undo" in n for n in notices(first))
    assert [a.quote for a in stored(tmp_path).annotations()] == ["Notes"]


async def test_a_burst_of_undo_presses_is_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import reader.core.store as store_module

    window = "tui:test:burst"
    monkeypatch.setattr(store_module, "window_origin", lambda: window)
    docs = write_documents(tmp_path / "docs")
    seeding = AnnotationStore(db_file(tmp_path), origin=window)
    document = seeding.register_document(
        path=docs[0], text=REPORT, title="report", size=len(REPORT), encoding="utf-8",
        sha256=__import__("hashlib").sha256(REPORT.encode()).hexdigest(),
    ).document
    refugees = seeding.codebook().resolve("refugees").id
    for start in range(0, 120, 2):
        seeding.add_annotation(document.id, REPORT, start, start + 1, tags=[refugees])
    travels: list[int] = []
    original = AnnotationStore.travel

    def counted(self: AnnotationStore, *, undo: bool, count: int = 1) -> object:
        travels.append(count)
        return original(self, undo=undo, count=count)

    monkeypatch.setattr(AnnotationStore, "travel", counted)
    app = make_app(tmp_path, docs[:1])
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        assert len(pane.annotations) == 60
        busy = threading.Event()
        assert app.annotation_service is not None
        app.annotation_service.submit(lambda store: busy.wait(10))  # the disk is slow
        await pilot.press(*["u"] * 100)
        assert status(pane, "saved") == "saving…"
        busy.set()
        await store_idle(pilot)
        assert travels == [100]  # one job, one write, for every press
        assert pane.annotations == ()
        assert any("Undone 60 changes" in n for n in notices(app))
        assert any("Nothing more to undo" in n for n in notices(app))
        assert status(pane, "saved") == "saved"


async def test_another_database_put_in_place_gets_the_open_document_and_the_next_keys(
    tmp_path: Path,
) -> None:
    import os

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        pane.view.select(*sentence(pane))
        await pilot.press("1")
        await store_idle(pilot)
        other = tmp_path / "other.json"
        AnnotationStore(other, origin="cli")
        os.replace(other, db_file(tmp_path))
        pane.view.select(0, 6)
        await pilot.press("2")
        await store_idle(pilot)
        assert status(pane, "saved") == "saved"
        assert any("replaced by a different database" in n for n in notices(app))
        assert [a.quote for a in pane.annotations] == ["Report"]
        await pilot.press("x")  # and the keys after it act on the database now in place
        await store_idle(pilot)
        assert status(pane, "saved") == "saved"
    now = stored(tmp_path)
    assert [d.path for d in now.documents()] == [str(pane.document.path.resolve())]
    assert now.annotations() == []
    [previous] = [p for p in db_file(tmp_path).parent.iterdir()
                  if ".replaced-" in p.name and not p.name.endswith(".d")]
    assert [a.quote for a in AnnotationStore(previous).annotations()] == [LEBANON_SENTENCE]
