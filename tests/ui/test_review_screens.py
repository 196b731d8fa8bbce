"""Reviewing in the TUI: annotation sidebar, codebook bar, tag view and codebook screen.

The widgets run in a small app that holds a real `AnnotationService` over a test database (what the
reader app does), so every change really goes through the store's thread; results are checked with
a fresh `AnnotationStore` on the same file.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from support import settle, until
from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Select

from reader.core.codebook import Codebook
from reader.core.models import Document, Tag
from reader.core.store import AnnotationStore
from reader.paths import styles_dir
from reader.ui.review_keys import review_commands
from reader.ui.review_messages import PassageRequested
from reader.ui.screens.codebook import CodebookScreen
from reader.ui.screens.tag_editor import Confirm, TagChooser, TextPrompt
from reader.ui.screens.tag_view import TagViewScreen
from reader.ui.store_feed import StoreFeed
from reader.ui.store_service import AnnotationService, StoreSnapshot
from reader.ui.widgets.annotation_sidebar import AnnotationSidebar
from reader.ui.widgets.codebook_bar import CodebookBar

SIZE = (120, 36)

ZETA_TEXT = (
    "Zeta interview.\nThe families returned to Homs in spring.\n"
    "Aid convoys were blocked at the checkpoint.\nعادت العائلات إلى المَدْرَسَة.\n"
)
ALPHA_TEXT = "Alpha notes.\nReturnees need shelter.\nThe fund paid for schools.\n"


class ReviewApp(App[None]):
    """What the review widgets need of the reader app: a `store_feed`, a handler of
    `PassageRequested`, and (for the sidebar) the focused document."""

    CSS_PATH = [styles_dir() / "review.tcss"]

    def __init__(self, db_path: Path, focused_path: str | None) -> None:
        super().__init__()
        self.service = AnnotationService(self, db_path, annotator="tester")
        self.store_feed = StoreFeed(self)
        self.store_feed.service = self.service
        self.jumps: list[tuple[str, int]] = []
        document = SimpleNamespace(path=focused_path)
        # The focused document as the reading screen's workspace gives it: a pane whose
        # registration has not come back yet (no id), so the sidebar finds it by its path.
        pane = SimpleNamespace(document=document, document_id=None, cursor_offset=0)
        self.documents = SimpleNamespace(
            active_document=pane if focused_path else None, focus_document=lambda: None
        )

    def compose(self) -> ComposeResult:
        yield AnnotationSidebar(id="annotation-sidebar", documents=self.documents)
        yield CodebookBar(id="codebook-bar")

    def on_mount(self) -> None:
        self.service.start()

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.service.stop)

    def on_annotation_service_job_done(self, message: AnnotationService.JobDone) -> None:
        message.callback()

    def on_annotation_service_ready(self, message: AnnotationService.Ready) -> None:
        self.store_feed.publish(message.snapshot)

    def on_annotation_service_changed(self, message: AnnotationService.Changed) -> None:
        self.store_feed.publish(message.snapshot)

    @on(PassageRequested)
    def _jump(self, message: PassageRequested) -> None:
        self.jumps.append((message.document_id, message.start))


class Corpus(SimpleNamespace):
    db: Path
    zeta: Document
    alpha: Document
    tags: dict[str, str]
    notes: dict[str, str]


def make_corpus(tmp_path: Path) -> Corpus:
    """Two documents; three passages in Zeta, two in Alpha; `refugees/returns` nested."""
    db = tmp_path / "db" / "annotations.json"
    store = AnnotationStore(db, origin="cli", annotator="tester")
    docs = {}
    for name, text in (("zeta", ZETA_TEXT), ("alpha", ALPHA_TEXT)):
        path = tmp_path / f"{name}.txt"
        path.write_text(text, "utf-8")
        docs[name] = store.register_document(
            path=path, text=text, title=text.split(".")[0], size=len(text), encoding="utf-8",
            sha256=name,
        ).document
    codebook = store.codebook()
    refugees = codebook.resolve("refugees").id
    aid = codebook.resolve("humanitarian aid").id
    returns = store.create_tag("refugees/returns").id

    def add(doc: str, text: str, quote: str, tags: list[str], memo: str = "") -> str:
        start = text.index(quote)
        return store.add_annotation(
            docs[doc].id, text, start, start + len(quote), tags=tags, memo=memo
        ).id

    notes = {
        "z-families": add("zeta", ZETA_TEXT, "families returned to Homs", [refugees],
                          "Check the DATE"),
        "z-aid": add("zeta", ZETA_TEXT, "Aid convoys were blocked", [aid]),
        "z-arabic": add("zeta", ZETA_TEXT, "العائلات إلى المَدْرَسَة", [returns], "عودة"),
        "a-shelter": add("alpha", ALPHA_TEXT, "Returnees need shelter", [returns]),
        "a-fund": add("alpha", ALPHA_TEXT, "fund paid for schools", [aid]),
    }
    corpus = Corpus(
        db=db, zeta=docs["zeta"], alpha=docs["alpha"],
        tags={"refugees": refugees, "aid": aid, "returns": returns}, notes=notes,
    )
    return corpus


def fresh(corpus: Corpus) -> AnnotationStore:
    return AnnotationStore(corpus.db, origin="cli")


async def started(app: ReviewApp, pilot: Pilot[Any], corpus: Corpus) -> None:
    app.service.watch([corpus.zeta.id, corpus.alpha.id])
    await until(pilot, lambda: app.service.snapshot.annotations_of(corpus.zeta.id))


def sidebar_ids(app: ReviewApp) -> list[str]:
    return [a.id for a in app.query_one(AnnotationSidebar).shown]


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return make_corpus(tmp_path)


# ---------------------------------------------------------------------------- sidebar


async def test_sidebar_lists_the_focused_documents_passages_in_order(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, corpus.zeta.path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        sidebar = app.query_one(AnnotationSidebar)
        assert not sidebar.display  # hidden until asked for
        sidebar.reveal()
        await until(pilot, lambda: sidebar_ids(app))
        notes = corpus.notes
        assert sidebar_ids(app) == [notes["z-families"], notes["z-aid"], notes["z-arabic"]]
        option_list = app.query_one("#sidebar-list", OptionList)
        assert option_list.option_count == 3
        await until(pilot, lambda: app.focused is option_list)
        first = str(option_list.get_option_at_index(0).prompt)
        assert "families returned to Homs" in first
        assert "refugees" in first and "Check the DATE" in first
        arabic = str(option_list.get_option_at_index(2).prompt)
        assert "refugees/returns" in arabic


async def test_sidebar_follows_another_process(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, corpus.alpha.path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        app.query_one(AnnotationSidebar).reveal()
        await until(pilot, lambda: len(sidebar_ids(app)) == 2)
        store = fresh(corpus)
        start = ALPHA_TEXT.index("Alpha notes")
        added = store.add_annotation(
            corpus.alpha.id, ALPHA_TEXT, start, start + 5, tags=[corpus.tags["aid"]]
        )
        await until(pilot, lambda: added.id in sidebar_ids(app), timeout=8)
        assert sidebar_ids(app)[0] == added.id


async def test_sidebar_filter_by_text_and_tag(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, corpus.zeta.path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        app.query_one(AnnotationSidebar).reveal()
        await until(pilot, lambda: len(sidebar_ids(app)) == 3)
        await until(pilot, lambda: app.focused is app.query_one("#sidebar-list"))
        await pilot.press("f")
        assert isinstance(app.focused, Input)
        await pilot.press(*"the date")
        await pilot.pause()
        assert sidebar_ids(app) == [corpus.notes["z-families"]]
        app.query_one("#sidebar-filter", Input).value = "المدرسة"
        await pilot.pause()
        assert sidebar_ids(app) == [corpus.notes["z-arabic"]]
        app.query_one("#sidebar-filter", Input).value = ""
        # The tag filter includes tags nested in the chosen one.
        app.query_one("#sidebar-tag", Select).value = corpus.tags["refugees"]
        await pilot.pause()
        assert sidebar_ids(app) == [corpus.notes["z-families"], corpus.notes["z-arabic"]]
        app.query_one("#sidebar-filter", Input).value = "nothing like this"
        await pilot.pause()
        assert sidebar_ids(app) == []
        assert "No passage matches" in str(app.query_one("#sidebar-empty").render())
        await pilot.press("escape")
        assert app.focused is app.query_one("#sidebar-list")


async def test_sidebar_enter_jumps_to_the_passage(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, corpus.zeta.path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        app.query_one(AnnotationSidebar).reveal()
        await until(pilot, lambda: len(sidebar_ids(app)) == 3)
        await until(pilot, lambda: app.focused is app.query_one("#sidebar-list"))
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.jumps)
        assert app.jumps == [(corpus.zeta.id, ZETA_TEXT.index("Aid convoys"))]


async def test_sidebar_toggle_focuses_then_hides(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, corpus.zeta.path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        sidebar = app.query_one(AnnotationSidebar)
        assert app.focused is None  # nothing hidden has the keyboard
        sidebar.toggle()
        await until(pilot, lambda: app.focused is app.query_one("#sidebar-list"))
        assert sidebar.display
        sidebar.toggle()
        await pilot.pause()
        assert not sidebar.display


# ---------------------------------------------------------------------------- codebook bar


async def test_codebook_bar_shows_hotkeys_names_and_counts(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        bar = app.query_one(CodebookBar)
        await until(pilot, lambda: "refugees" in str(bar.render()))
        text = str(bar.render())
        # refugees has one passage of its own and two of refugees/returns under it.
        assert text.startswith("1 \u25a0 refugees 3")
        assert "7 \u25a0 humanitarian aid 2" in text
        assert "\u00b7 \u25a0 refugees/returns 2" in text


async def test_codebook_bar_repaints_new_counts_without_a_layout(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each tag key changes a count: the bar (always one row) is repainted, not the whole screen
    laid out again (that cost each tag key ~10 ms of the UI's time on a big database)."""
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        bar = app.query_one(CodebookBar)
        await until(pilot, lambda: "refugees 3" in str(bar.render()))
        layouts: list[bool] = []
        repaint = bar.refresh

        def refresh(*regions: Any, **options: Any) -> Any:
            layouts.append(bool(options.get("layout")))
            return repaint(*regions, **options)

        monkeypatch.setattr(bar, "refresh", refresh)
        snapshot = app.store_feed.snapshot
        assert snapshot is not None
        counts = {**snapshot.rolled_counts, corpus.tags["refugees"]: 4}
        app.store_feed.publish(replace(snapshot, revision=snapshot.revision + 1,
                                       rolled_counts=counts))
        await until(pilot, lambda: "refugees 4" in str(bar.render()))
        assert layouts and not any(layouts)


