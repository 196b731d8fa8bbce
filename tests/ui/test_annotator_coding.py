"""The coding keys, driven by Pilot: what reaches the store and what the pane shows."""

from __future__ import annotations

from pathlib import Path

from annotator_support import (
    LEBANON_SENTENCE,
    REPORT,
    SIZE,
    make_app,
    ready,
    store_idle,
    stored,
    tag_id,
    until,
    write_documents,
)
from textual import events
from textual.widgets import TextArea

from reader.ui.app import ReaderApp
from reader.ui.screens.memo_editor import MemoEditor
from reader.ui.screens.tag_picker import TagPicker
from reader.ui.widgets.document_pane import DocumentPane


def status(pane: DocumentPane, slot: str) -> str:
    return pane.status_line.text(slot)


async def find_lebanon(pilot, pane: DocumentPane) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash", *"Lebanon", "enter")
    await until(pilot, lambda: pane.view.current_match is not None)


async def test_s_then_1_tags_exactly_the_sentence_and_shows_it_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s")
        start = REPORT.index(LEBANON_SENTENCE)
        assert pane.view.selection == (start, start + len(LEBANON_SENTENCE))
        await pilot.press("1")
        # Drawn before the store has answered: a pending passage, its tag named in words.
        assert [(d.start, d.end) for d in pane.view._decorations] == [
            (start, start + len(LEBANON_SENTENCE))
        ]
        assert status(pane, "tags") == "refugees"
        assert status(pane, "saved") in {"saving…", "saved"}
        assert pane.view.selection is None
        assert start <= pane.view.cursor_offset < start + len(LEBANON_SENTENCE)
        await store_idle(pilot)
        assert status(pane, "saved") == "saved"
        assert not any(a.id.startswith("pending:") for a in pane.annotations)
        gutter = pane.view._marks
        assert gutter == {2: "●"}
    annotations = stored(tmp_path).annotations()
    assert len(annotations) == 1
    assert annotations[0].quote == LEBANON_SENTENCE
    assert annotations[0].tags == (tag_id(tmp_path, "refugees"),)


def keys_in_one_read(app: ReaderApp, *keys: str) -> None:
    """Keys as a terminal delivers a quick burst: queued at once, none waiting for the last to be
    handled (Pilot's `press` waits for the app to be idle after each key)."""
    for key in keys:
        event = events.Key(key, key)
        event.set_sender(app)
        app.post_message(event)


