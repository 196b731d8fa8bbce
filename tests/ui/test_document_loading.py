"""A large text shown from its first lines while the rest loads, driven through Pilot: the
loading is reported, keys on what is there act at once, and what needs the rest (G, motions
near the end of what is loaded, search, coding) waits for it and then acts on the whole text."""

from __future__ import annotations

import gc
import json
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from annotator_support import store_idle, stored
from support import settle, until
from textual.app import App, ComposeResult

from reader.core.hashing import text_sha256
from reader.core.spooled_text import SpooledText
from reader.core.text import LineIndex
from reader.formats import base
from reader.formats.base import DocumentHead, LoadedDocument, read_head
from reader.formats.cached import extraction_cache_for
from reader.paths import styles_dir
from reader.ui import app as app_module
from reader.ui.app import ReaderApp
from reader.ui.widgets.document_pane import DocumentPane
from reader.ui.widgets.document_view import DocumentView

SIZE = (100, 30)
LINE = "Line {n}: the delegation met the committee again. It was a short meeting.\n"
TAIL = "At the very end the committee went to Zanzibar. That was all.\n"


def large_text(lines: int = 3000) -> str:
    return "".join(LINE.format(n=n) for n in range(lines)) + TAIL


class GatedLoading:
    """`load_document` of large.txt as the pane calls it, held back until `release()`: the
    test acts while the document loads. Half the file is reported read meanwhile."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._permits = threading.Semaphore(0)
        self.started = threading.Event()
        real = self.real = base.load_document

        def gated(path: Path, **options: Any) -> LoadedDocument:
            if Path(path).name != "large.txt":  # (a module importing it late gets this one)
                return real(path, **options)
            progress: Callable[[int, int], None] | None = options.get("progress")
            if progress is not None:
                progress(50, 100)
            self.started.set()
            if not self._permits.acquire(timeout=30):
                raise AssertionError("the test never let the document load")
            return real(path, **options)

        monkeypatch.setattr(base, "load_document", gated)

    def release(self) -> None:
        """Let every load go on, now and later."""
        self._permits.release(1000)

    def release_one(self) -> None:
        """Let one of the loads waiting (or the next one) go on."""
        self._permits.release()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> GatedLoading:
    # Files over 100 kB count as large; their heads are 64 KiB (a few hundred lines).
    monkeypatch.setattr(base, "HEAD_FROM", 100_000)
    monkeypatch.setattr(base, "HEAD_BYTES", 64 * 1024)
    monkeypatch.setattr(app_module, "FIRST_DOCUMENT_SYNC_BYTES", 100_000)
    return GatedLoading(monkeypatch)


def write_large(tmp_path: Path, content: str | bytes | None = None) -> Path:
    path = tmp_path / "large.txt"
    content = large_text() if content is None else content
    if isinstance(content, str):
        path.write_text(content, "utf-8")
    else:
        path.write_bytes(content)
    return path


class HeadApp(App[None]):
    """One document pane shown from a head, as the reader opens a large text."""

    CSS_PATH = [styles_dir() / "document.tcss"]

    def __init__(self, head: DocumentHead) -> None:
        super().__init__()
        self.head = head
        self.failures: list[str] = []
        self.waits_heard: list[int] = []  # the pane's own business: none should reach here

    def compose(self) -> ComposeResult:
        yield DocumentPane(self.head)

    def on_mount(self) -> None:
        self.query_one(DocumentView).focus()

    def on_document_pane_load_failed(self, event: DocumentPane.LoadFailed) -> None:
        self.failures.append(event.reason)

    def on_document_view_waiting(self, event: DocumentView.Waiting) -> None:
        self.waits_heard.append(event.count)

    @property
    def pane(self) -> DocumentPane:
        return self.query_one(DocumentPane)


def head_of(path: Path) -> DocumentHead:
    head = read_head(path)
    assert head is not None
    return head


async def test_the_pane_says_it_is_loading_then_shows_the_whole_text(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    app = HeadApp(head_of(path))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        await until(pilot, lambda: "loading 50%" in pane.status_line.text("position"))
        assert pane.still_loading and not pane.view.is_complete
        assert pane.loaded_document is None  # nothing to register yet
        assert len(pane.view.text) < len(large_text())
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        assert pane.view.is_complete and pane.view.text == large_text()
        assert pane.loaded_document is not None
        # Kept on disk, not held: a huge text costs its indexes in memory.
        assert isinstance(pane.loaded_document.text, SpooledText)
        assert pane.status_line.text("position") == "1:1    0%"


async def test_a_key_pressed_while_loading_acts_at_once(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = HeadApp(head_of(write_large(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        await pilot.press("j", "j", "w")
        assert pane.still_loading
        assert pane.view.cursor_offset == 2 * len(LINE.format(n=0)) + len("Line ")
        assert pane.status_line.text("position").startswith("3:6  loading")
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        assert pane.view.cursor_location == (2, 5)  # the same place in the whole text


async def test_G_while_loading_waits_visibly_and_lands_on_the_true_end(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = HeadApp(head_of(write_large(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        await pilot.press("G")
        assert pane.view.cursor_offset == 0
        await until(pilot, lambda: "1 waiting" in pane.status_line.text("position"))
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        assert pane.view.cursor_offset == len(large_text())
        assert app.waits_heard == []
        assert pane.status_line.text("position").endswith("100%")


async def test_motions_from_near_the_end_of_what_is_loaded_wait_for_the_rest(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = HeadApp(head_of(write_large(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        view = pane.view
        last_line = view.line_index.line_count - 1
        view.move_cursor(view.line_index.line_start(last_line))
        await pilot.press("k")  # back, over text that is there: at once
        assert view.cursor_location[0] == last_line - 1 and view.waiting == 0
        await pilot.press("j")
        assert view.cursor_location[0] == last_line - 1  # forward: may need what is not there
        await pilot.press("k")  # and a key pressed after a waiting one waits behind it
        assert view.waiting == 2
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        assert view.cursor_location[0] == last_line - 1


async def test_a_page_down_near_the_end_of_what_is_loaded_goes_on_into_the_rest(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = HeadApp(head_of(write_large(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        view = pane.view
        head_length = len(view.text)
        last_line = view.line_index.line_count - 1
        view.move_cursor(view.line_index.line_start(last_line))
        await pilot.press("pagedown", "j")
        # Not stopped at the end of what is loaded, as if the document ended there.
        assert view.cursor_location[0] == last_line
        assert view.waiting == 2
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        page = view.scrollable_content_region.height - 1
        assert view.cursor_location[0] == last_line + page + 1
        assert view.cursor_offset > head_length


async def test_a_search_while_loading_finds_what_is_in_the_part_not_yet_loaded(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = HeadApp(head_of(write_large(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        assert "Zanzibar" not in pane.view.text
        await pilot.press("slash", *"zanzibar")
        # The search bar hides the status line: it says how far the loading is itself.
        await until(pilot, lambda: pane.status_line.text("search")
                    == "searching… (loading 50%)")
        assert pane.search_bar.query_one("#search-count").content == "searching… (loading 50%)"
        await pilot.press("enter")
        assert pane.status_line.text("search") == "searching… (loading 50%)"
        assert pane.still_loading
        gate.release()
        await until(pilot, lambda: pane.view.current_match is not None)
        where = large_text().index("Zanzibar")
        assert pane.view.search_result is not None
        assert list(pane.view.search_result.starts) == [where]
        assert pane.view.cursor_offset == where
        await until(pilot, lambda: pane.status_line.text("search") == "1/1 matches")


async def test_a_rest_that_is_not_in_the_encoding_of_the_start_is_reported(
    tmp_path: Path, gate: GatedLoading
) -> None:
    # UTF-8 at the start, a lone cp1252 byte much later: no one encoding fits the whole file.
    data = ("Anna Pávlovna\n" * 9000).encode("utf-8") + b"caf\xe9\n"
    app = HeadApp(head_of(write_large(tmp_path, data)))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        await pilot.press("G")
        gate.release()
        await until(pilot, lambda: bool(app.failures))
        assert "is not UTF-8 (invalid byte at offset 135003)" in app.failures[0]
        assert pane.still_loading and pane.loaded_document is None


class ViewApp(App[None]):
    def __init__(self, view: DocumentView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


async def test_a_whole_text_that_does_not_begin_with_the_start_replaces_it() -> None:
    from reader.core.text import LineIndex

    start = "caf\u00e9 au lait\n" * 200
    view = DocumentView(start, complete=False)
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.focus()
        await pilot.press("j", "G")
        whole = "cafÃ© au lait\n" * 400  # (what a legacy code page made of the same bytes)
        view.finish_loading(whole, LineIndex(whole))
        assert view.text == whole and view.is_complete
        assert view.cursor_offset == len(whole)  # what waited acted on the new text
        await pilot.press("g", "j")
        assert view.cursor_location == (1, 0)


async def test_a_file_that_cannot_be_read_whole_is_reported(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    app = HeadApp(head_of(path))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane
        path.unlink()
        gate.release()
        await until(pilot, lambda: bool(app.failures))
        assert "no such file" in app.failures[0]
        assert pane.still_loading  # never claims a text it does not have


# ---- in the whole reader: the store and coding -------------------------------------------------


def reader_app(tmp_path: Path, *paths: Path) -> ReaderApp:
    return ReaderApp(list(paths), db_path=tmp_path / "db" / "annotations.json",
                     config_path=tmp_path / "none.toml")


def write_small(tmp_path: Path) -> Path:
    small = tmp_path / "small.txt"
    small.write_text("A small document.\n", "utf-8")
    return small


async def test_the_first_frame_shows_the_head_and_the_store_gets_the_whole_text(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    app = reader_app(tmp_path, path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None and pane.still_loading
        await until(pilot, lambda: app.coding_controller is not None)
        await pilot.pause()
        assert pane.document_id is None  # not registered from a partial text
        gate.release()
        await until(pilot, lambda: pane.document_id is not None)
        await store_idle(pilot)
    [document] = stored(tmp_path).documents()
    assert document.sha256 == text_sha256(large_text())


async def test_coding_near_the_end_while_loading_is_anchored_in_the_whole_text(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    app = reader_app(tmp_path, path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: app.coding_controller is not None)
        # To the end, select the sentence there, tag it with the first tag: all while loading.
        await pilot.press("G", "left", "s", "1")
        assert pane.still_loading and not pane.annotations
        await until(pilot, lambda: any("still loading" in n.message
                                       for n in app._notifications))
        gate.release()
        await until(pilot, lambda: len(pane.annotations) == 1)
        await store_idle(pilot)
    [annotation] = stored(tmp_path).annotations()
    text = large_text()
    sentence = "That was all."
    assert (annotation.start, annotation.end) == (text.index(sentence),
                                                  text.index(sentence) + len(sentence))
    assert annotation.quote == sentence


async def test_a_file_that_cannot_be_read_whole_is_closed_with_a_message(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    app = reader_app(tmp_path, path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, gate.started.is_set)
        path.unlink()
        gate.release()
        await until(pilot, lambda: app.workspace.document_count == 0)
        assert any("no such file" in n.message for n in app._notifications)
    assert stored(tmp_path).documents() == []


async def test_jumping_to_a_passage_near_the_end_of_a_large_document_waits_for_it(
    tmp_path: Path, gate: GatedLoading
) -> None:
    large = write_large(tmp_path)
    small = write_small(tmp_path)
    text = large_text()
    start = text.index("That was all.")
    end = start + len("That was all.")
    store = stored(tmp_path)
    document = store.register_document(**gate.real(large).registration()).document
    store.add_annotation(document.id, text, start, end, memo="the last words")
    app = reader_app(tmp_path, small)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.coding_controller is not None
                    and document.id in app.coding_controller.snapshot.documents)
        app.jump_to(document.id, start, end)
        await until(pilot, lambda: app.workspace.document_count == 2)
        pane = app.workspace.active_document
        assert pane is not None and pane.still_loading
        gate.release()
        await until(pilot, lambda: pane.view.selection == (start, end))
        assert pane.view.cursor_offset == start
        # The quote is where the passage says: no warning that the file changed.
        assert not any("no longer here" in n.message for n in app._notifications)


async def test_a_second_view_still_loading_is_not_given_the_document_registered_by_the_first(
    tmp_path: Path, gate: GatedLoading, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two views of the document, each reading it: a session with it in two panes, resumed.
    # (A split while it loads shares the first view's reading instead.)
    path = write_large(tmp_path)
    first = reader_app(tmp_path, path)
    gate.release()
    async with first.run_test(size=SIZE) as pilot:
        pane = first.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: not pane.still_loading)
        await first.action_split()
        await pilot.press("q")
        await pilot.pause()
    gate = GatedLoading(monkeypatch)
    app = resumed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.coding_controller is not None
                    and len(list(app.workspace.document_panes())) == 2)
        panes = list(app.workspace.document_panes())
        assert all(pane.still_loading for pane in panes)
        gate.release_one()
        await until(pilot, lambda: any(pane.document_id for pane in panes))
        [loaded] = [pane for pane in panes if pane.document_id]
        [loading] = [pane for pane in panes if pane is not loaded]
        await store_idle(pilot)
        # Its text is not all there: no id (so no coding on it), no passages placed in it.
        assert loading.still_loading and loading.document_id is None
        gate.release()
        await until(pilot, lambda: loading.document_id == loaded.document_id)
        assert loading.view.is_complete


async def test_a_session_resumes_at_a_place_past_the_start_once_it_is_loaded(
    tmp_path: Path, gate: GatedLoading, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_large(tmp_path)
    text = large_text()
    place = text.index("Line 2900:")
    first = reader_app(tmp_path, path)
    gate.release()
    async with first.run_test(size=SIZE) as pilot:
        pane = first.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: not pane.still_loading)
        pane.cursor_offset = place
        await pilot.pause()
        top = pane.view.top_location
        await pilot.press("q")  # (quitting saves the session)
        await pilot.pause()
    # `reader` alone resumes the session: the document shows its start while it loads.
    gate = GatedLoading(monkeypatch)
    resumed = ReaderApp([], db_path=tmp_path / "db" / "annotations.json",
                        config_path=tmp_path / "none.toml")
    async with resumed.run_test(size=SIZE) as pilot:
        pane = resumed.workspace.active_document
        assert pane is not None and pane.document.path == path.resolve()
        assert pane.still_loading
        assert pane.view.cursor_offset < len(pane.view.text) < place
        gate.release()
        await until(pilot, lambda: pane.view.cursor_offset == place)
        assert pane.view.top_location == top


async def test_a_title_found_past_the_start_reaches_the_tab_strip(
    tmp_path: Path, gate: GatedLoading
) -> None:
    # Markdown's title is its first heading in the first 2,000 lines: here past the first
    # 64 KiB (until then, the first line stands for it).
    large = tmp_path / "large.md"
    paragraph = "A long paragraph before any heading, " * 3 + "\n"
    large.write_text(paragraph * 1500 + "# Late title\n\nText.\n", "utf-8")
    small = write_small(tmp_path)
    app = reader_app(tmp_path, small)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.workspace.document_count == 1)
        assert await app.open_path(large)
        pane = app.workspace.active_document
        assert pane is not None and pane.document.title.startswith("A long paragraph")
        [tabs] = app.workspace.panes
        await until(pilot, lambda: not pane.still_loading)
        assert pane.document.title == "Late title"
        await pilot.pause()
        assert "Late title" in tabs.strip.render_line(0).text
        await settle(app, pilot)
    # Its headings are kept beside the database, as for a Markdown file read the ordinary way
    # (a passage's section is then known where the document is not open).
    document = pane.loaded_document
    assert document is not None and document.structure
    cache = extraction_cache_for(tmp_path / "db" / "annotations.json")
    assert cache.structure(document.sha256) == document.structure


async def test_a_tag_key_whose_request_arrives_after_the_loading_ended_tags_what_it_saw(
    tmp_path: Path, gate: GatedLoading
) -> None:
    """`G s 1` while loading, the loading ending between the pane handling `1` and the app
    handling its request: the sentence at the end is tagged, as `G` and `s` left it."""
    path = write_large(tmp_path)
    app = reader_app(tmp_path, path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: app.coding_controller is not None)
        await pilot.press("G", "left", "s")
        assert pane.view.waiting == 3
        document = gate.real(path)
        pane.action_tag_slot(1)  # what `1` does in the pane
        pane._finish_loading(document, LineIndex(document.text))  # the thread's result first
        gate.release()
        await until(pilot, lambda: len(pane.annotations) == 1)
        await store_idle(pilot)
    text = large_text()
    sentence = "That was all."
    assert [(a.start, a.quote) for a in stored(tmp_path).annotations()] == [
        (text.index(sentence), sentence)
    ]


async def test_a_selection_extended_by_motions_that_wait_is_tagged_whole(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    app = reader_app(tmp_path, path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: app.coding_controller is not None)
        await pilot.press("v", "j", "j", "G", "1")
        await until(pilot, lambda: any("still loading" in n.message
                                       for n in app._notifications))
        gate.release()
        await until(pilot, lambda: len(pane.annotations) == 1)
        await store_idle(pilot)
    text = large_text()
    [annotation] = stored(tmp_path).annotations()
    assert annotation.start == 0 and annotation.end >= len(text.rstrip())


async def test_copy_waits_behind_a_motion_that_waits(
    tmp_path: Path, gate: GatedLoading, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_large(tmp_path)
    app = reader_app(tmp_path, path)
    copied: list[str] = []
    monkeypatch.setattr(ReaderApp, "copy_to_clipboard", lambda self, text: copied.append(text))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: app.coding_controller is not None)
        await pilot.press("v", "G", "y")  # select from the start to the end, copy
        await until(pilot, lambda: pane.view.waiting == 2)
        assert not copied  # not the start only
        gate.release()
        await until(pilot, lambda: bool(copied))
        await settle(app, pilot)
    assert len(copied) == 1 and copied[0] == large_text()[: len(copied[0])]
    assert len(copied[0]) >= len(large_text()) - 1


async def test_a_tab_still_loading_is_not_moved_and_its_waiting_keys_are_kept(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    small = write_small(tmp_path)
    app = reader_app(tmp_path, small, path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.coding_controller is not None
                    and app.workspace.document_count == 2)
        pane = next(p for p in app.workspace.document_panes() if p.still_loading)
        while app.workspace.active_document is not pane:
            app.action_next_tab()
            await pilot.pause()
        pane.view.focus()
        await pilot.pause()
        await pilot.press("G", "left", "s", "1")
        await until(pilot, lambda: any("still loading" in n.message
                                       for n in app._notifications))
        assert not await app.workspace.move_to_other_pane()
        assert len(app.workspace.panes) == 1
        await until(pilot, lambda: any("move it once it is loaded" in n.message
                                       for n in app._notifications))
        gate.release()
        await until(pilot, lambda: len(pane.annotations) == 1)
        await store_idle(pilot)
        assert await app.workspace.move_to_other_pane()  # loaded: it moves
        assert len(app.workspace.panes) == 2
    [annotation] = stored(tmp_path).annotations()
    assert annotation.quote == "That was all."


async def test_a_split_does_not_move_a_neighbouring_tab_still_loading(
    tmp_path: Path, gate: GatedLoading
) -> None:
    path = write_large(tmp_path)
    small = write_small(tmp_path)
    app = reader_app(tmp_path, small, path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.workspace.document_count == 2)
        loading = next(p for p in app.workspace.document_panes() if p.still_loading)
        while app.workspace.active_document is loading:  # the small one active, beside it
            app.action_next_tab()
            await pilot.pause()
        assert not await app.workspace.split()
        assert len(app.workspace.panes) == 1
        await until(pilot, lambda: any("move it once it is loaded" in n.message
                                       for n in app._notifications))
        gate.release()
        await until(pilot, lambda: not loading.still_loading)
        assert await app.workspace.split()  # loaded: it moves
        assert len(app.workspace.panes) == 2


# ---- a session's place, searches and what is kept while loading --------------------------------


async def _quit_at(tmp_path: Path, path: Path, gate: GatedLoading, place: int) -> None:
    """Open `path` (loaded at once), put the cursor at `place` and quit (saving the session)."""
    app = reader_app(tmp_path, path)
    gate.release()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: not pane.still_loading)
        pane.cursor_offset = place
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()


def _saved_cursor(tmp_path: Path) -> int:
    session = json.loads((tmp_path / "db" / "annotations.session.json").read_text("utf-8"))
    return int(session["panes"][0]["documents"][0]["cursor"])


async def refreshes(pilot: Any, count: int = 8) -> None:
    """Let a few refreshes go by (a tab checks its restored place after each of the first
    five). Not `settle`: it waits for every worker, the gated loading among them."""
    for _ in range(count):
        await pilot.pause()


def resumed_app(tmp_path: Path) -> ReaderApp:
    """`reader` alone: the session saved in tmp_path resumed."""
    return ReaderApp([], db_path=tmp_path / "db" / "annotations.json",
                     config_path=tmp_path / "none.toml")


async def test_quitting_while_loading_keeps_the_resumed_place(
    tmp_path: Path, gate: GatedLoading, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_large(tmp_path)
    place = large_text().index("Line 2900:")
    await _quit_at(tmp_path, path, gate, place)
    assert _saved_cursor(tmp_path) == place
    gate = GatedLoading(monkeypatch)
    app = resumed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None and pane.still_loading
        await until(pilot, gate.started.is_set)
        [pane_tabs] = app.workspace.panes
        [tab] = pane_tabs.tabs
        await until(pilot, lambda: tab.pending_state is None)  # the place was handed over
        await refreshes(pilot)
        assert pane.still_loading
        assert tab.position()[0] == place  # (what an autosave records too)
        await pilot.press("q")  # quitting before the place could be shown
        await pilot.pause()
        gate.release()
    assert _saved_cursor(tmp_path) == place


async def test_resuming_queues_only_one_restore(
    tmp_path: Path, gate: GatedLoading, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_large(tmp_path)
    place = large_text().index("Line 2900:")
    await _quit_at(tmp_path, path, gate, place)
    gate = GatedLoading(monkeypatch)
    app = resumed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, gate.started.is_set)
        await refreshes(pilot)
        # The tab checked its place after each refresh: no key was pressed, nothing waits.
        assert pane.still_loading
        assert pane.view.waiting == 0
        assert "waiting" not in pane.status_line.text("position")
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        await until(pilot, lambda: pane.view.cursor_offset == place)


def _waiting_pattern(pane: DocumentPane) -> str | None:
    query = pane.view.waiting_query
    return None if query is None else query.pattern


async def test_typing_a_query_slowly_while_loading_queues_one_search(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = reader_app(tmp_path, write_large(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await pilot.press("slash")
        typed = ""
        for key in "zanzibar":
            await pilot.press(key)
            typed += key
            # Each pause in typing lets the incremental search start, for what is typed so far.
            await until(pilot, lambda typed=typed: _waiting_pattern(pane) == typed)
            assert pane.view.waiting == 1
        await pilot.press("enter")
        assert pane.view.waiting == 1
        assert pane.status_line.text("position").endswith("1 waiting")
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        await until(pilot, lambda: pane.view.search_result is not None)
        assert pane.view.waiting == 0
        # The one search left ran and went to its match, at the end.
        assert pane.view.cursor_offset == large_text().index("Zanzibar")


async def test_an_abandoned_search_does_not_hold_up_motions(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = reader_app(tmp_path, write_large(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.workspace.active_document
        assert pane is not None
        await pilot.press("slash", *"zanzibar")
        await until(pilot, lambda: _waiting_pattern(pane) == "zanzibar")
        await pilot.press("escape", "j")
        assert pane.view.waiting == 0
        assert pane.view.cursor_location == (1, 0)  # moved at once
        gate.release()
        await until(pilot, lambda: not pane.still_loading)
        assert pane.view.cursor_location == (1, 0) and pane.view.search_result is None


async def test_the_workspace_lets_go_of_a_closed_first_document(
    tmp_path: Path, gate: GatedLoading
) -> None:
    large = write_large(tmp_path)
    small = write_small(tmp_path)
    gate.release()
    app = reader_app(tmp_path, large)  # the first document, composed with the workspace
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.workspace.document_count == 1)
        assert await app.open_path(small)
        [tabs] = app.workspace.panes
        first = app.workspace.initial_tab
        assert first is not None and first.document_pane.document.path == large.resolve()
        await until(pilot, lambda: not any(pane.still_loading
                                           for pane in app.workspace.document_panes()))
        let_go = weakref.ref(first)
        await tabs.remove_tab(first.id or "")
        del first
        await settle(app, pilot)
        assert app.workspace.document_count == 1
        assert app.workspace.initial_tab is None
        gc.collect()
        # (The tab, not its pane: Textual keeps the last thread worker each of its threads ran,
        # and through it that worker's widget, until the thread runs another.)
        assert let_go() is None, "the closed first document's tab is still held"


async def test_a_closed_first_document_read_before_the_first_frame_is_let_go(
    tmp_path: Path,
) -> None:
    first_path = tmp_path / "first.txt"
    first_path.write_text("The first document, read before the first frame.\n" * 2000, "utf-8")
    app = reader_app(tmp_path, first_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.workspace.document_count == 1)
        assert await app.open_path(write_small(tmp_path))
        [tabs] = app.workspace.panes
        first = app.workspace.initial_tab
        assert first is not None
        document = first.document_pane.document
        assert isinstance(document, LoadedDocument)
        let_go = weakref.ref(document)
        await tabs.remove_tab(first.id or "")
        del first, document
        await settle(app, pilot)
        gc.collect()
        assert let_go() is None, "the closed first document is still held"


async def test_a_split_while_loading_shares_the_whole_text(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = reader_app(tmp_path, write_large(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.coding_controller is not None)
        await app.action_split()  # a second view of the document, while it loads
        panes = list(app.workspace.document_panes())
        assert len(panes) == 2 and all(pane.still_loading for pane in panes)
        gate.release_one()  # one reading of the file is enough for both
        await until(pilot, lambda: all(pane.document_id for pane in panes))
        assert panes[0].view.text == large_text()
        assert panes[0].view.text is panes[1].view.text  # one copy of the whole text


async def test_a_split_view_reads_the_text_itself_when_the_first_view_closes_first(
    tmp_path: Path, gate: GatedLoading
) -> None:
    app = reader_app(tmp_path, write_large(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.coding_controller is not None)
        first = app.workspace.active_document
        assert first is not None
        await app.action_split()
        [second] = [pane for pane in app.workspace.document_panes() if pane is not first]
        [tabs] = [p for p in app.workspace.panes
                  if any(t.document_pane is first for t in p.tabs)]
        await tabs.remove_tab(tabs.tabs[0].id or "")
        gate.release()
        await until(pilot, lambda: second.document_id is not None)
        assert second.view.text == large_text()