# ---------------------------------------------------------------------------- tag view


async def test_tag_view_lists_passages_across_documents_sorted(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        screen = TagViewScreen(corpus.tags["refugees"])
        app.push_screen(screen)
        # refugees, with the nested refugees/returns: Alpha's passage first (title order).
        await until(pilot, lambda: len(screen.rows) == 3)
        notes = corpus.notes
        assert [row.annotation.id for row in screen.rows] == [
            notes["a-shelter"], notes["z-families"], notes["z-arabic"],
        ]
        assert [row.document_title for row in screen.rows] == ["Alpha notes", "Zeta interview",
                                                               "Zeta interview"]
        table = screen.query_one("#tag-view-passages", DataTable)
        assert table.row_count == 3
        assert "The families returned to Homs in spring" in screen.rows[1].context.plain
        # Another tag: aid.
        tags = screen.query_one("#tag-view-tags", OptionList)
        tags.highlighted = [o.id for o in tags.options].index(corpus.tags["aid"])
        await until(pilot, lambda: [r.annotation.id for r in screen.rows] == [
            notes["a-fund"], notes["z-aid"]])
        await pilot.press("enter")  # from the tags to the passages
        assert app.focused is table
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.jumps)
        assert app.jumps == [(corpus.zeta.id, ZETA_TEXT.index("Aid convoys"))]
        assert app.screen is not screen