async def test_a_key_right_after_a_tag_key_neither_changes_what_is_tagged_nor_is_lost(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s")
        start = REPORT.index(LEBANON_SENTENCE)
        end = start + len(LEBANON_SENTENCE)
        # `j` reaches the view before the tag key's request reaches the app (it extends the
        # selection there): the tag must still take the sentence as selected, and `j` still
        # moves the cursor down a row, past the new passage, with nothing left selected.
        keys_in_one_read(app, "1", "j")
        await until(pilot, lambda: pane.view.selection is None and pane.view.cursor_offset > end)
        await store_idle(pilot)
        assert pane.view.selection is None
        assert pane.view.cursor_offset > end
    annotations = stored(tmp_path).annotations()
    assert [(a.start, a.quote) for a in annotations] == [(start, LEBANON_SENTENCE)]


async def test_m_writes_a_memo_on_the_passage_under_the_cursor(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1", "m")
        await until(pilot, lambda: isinstance(app.screen, MemoEditor))
        app.screen.query_one(TextArea).insert("Return is not safe.")
        await pilot.press("ctrl+s")
        await store_idle(pilot)
        assert status(pane, "tags") == "refugees + memo"
    [annotation] = stored(tmp_path).annotations()
    assert annotation.memo == "Return is not safe."
    assert annotation.quote == LEBANON_SENTENCE


async def test_m_on_a_selection_makes_a_memo_only_passage(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("p", "m")
        await until(pilot, lambda: isinstance(app.screen, MemoEditor))
        app.screen.query_one(TextArea).insert("Whole paragraph matters.")
        await pilot.press("ctrl+s")
        await store_idle(pilot)
        assert status(pane, "tags") == "memo only"
    [annotation] = stored(tmp_path).annotations()
    assert annotation.tags == () and annotation.memo == "Whole paragraph matters."
    assert annotation.quote.startswith(LEBANON_SENTENCE) and annotation.quote.endswith("arrest.")


async def test_second_pane_paragraph_gets_two_tags_and_a_new_one_in_one_step(
    tmp_path: Path,
) -> None:
    paths = write_documents(tmp_path / "docs")
    app = make_app(tmp_path, paths)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+backslash")  # the notes appear beside the report
        await until(pilot, lambda: len(app.workspace.panes) == 2)
        pane = await ready(pilot)
        assert pane.document.title == "notes" or "notes" in str(pane.document.path)
        await pilot.press("j", "j", "p", "t")
        await until(pilot, lambda: isinstance(app.screen, TagPicker))
        picker = app.screen
        assert isinstance(picker, TagPicker)
        # Each key waits for what it depends on, as a person reading the list would.
        for typed, ticked in (("human r", "human rights"), ("detainees", "detainees")):
            wanted = f"tag:{tag_id(tmp_path, ticked)}"
            await pilot.press(*typed)
            await until(pilot, lambda wanted=wanted: picker._highlighted_key() == wanted)
            await pilot.press("tab")
            await until(pilot, lambda wanted=wanted: wanted in picker.ticked)
            await pilot.press("ctrl+u")
        await pilot.press(*"convoys")
        await until(pilot, lambda: picker._highlighted_key() == "create")
        await pilot.press("enter")  # Create "convoys": the colour row
        await until(pilot, lambda: picker.in_colour_mode)
        await pilot.press("enter")  # the offered colour; creates and applies
        await until(pilot, lambda: not isinstance(app.screen, TagPicker))
        await store_idle(pilot)
        await until(pilot, lambda: status(pane, "tags") == "human rights, detainees, convoys")
        store = stored(tmp_path)
        [annotation] = store.annotations()
        assert annotation.quote == (
            "Aid convoys were stopped twice. The municipality asked for new permits."
        )
        codebook = store.codebook()
        assert [codebook.path(t) for t in annotation.tags] == [
            "human rights", "detainees", "convoys"
        ]
        [step] = store.history(origin="tui")
        assert "new tag convoys" in step.label  # tag and passage: one undo step
        # One undo takes both back.
        await pilot.press("u")
        await store_idle(pilot)
    store = stored(tmp_path)
    assert store.annotations() == [] and store.codebook().find("convoys") is None


async def test_u_undoes_and_ctrl_r_redoes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "2")
        await store_idle(pilot)
        assert len(pane.annotations) == 1
        await pilot.press("u")
        await store_idle(pilot)
        assert pane.annotations == ()
        assert stored(tmp_path).annotations() == []
        assert "Undone: tag recovery funds" in [n.message for n in app._notifications]
        await pilot.press("ctrl+r")
        await store_idle(pilot)
        assert len(pane.annotations) == 1
    [annotation] = stored(tmp_path).annotations()
    assert annotation.tags == (tag_id(tmp_path, "recovery funds"),)


async def test_r_widens_a_passage_and_escape_cancels(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1")
        await store_idle(pilot)
        await pilot.press("r", "right", "right", "escape")  # cancelled: nothing changes
        assert pane.adjusting is None
        await store_idle(pilot)
        assert stored(tmp_path).annotations()[0].quote == LEBANON_SENTENCE
        await pilot.press("r")
        assert "adjusting" in status(pane, "selection")
        # The end moves over " Returns remain rare.".
        await pilot.press("w", "w", "w", *["right"] * 5)
        await pilot.press("enter")
        await store_idle(pilot)
        assert pane.adjusting is None
    [annotation] = stored(tmp_path).annotations()
    assert annotation.quote == LEBANON_SENTENCE + " Returns remain rare."


async def test_x_deletes_the_passage_under_the_cursor(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1")
        await store_idle(pilot)
        await pilot.press("x")
        assert pane.annotations == ()  # at once
        assert "Deleted: u to undo" in [n.message for n in app._notifications]
        await store_idle(pilot)
        assert status(pane, "tags") == ""
    assert stored(tmp_path).annotations() == []


async def test_brackets_step_through_passages(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        view = pane.view
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1", "j", "j", "s", "2")
        await store_idle(pilot)
        starts = sorted(a.start for a in pane.annotations)
        assert len(starts) == 2
        await pilot.press("g", "right_square_bracket")
        assert view.cursor_offset == starts[0]
        await pilot.press("right_square_bracket")
        assert view.cursor_offset == starts[1]
        await pilot.press("right_square_bracket")  # wraps around
        assert view.cursor_offset == starts[0]
        await pilot.press("left_square_bracket")
        assert view.cursor_offset == starts[1]


async def test_left_bracket_inside_a_passage_goes_to_the_one_before(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        view = pane.view
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1", "j", "j", "s", "2")
        await store_idle(pilot)
        first, second = sorted(pane.annotations, key=lambda a: a.start)
        view.move_cursor(second.start + 5)  # inside the second passage, not at its start
        await pilot.press("left_square_bracket")
        assert view.cursor_offset == first.start
        await pilot.press("right_square_bracket", "left_square_bracket")  # `[` undoes `]`
        assert view.cursor_offset == first.start


async def test_full_stop_applies_the_last_tags_again(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "3", "j", "j", "s", "full_stop")
        await store_idle(pilot)
    detainees = tag_id(tmp_path, "detainees")
    annotations = stored(tmp_path).annotations()
    assert [a.tags for a in annotations] == [(detainees,), (detainees,)]
    assert annotations[1].quote == "A second paragraph talks about funds."


async def test_digits_toggle_a_tag_on_the_passage_under_the_cursor(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1", "4")  # no selection after tagging: 4 adds to it
        await store_idle(pilot)
        assert status(pane, "tags") == "refugees, human rights"
        await pilot.press("1")  # and 1 takes refugees off again
        await store_idle(pilot)
        assert status(pane, "tags") == "human rights"
        await pilot.press("4")  # the last tag off: the passage goes
        await store_idle(pilot)
        assert pane.annotations == ()
    assert stored(tmp_path).annotations() == []


async def test_v_and_motions_select_and_shift_right_extends(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        view = pane.view
        await pilot.press("v", "w", "w")
        assert view.selection == (0, REPORT.index("displacement"))
        assert status(pane, "selection").endswith("chars selected")
        await pilot.press("v")
        assert view.selection is None and not view.selecting
        await pilot.press("g", "shift+right", "shift+right", "shift+right")
        assert view.selection == (0, 3)
        await pilot.press("escape")
        assert view.selection is None
        await pilot.press("shift+end")
        assert view.selection == (3, len("Report on displacement"))
        await pilot.press("1")
        await store_idle(pilot)
    [annotation] = stored(tmp_path).annotations()
    assert annotation.quote == "ort on displacement"


async def test_a_mouse_drag_selects(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        view = pane.view
        # Column 0 is the gutter: text starts at x=1 on the first row.
        await pilot.mouse_down(view, offset=(1, 0))
        await pilot.hover(view, offset=(7, 0))
        await pilot.mouse_up(view, offset=(7, 0))
        assert view.selection == (0, 6)
        await pilot.click(view, offset=(3, 0))
        assert view.selection is None and view.cursor_offset == 2


async def test_y_copies_the_passage(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "y")
        assert app.clipboard == LEBANON_SENTENCE


async def test_keys_without_a_passage_say_what_to_do(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("1", "x", "m", "r", "full_stop")
        await store_idle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("Select a passage first" in m for m in messages)
        assert not isinstance(app.screen, MemoEditor)
    assert stored(tmp_path).annotations() == []


async def test_the_coding_keys_have_ids_and_are_in_help(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        ids = {row.id for row in app.binding_rows()}
    expected = {
        "document.select", "document.select-sentence", "document.select-paragraph",
        "document.clear-selection", "document.select-right", "coding.tag-1", "coding.tag-9",
        "coding.tag-picker", "coding.repeat-tags", "coding.memo", "coding.adjust",
        "coding.save-span", "coding.delete", "coding.copy", "coding.next", "coding.previous",
        "coding.undo", "coding.redo", "coding.export",
    }
    assert expected <= ids
    assert isinstance(app, ReaderApp)


async def test_ctrl_r_in_the_search_bar_toggles_regex_not_redo(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1")
        await store_idle(pilot)
        await pilot.press("u")
        await store_idle(pilot)
        await pilot.press("slash", "ctrl+r")
        assert pane.search_bar.regex
        await store_idle(pilot)
        assert pane.annotations == ()  # nothing was redone
        await pilot.press("escape", "ctrl+r")  # back in the document: redo
        await store_idle(pilot)
        assert len(pane.annotations) == 1


async def test_passage_colours_follow_the_theme(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await ready(pilot)
        await find_lebanon(pilot, pane)
        await pilot.press("s", "1")
        await store_idle(pilot)
        before = pane.view._decorations[0].style
        redraws = app.theme != "textual-dark"  # (setting the theme in use changes nothing)
        app.theme = "textual-dark"
        await until(pilot, lambda: not redraws or pane.view._decorations[0].style != before)
        dark = pane.view._decorations[0].style
        app.theme = "textual-light"
        await until(pilot, lambda: pane.view._decorations[0].style != dark)
        light = pane.view._decorations[0].style
        assert not isinstance(dark, str) and not isinstance(light, str)
        assert dark.bgcolor is not None and light.bgcolor is not None
        # A tint of the tag's colour over each theme's own background.
        assert light.bgcolor.get_truecolor() > dark.bgcolor.get_truecolor()
