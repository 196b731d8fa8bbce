"""A document rewritten on disk while it is open, or between two sessions: the text shown is
the file's, passages follow their quotes, and none is drawn over words it never quoted."""

from __future__ import annotations

from pathlib import Path

import pytest
from annotator_support import (
    LEBANON_SENTENCE,
    REPORT,
    SIZE,
    make_app,
    ready,
    store_idle,
    stored,
    until,
)
from textual.pilot import Pilot

from reader.core.spooled_text import SpooledText
from reader.formats import base
from reader.formats.base import load_document
from reader.ui.app import ReaderApp
from reader.ui.widgets.document_pane import DocumentPane

INSERTED = "Updated on 5 March: figures revised.\n\n"


def report_path(tmp_path: Path) -> Path:
    return tmp_path / "docs" / "report.txt"


async def tag_lebanon(pilot: Pilot, pane: DocumentPane) -> None:
    await pilot.press("slash", *"Lebanon", "enter")
    await until(pilot, lambda: pane.view.current_match is not None)
    await pilot.press("escape", "s", "1")
    await store_idle(pilot)
    assert [a.quote for a in pane.placed_annotations] == [LEBANON_SENTENCE]


async def reloaded(pilot: Pilot, app: ReaderApp, old: DocumentPane) -> DocumentPane:
    """The pane showing the file after the app noticed it changed (its periodic check)."""
    app._check_open_documents()
    await until(pilot, lambda: app.workspace.active_document is not old)
    pane = app.workspace.active_document
    assert pane is not None
    await until(pilot, lambda: pane.document_id is not None)
    await store_idle(pilot)
    return pane


def notifications(app: ReaderApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_a_rewritten_file_is_shown_anew_and_passages_follow_their_quotes(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await tag_lebanon(pilot, pane)
        cursor = pane.cursor_offset
        report_path(tmp_path).write_text(INSERTED + REPORT, "utf-8")
        pane = await reloaded(pilot, app, pane)
        assert pane.document.text == INSERTED + REPORT
        assert "report.txt changed on disk and was reloaded." in notifications(app)
        (passage,) = pane.placed_annotations
        assert pane.document.text[passage.start : passage.end] == LEBANON_SENTENCE
        assert passage.start == REPORT.index(LEBANON_SENTENCE) + len(INSERTED)
        assert pane.status_line.text("attention") == ""
        # The cursor is before the same word as it was, though the words moved down.
        await until(pilot, lambda: pane.cursor_offset == cursor + len(INSERTED))
    (saved,) = stored(tmp_path).annotations()
    assert (saved.start, saved.needs_reanchor) == (passage.start, False)


async def test_a_huge_text_read_again_is_kept_on_disk_as_when_it_was_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (Read again whole, it was held in memory: 45 MB more for a 22 MB text, after its first
    # reading had kept it on disk.)
    monkeypatch.setattr(base, "HEAD_FROM", 2_000)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await tag_lebanon(pilot, pane)
        rewritten = INSERTED + REPORT + "Appendix: the figures for each camp, in turn.\n" * 50
        report_path(tmp_path).write_text(rewritten, "utf-8")
        pane = await reloaded(pilot, app, pane)
        assert isinstance(pane.document.text, SpooledText)
        assert pane.document.text == rewritten
        (passage,) = pane.placed_annotations
        assert pane.document.text[passage.start : passage.end] == LEBANON_SENTENCE


async def test_a_passage_whose_quote_is_gone_is_not_drawn_but_counted(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await tag_lebanon(pilot, pane)
        rewritten = REPORT.replace("refugees in Lebanon", "displaced people in Lebanon")
        report_path(tmp_path).write_text(rewritten, "utf-8")
        pane = await reloaded(pilot, app, pane)
        await until(pilot, lambda: len(pane.annotations) == 1)
        assert pane.placed_annotations == ()
        assert pane.status_line.text("attention") == "1 passage not found in the text"
        assert pane.status_line.is_alert("attention")
        # Nothing is coded at the words now where the passage was.
        pane.view.move_cursor(pane.annotations[0].start + 2)
        await pilot.press("x")
        assert "No coded passage under the cursor." in notifications(app)
        # Jumping to it (from the sidebar) selects nothing: those words are not its quote.
        document_id = pane.document_id
        assert document_id is not None
        app.jump_to(document_id, pane.annotations[0].start, pane.annotations[0].end)
        await until(pilot, lambda: "Passage not found" in [n.title for n in app._notifications])
        assert pane.view.selection is None
    (kept,) = stored(tmp_path).annotations()
    assert kept.needs_reanchor and kept.quote == LEBANON_SENTENCE


async def test_a_coding_key_on_a_changed_file_reloads_it_instead_of_coding(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        pane.view.move_cursor(REPORT.index("Lebanon"))
        report_path(tmp_path).write_text(INSERTED + REPORT, "utf-8")
        await pilot.press("s", "1")
        assert any("changed on disk: it is being reloaded" in n for n in notifications(app))
        await until(pilot, lambda: app.workspace.active_document is not pane)
        new = app.workspace.active_document
        assert new is not None and new.document.text == INSERTED + REPORT
        await store_idle(pilot)
    assert stored(tmp_path).annotations() == []


async def test_a_file_touched_without_new_text_stays_as_it_is(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        path = report_path(tmp_path)
        path.write_text(REPORT.replace("\n", "\r\n"), "utf-8")  # same canonical text
        assert pane.check_file()
        await until(pilot, lambda: not pane.file_changed())
        assert app.workspace.active_document is pane
        assert not any("changed on disk" in n for n in notifications(app))


async def test_passages_of_a_file_changed_between_sessions_are_not_drawn_astray(
    tmp_path: Path,
) -> None:
    path = report_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(REPORT, "utf-8")
    store = stored(tmp_path)
    document = load_document(path)
    registered = store.register_document(
        path=path, text=document.text, title=document.title, size=document.size,
        encoding=document.encoding, sha256=document.sha256,
    )
    start = REPORT.index(LEBANON_SENTENCE)
    tag = store.codebook().find("refugees")
    assert tag is not None
    store.add_annotation(registered.document.id, REPORT, start, start + len(LEBANON_SENTENCE),
                         tags=[tag.id])
    path.write_text(REPORT.replace("situation of refugees", "plight of refugees"), "utf-8")
    app = make_app(tmp_path, [path])
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await until(pilot, lambda: len(pane.annotations) == 1)
        assert pane.placed_annotations == ()
        assert pane.status_line.text("attention") == "1 passage not found in the text"


def test_a_file_rewritten_between_reading_and_showing_counts_as_changed(tmp_path: Path) -> None:
    path = tmp_path / "statement.txt"
    path.write_text("The text as it was read.\n", encoding="utf-8")
    loaded = load_document(path)
    path.write_text("The text as it was rewritten, before the pane was built.\n", encoding="utf-8")

    pane = DocumentPane(loaded)

    assert pane.file_changed()