async def test_review_widgets_show_what_the_feed_publishes_without_polling(
    corpus: Corpus,
) -> None:
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot, corpus)
        bar = app.query_one(CodebookBar)
        screen = CodebookScreen()
        app.push_screen(screen)
        await until(pilot, lambda: screen.entries)
        # None of them looks at the store on a timer any more: each is handed every snapshot.
        intervals = [timer for node in (bar, screen) for timer in node._timers
                     if str(timer.name).startswith("set_interval")]
        assert not intervals
        tag = Tag(id="t-published", name="published", colour="#aa3377", hotkey=9)
        app.store_feed.publish(StoreSnapshot(
            revision=10**6, codebook=Codebook([tag]), rolled_counts={tag.id: 4}
        ))
        await settle(app, pilot)
        assert [entry.tag.id for entry in screen.entries] == [tag.id]
        assert "published" in str(bar.render()) and "refugees" not in str(bar.render())


# ---------------------------------------------------------------------------- codebook screen


async def open_codebook(app: ReviewApp, pilot: Pilot[Any], corpus: Corpus) -> CodebookScreen:
    await started(app, pilot, corpus)
    screen = CodebookScreen()
    app.push_screen(screen)
    await until(pilot, lambda: screen.entries)
    return screen


async def put_cursor_on(pilot: Pilot[Any], screen: CodebookScreen, path: str) -> None:
    paths = [entry.path for entry in screen.entries]
    screen.query_one("#codebook-table", DataTable).move_cursor(row=paths.index(path))
    await pilot.pause()
    assert screen.current_tag is not None and screen.entries[paths.index(path)].path == path


