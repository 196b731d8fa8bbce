"""The open dialog, help keys, recent documents in the palette, keys in the search bar."""

from __future__ import annotations

from pathlib import Path

from support import settle, until
from textual.widgets import DirectoryTree, Input, OptionList

from reader.ui.app import ReaderApp
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.open_document import OpenDocumentScreen

SIZE = (120, 40)


def write_docs(folder: Path, count: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"doc{index + 1}.txt"
        path.write_text(f"Document {index + 1}.\n\nSecond paragraph.\n", "utf-8")
        paths.append(path)
    return paths


def make_app(tmp_path: Path, paths: list[Path]) -> ReaderApp:
    return ReaderApp(
        paths, db_path=tmp_path / "db" / "annotations.json", config_path=tmp_path / "none.toml"
    )


def open_names(app: ReaderApp) -> list[str]:
    return [Path(pane.document.path).name for pane in app.workspace.document_panes()]


async def test_open_dialog_offers_tree_and_recent_and_opens_the_choice(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 3)
    app = make_app(tmp_path, docs[:1])
    app.recent = [str(docs[2]), str(docs[0])]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OpenDocumentScreen)
        tree = screen.query_one(DirectoryTree)
        assert Path(tree.path) == docs[0].parent
        recent = screen.query_one("#open-recent", OptionList)
        assert recent.option_count == 2
        await pilot.press("ctrl+r")
        assert app.focused is recent
        await pilot.press("down", "enter")  # the first recent: doc3
        await settle(app, pilot)
        assert not isinstance(app.screen, OpenDocumentScreen)
        assert open_names(app) == ["doc1.txt", "doc3.txt"]
        assert app.workspace.active_document is not None
        assert Path(app.workspace.active_document.document.path).name == "doc3.txt"
        assert Path(app.recent[0]).name == "doc3.txt"


async def test_open_dialog_takes_a_typed_path_and_escape_cancels(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs[:1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OpenDocumentScreen)
        assert open_names(app) == ["doc1.txt"]

        await pilot.press("ctrl+o")
        await pilot.pause()
        field = app.screen.query_one("#open-path", Input)
        field.value = str(docs[1])
        field.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert open_names(app) == ["doc1.txt", "doc2.txt"]


async def test_opening_an_open_document_switches_to_it(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert await app.open_path(docs[1])
        await pilot.pause()
        assert open_names(app) == ["doc1.txt", "doc2.txt"]
        assert app.workspace.active_document is not None
        assert Path(app.workspace.active_document.document.path).name == "doc2.txt"


async def test_question_mark_opens_help_and_closes_it(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running


async def test_typing_q_in_the_search_bar_does_not_quit(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("q", "question_mark")
        await pilot.pause()
        assert app.is_running
        assert app.focused.value == "q?"


async def test_palette_lists_recent_documents(tmp_path: Path) -> None:
    from reader.ui.commands import available_commands

    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs[:1])
    app.recent = [str(docs[1])]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        recent = [c for c in available_commands(app) if c.title.startswith("Open recent")]
        assert [c.title for c in recent][:2] == ["Open recent: doc1.txt", "Open recent: doc2.txt"]
        await app.run_action(recent[1].action)
        await settle(app, pilot)
        assert open_names(app) == ["doc1.txt", "doc2.txt"]


async def test_a_session_that_cannot_be_saved_is_reported_once(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    blocker = tmp_path / "db"
    blocker.write_text("a file where the database folder should be", "utf-8")
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.save_now()
        app.save_now()
        await pilot.pause()
        failures = [n for n in app._notifications if "Cannot save the session" in n.message]
        assert len(failures) == 1
        assert app.is_running


async def test_tree_labels_show_control_characters_as_symbols(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    docs = write_docs(folder, 1)
    (folder / "evil\x1b]0;pwned\x07[b]x.txt").write_text("text", "utf-8")
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await until(
            pilot,
            lambda: isinstance(app.screen, OpenDocumentScreen)
            and len(app.screen.query_one(DirectoryTree).root.children) == 2,
        )
        tree = app.screen.query_one(DirectoryTree)
        labels = [str(node.label) for node in tree.root.children]
        evil = [label for label in labels if label.startswith("evil")]
        assert evil and "\x1b" not in evil[0] and "\x07" not in evil[0]
        assert "[b]x.txt" in evil[0]


async def test_features_can_add_palette_commands(tmp_path: Path) -> None:
    from reader.ui import commands
    from reader.ui.commands import PaletteCommand, available_commands, register_command_source

    def source(app: object) -> list[PaletteCommand]:
        return [PaletteCommand("Ring the bell", "A test command", "bell", None)]

    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    register_command_source(source)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert "Ring the bell" in [c.title for c in available_commands(app)]
    finally:
        commands._sources.remove(source)


async def test_palette_prompts_are_plain_text(tmp_path: Path) -> None:
    from rich.text import Text

    from reader.ui.commands import ReaderCommands

    folder = tmp_path / "docs"
    docs = write_docs(folder, 1)
    app = make_app(tmp_path, docs)
    app.recent = [str(folder / "[bold]x\x1b[2J.txt")]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        provider = ReaderCommands(app.screen)
        hits = [hit async for hit in provider.discover()]
        prompts = [hit.prompt for hit in hits]
        assert all(isinstance(prompt, Text) for prompt in prompts)
        shown = "\n".join(prompt.plain for prompt in prompts if isinstance(prompt, Text))
        assert "[bold]x" in shown and "\x1b" not in shown
        searched = [hit async for hit in provider.search("bold")]
        assert searched and all(isinstance(hit.prompt, Text) for hit in searched)


async def test_styles_read_after_the_first_frame_reach_the_sidebar_and_dialogs(
    tmp_path: Path,
) -> None:
    # review.tcss, dialogs.tcss and search.tcss are read once the first frame is painted
    # (start-up time); what they style must still get their rules.
    from reader.ui.screens.tag_picker import TagPicker
    from reader.ui.widgets.annotation_sidebar import AnnotationSidebar

    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.main_screen.mount_review_widgets()
        sidebar = app.main_screen.query_one(AnnotationSidebar)
        assert sidebar.styles.dock == "right" and sidebar.styles.width is not None
        assert sidebar.styles.width.value == 42
        await pilot.press("s", "t")  # a sentence, then the tag picker
        await until(pilot, lambda: isinstance(app.screen, TagPicker))
        dialog = app.screen.query_one("#tag-picker-dialog")
        assert dialog.styles.width is not None and dialog.styles.width.value == 72
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, TagPicker))
        # The help and open dialogs and the search bar are styled after the first frame too.
        await pilot.press("slash")
        pane = app.workspace.active_document
        assert pane is not None
        await until(pilot, lambda: pane.has_class("-searching"))
        toggle = pane.search_bar.query_one("#search-regex")
        assert toggle.styles.width is not None and toggle.styles.width.value == 4
        await pilot.press("escape", "f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_dialog = app.screen.query_one("#help-dialog")
        assert help_dialog.styles.max_width is not None
        assert help_dialog.styles.max_width.value == 140