async def answer(pilot: Pilot[Any], app: ReviewApp, text: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, TextPrompt))
    app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def choose(pilot: Pilot[Any], app: ReviewApp, choice_id: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, TagChooser))
    options = app.screen.query_one(OptionList)
    options.highlighted = [option.id for option in options.options].index(choice_id)
    await pilot.press("enter")


def tag_by_path(corpus: Corpus, path: str) -> Any:
    return fresh(corpus).codebook().find(path)


async def test_codebook_add_rename_recolour_describe_each_reach_the_store(
    corpus: Corpus,
) -> None:
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_codebook(app, pilot, corpus)
        await pilot.press("a")
        await answer(pilot, app, "checkpoints/delays")
        await until(pilot, lambda: tag_by_path(corpus, "checkpoints/delays") is not None)
        await until(pilot, lambda: screen.current_tag is not None
                    and screen.current_tag.name == "delays")

        await pilot.press("r")
        await answer(pilot, app, "waiting")
        await until(pilot, lambda: tag_by_path(corpus, "checkpoints/waiting") is not None)

        await pilot.press("c")
        await answer(pilot, app, "#123456")
        await until(pilot, lambda: tag_by_path(corpus, "checkpoints/waiting").colour == "#123456")

        await pilot.press("c")
        await answer(pilot, app, "not a colour")
        assert isinstance(app.screen, TextPrompt)  # refused in the dialog
        assert "colour must look like" in str(app.screen.query_one(".error").render())
        await pilot.press("escape")

        await pilot.press("d")
        await answer(pilot, app, "Hours spent at checkpoints")
        await until(pilot, lambda: tag_by_path(corpus, "checkpoints/waiting").description
                    == "Hours spent at checkpoints")
        await until(pilot, lambda: "Described" in str(
            screen.query_one("#codebook-status").render()))

        # Four steps back: description, colour, name, the tag itself.
        for _ in range(4):
            before = len(fresh(corpus).history(origin="tui"))
            await pilot.press("u")
            await until(pilot, lambda before=before: sum(
                not step.undone for step in fresh(corpus).history(origin="tui")) < before)
        assert tag_by_path(corpus, "checkpoints/waiting") is None
        assert tag_by_path(corpus, "checkpoints/delays") is None


async def test_codebook_nest_hotkey_merge_delete_and_undo(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_codebook(app, pilot, corpus)
        tags = corpus.tags

        # Nest "detainees" under "human rights".
        await put_cursor_on(pilot, screen, "detainees")
        rights = tag_by_path(corpus, "human rights").id
        await pilot.press("p")
        await choose(pilot, app, rights)
        await until(pilot, lambda: tag_by_path(corpus, "human rights/detainees") is not None)

        # Hotkey 1 moves from refugees to humanitarian aid.
        await put_cursor_on(pilot, screen, "humanitarian aid")
        await pilot.press("h")
        await answer(pilot, app, "1")
        await until(pilot, lambda: fresh(corpus).codebook().get(tags["aid"]).hotkey == 1)
        assert fresh(corpus).codebook().get(tags["refugees"]).hotkey is None

        # Merge refugees/returns into humanitarian aid: its passages get the other tag.
        await put_cursor_on(pilot, screen, "refugees/returns")
        await pilot.press("m")
        await choose(pilot, app, tags["aid"])
        await until(pilot, lambda: tags["returns"] not in fresh(corpus).codebook())
        assert fresh(corpus).annotation_counts()[tags["aid"]] == 4

        # Delete refugees (asks first): its passage keeps its memo, so it stays, untagged.
        await put_cursor_on(pilot, screen, "refugees")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: tags["refugees"] not in fresh(corpus).codebook())
        assert fresh(corpus).get_annotation(corpus.notes["z-families"]).tags == ()

        # Undo, step by step: delete, merge, hotkey, nest.
        await pilot.press("u")
        await until(pilot, lambda: tags["refugees"] in fresh(corpus).codebook())
        families = fresh(corpus).get_annotation(corpus.notes["z-families"])
        assert families.tags == (tags["refugees"],)
        await pilot.press("u")
        await until(pilot, lambda: tags["returns"] in fresh(corpus).codebook())
        assert fresh(corpus).annotation_counts()[tags["aid"]] == 2
        await pilot.press("u")
        await until(pilot, lambda: fresh(corpus).codebook().get(tags["refugees"]).hotkey == 1)
        await pilot.press("u")
        await until(pilot, lambda: tag_by_path(corpus, "detainees") is not None)
        await until(pilot, lambda: "Undid" in str(screen.query_one("#codebook-status").render()))


async def test_codebook_reports_a_refused_change(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_codebook(app, pilot, corpus)
        await put_cursor_on(pilot, screen, "detainees")
        await pilot.press("r")
        await answer(pilot, app, "Refugees")  # a sibling has that name
        status = screen.query_one("#codebook-status")
        await until(pilot, lambda: "already exists" in str(status.render()))
        assert status.has_class("-error")


async def test_codebook_enter_shows_the_tags_passages(corpus: Corpus) -> None:
    app = ReviewApp(corpus.db, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_codebook(app, pilot, corpus)
        await put_cursor_on(pilot, screen, "humanitarian aid")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TagViewScreen))
        tag_view = app.screen
        assert isinstance(tag_view, TagViewScreen)
        await until(pilot, lambda: len(tag_view.rows) == 2)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)


def test_palette_lists_the_review_commands() -> None:
    actions = [command.action for command in review_commands(None)]  # type: ignore[arg-type]
    assert actions == ["screen.toggle_annotations", "screen.tag_view", "screen.codebook",
                       "screen.analysis", "screen.corpus_search"]
