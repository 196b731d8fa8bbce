"""The app shell: panes, tabs, focus, layout, help, palette and the keymap, driven by Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import settle, until
from textual.binding import ActiveBinding, Binding
from textual.widgets import Input

from reader.ui.app import ReaderApp
from reader.ui.widgets.footer import FooterItem, ReaderFooter
from reader.ui.widgets.workspace import PaneTabs, Workspace

SIZE = (120, 40)


def write_docs(folder: Path, count: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"doc{index + 1}.txt"
        lines = [f"Document {index + 1}, line {line}. A sentence here." for line in range(80)]
        path.write_text("\n".join(lines) + "\n", "utf-8")
        paths.append(path)
    return paths


def make_app(tmp_path: Path, paths: list[Path], config: str | None = None) -> ReaderApp:
    config_path = tmp_path / "config.toml"
    if config is not None:
        config_path.write_text(config, "utf-8")
    return ReaderApp(paths, db_path=tmp_path / "db" / "annotations.json", config_path=config_path)


def palette_highlight(app: ReaderApp) -> str | None:
    """The title of the command the open palette would run on enter, if any."""
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    if not lists:
        return None
    commands = lists.first()
    if commands.highlighted is None:
        return None
    prompt = commands.get_option_at_index(commands.highlighted).prompt
    return str(prompt).splitlines()[0].strip()


def pane_of_focus(app: ReaderApp) -> PaneTabs | None:
    focused = app.focused
    if focused is None:
        return None
    for node in focused.ancestors_with_self:
        if isinstance(node, PaneTabs):
            return node
    return None


def footer_item(app: ReaderApp, action: str) -> FooterItem:
    item = app.screen.query_one(ReaderFooter).item(action)
    assert item is not None, f"no footer key for {action}"
    return item


def titles(pane: PaneTabs) -> list[str]:
    return [tab.document_pane.document.title for tab in pane.tabs]


async def test_first_document_is_shown_and_focused(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        workspace = app.query_one(Workspace)
        assert len(workspace.panes) == 1
        pane = workspace.panes[0]
        assert [Path(tab.document_pane.document.path).name for tab in pane.tabs] == [
            "doc1.txt",
            "doc2.txt",
        ]
        assert pane.active_tab is pane.tabs[0]
        assert app.focused is pane.tabs[0].document_pane.view


async def test_split_puts_two_documents_side_by_side(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+backslash")  # doc1 stays, doc2 appears beside it
        await settle(app, pilot)
        workspace = app.workspace
        left, right = workspace.panes
        assert [Path(t.document_pane.document.path).name for t in left.tabs] == ["doc1.txt"]
        assert [Path(t.document_pane.document.path).name for t in right.tabs] == ["doc2.txt"]
        assert pane_of_focus(app) is right
        assert right.region.x > left.region.x and right.region.y == left.region.y


async def test_split_from_the_last_tab_takes_the_previous_document(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 3)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+pageup", "ctrl+backslash")  # reading doc3, the last tab
        await settle(app, pilot)
        left, right = app.workspace.panes
        assert [Path(t.document_pane.document.path).name for t in left.tabs] == [
            "doc1.txt",
            "doc3.txt",
        ]
        assert left.active_tab is left.tabs[1]
        assert [Path(t.document_pane.document.path).name for t in right.tabs] == ["doc2.txt"]


async def test_split_of_a_single_document_gives_a_second_view(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.run_action("split")
        await settle(app, pilot)
        left, right = app.workspace.panes
        assert titles(left) == titles(right)


async def test_close_pane_and_its_availability(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.check_action("close_pane", ()) is None  # dimmed with one pane
        assert not footer_item(app, "close_pane").enabled
        await pilot.press("ctrl+w")
        await settle(app, pilot)
        assert len(app.workspace.panes) == 1
        await pilot.press("ctrl+backslash")
        await settle(app, pilot)
        assert len(app.workspace.panes) == 2
        assert app.check_action("close_pane", ()) is True
        assert footer_item(app, "close_pane").enabled
        await pilot.press("ctrl+w")
        await settle(app, pilot)
        assert len(app.workspace.panes) == 1
        assert app.workspace.document_count == 1
        assert pane_of_focus(app) is app.workspace.panes[0]


async def test_switch_layout_stacks_the_panes(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+backslash")
        await settle(app, pilot)
        await pilot.press("alt+l")
        await settle(app, pilot)
        workspace = app.workspace
        assert workspace.layout_mode == "vertical"
        top, bottom = workspace.panes
        assert bottom.region.y > top.region.y and bottom.region.x == top.region.x
        await pilot.press("alt+l")
        await settle(app, pilot)
        assert workspace.layout_mode == "horizontal"


async def test_tab_and_shift_tab_move_focus_between_panes(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+backslash")
        await settle(app, pilot)
        left, right = app.workspace.panes
        assert pane_of_focus(app) is right
        await pilot.press("tab")
        await pilot.pause()
        assert pane_of_focus(app) is left
        assert app.workspace.active_pane is left
        await pilot.press("shift+tab")
        await pilot.pause()
        assert pane_of_focus(app) is right


async def test_next_and_previous_tab(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 3)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pane = app.workspace.panes[0]
        await pilot.press("ctrl+pagedown")
        await pilot.pause()
        assert pane.active_tab is pane.tabs[1]
        assert app.focused is pane.tabs[1].document_pane.view
        await pilot.press("ctrl+pageup", "ctrl+pageup")
        await pilot.pause()
        assert pane.active_tab is pane.tabs[2]  # wraps around


async def test_move_document_to_other_pane_and_close_tab(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 3)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("alt+m")  # one pane: moves doc1 into a new pane
        await settle(app, pilot)
        left, right = app.workspace.panes
        assert [Path(t.document_pane.document.path).name for t in left.tabs] == [
            "doc2.txt",
            "doc3.txt",
        ]
        assert [Path(t.document_pane.document.path).name for t in right.tabs] == ["doc1.txt"]
        await pilot.press("alt+m")  # back to the first pane; the emptied pane goes
        await settle(app, pilot)
        assert len(app.workspace.panes) == 1
        assert app.workspace.document_count == 3
        await pilot.press("alt+w", "alt+w", "alt+w")
        await settle(app, pilot)
        assert app.workspace.document_count == 0
        assert app.workspace.has_class("-empty")
        assert app.is_running


async def test_help_is_generated_from_the_bindings_with_remapped_keys(tmp_path: Path) -> None:
    from textual.binding import Binding
    from textual.widgets import DataTable

    from reader.ui.screens.help import HelpScreen

    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs, config='[keys]\n"pane.split" = "ctrl+s"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        cells = [
            [str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)
        ]
        by_id = {row[2]: row for row in cells}
        for ident in (
            "app.quit",
            "app.help",
            "pane.split",
            "pane.close",
            "tab.next",
            "pane.focus-next",
        ):
            assert ident in by_id
        assert by_id["pane.split"][0] == "^s"
        # The document view's own motion bindings are listed too, each with an id.
        from reader.ui.widgets.document_view import DocumentView

        # Dialogs are listed before they are ever opened (their modules load lazily).
        assert "open.cancel" in by_id and "help.close" in by_id
        own = [b for b in DocumentView.BINDINGS if isinstance(b, Binding)]
        assert own and all(binding.id for binding in own)
        assert {binding.id for binding in own} <= set(by_id)
        # The keymap works, not just the listing.
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert len(app.workspace.panes) == 2


async def test_bad_config_is_reported_and_the_app_runs(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs, config="[keys\nbroken")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        (reported,) = [message for message in messages if "not valid TOML" in message]
        assert "line 1" in reported and "login name as the annotator" in reported
        assert app.workspace.document_count == 1


async def test_unknown_binding_id_in_keymap_is_reported(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    config = '[keys]\n"pane.splitt" = "ctrl+s"\n"open.cancel" = "escape,ctrl+g"\n'
    app = make_app(tmp_path, docs, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("pane.splitt" in message for message in messages)
        # An id from a dialog that has not been opened yet is known, not reported.
        assert not any("open.cancel" in message for message in messages)


async def test_palette_offers_the_shell_commands(tmp_path: Path) -> None:
    from reader.ui.commands import available_commands

    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        names = {command.title for command in available_commands(app)}
        for title in (
            "Open document",
            "Split pane",
            "Switch theme",
            "Toggle soft wrap",
            "Toggle line numbers",
            "Help",
            "Quit",
        ):
            assert title in names
        assert "Close pane" not in names  # one pane: not available
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"split pane")
        await until(pilot, lambda: palette_highlight(app) == "Split pane")
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(app.workspace.panes) == 2


async def test_wrap_and_line_numbers_toggle_every_pane(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 2)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("alt+z", "alt+n")
        await pilot.pause()
        panes = list(app.workspace.document_panes())
        assert all(not pane.wrap for pane in panes)
        assert all(pane.line_numbers for pane in panes)


async def test_q_quits(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_clicking_a_tab_gives_its_document_the_keyboard(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 3)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("alt+m")  # doc1 into a second pane, which has the focus
        await settle(app, pilot)
        left, right = app.workspace.panes
        assert pane_of_focus(app) is right
        strip = left.strip
        column = next(x for x in range(strip.size.width) if strip.tab_at(x) == left.tabs[1].id)
        await pilot.click(strip, offset=(column, 0))
        await settle(app, pilot)
        assert left.active_tab is left.tabs[1]
        assert app.focused is left.tabs[1].document_pane.view


async def test_a_keymap_clash_is_reported_once(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs, config='[keys]\n"pane.split" = "ctrl+o"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        clashes = [n for n in app._notifications if "given twice" in n.title]
        assert len(clashes) == 1
        assert "ctrl+o: pane.split takes it from app.open-document" in clashes[0].message
        assert app.is_running


async def test_ctrl_q_quits_from_a_dialog_and_saves(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert (tmp_path / "db" / "annotations.session.json").is_file()


async def test_the_tab_strip_keeps_the_active_title_in_view(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 8)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        pane = app.workspace.panes[0]
        strip = pane.strip
        first_title = pane.tabs[0].label.plain
        shown = str(strip.render())
        assert shown.startswith(" " + first_title)
        assert shown.endswith(" ›") and len(shown) == strip.size.width  # more to the right
        await pilot.press("ctrl+pageup")  # from the first tab round to the last
        await settle(app, pilot)
        last = pane.tabs[-1]
        assert pane.active_tab is last
        shown = str(strip.render())
        assert shown.startswith(" ‹ ")  # earlier titles scrolled away, and it says so
        assert shown.rstrip().endswith(last.label.plain)
        assert first_title not in shown
        # Every title drawn maps back to its tab, and nothing else does.
        column = shown.index(last.label.plain)
        assert strip.tab_at(column) == last.id
        assert strip.tab_at(1) is None  # the ‹ mark


async def test_the_footer_is_clickable_and_dims_what_is_unavailable(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(ReaderFooter)
        shown = str(footer.render())
        assert shown.index("Help") < shown.index("Quit") < shown.index("Open")  # FOOTER_FIRST
        assert shown.rstrip().endswith("^p Commands")  # the palette's key at the right end

        def column(action: str) -> int:
            return next(
                x for x in range(SIZE[0]) if (i := footer.item_at(x)) and i.action == action
            )

        # Hovering names the key's purpose; a click on a dimmed key (no search yet) does nothing.
        dimmed = next(item for item in footer.items if not item.enabled)
        assert dimmed.action == "match_next"
        await pilot.hover(footer, offset=(column("match_next"), 0))
        assert footer.tooltip == dimmed.tooltip
        pressed: list[str] = []
        rung: list[bool] = []
        simulate_key, app.simulate_key = app.simulate_key, pressed.append  # type: ignore[method-assign]
        app.bell = lambda: rung.append(True)  # type: ignore[method-assign]
        await pilot.click(footer, offset=(column("match_next"), 0))
        assert (pressed, rung) == ([], [True])
        app.simulate_key = simulate_key  # type: ignore[method-assign]
        # A click on an available key presses it.
        await pilot.click(footer, offset=(column("help"), 0))
        await settle(app, pilot)
        from reader.ui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)


async def test_the_readme_config_example_names_real_bindings(tmp_path: Path) -> None:
    import re
    import tomllib

    from reader.ui.keymap import unknown_binding_ids

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    [example] = re.findall(r"```toml\n(.*?)```", readme, flags=re.DOTALL)
    keys = tomllib.loads(re.sub(r"(?m)^  ", "", example))["keys"]
    app = make_app(tmp_path, write_docs(tmp_path / "docs", 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert keys and unknown_binding_ids(keys, app.binding_rows()) == []


async def test_a_crowded_status_line_keeps_the_save_state_and_position_at_80_columns(
    tmp_path: Path,
) -> None:
    from textual.geometry import Region

    app = make_app(tmp_path, write_docs(tmp_path / "docs", 1))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        status = app.workspace.panes[0].tabs[0].document_pane.status_line
        status.set("search", "12/200 matches (wrapped)")
        status.set("selection", "1234 chars selected")
        status.set("tags", "refugees, recovery funds, detainees, human rights")
        status.set("saved", "NOT SAVED: cannot open the annotation database: disk full", alert=True)
        await pilot.pause()
        [line] = [strip.text for strip in status.render_lines(Region(0, 0, 80, 1))]
        assert len(line) == 80  # one row: nothing wrapped out of sight
        assert "NOT SAVED" in line and "1:1" in line  # always kept
        assert "12/200" in line and "refugee" in line  # shortened, not dropped
        assert "chars selected" not in line  # the first to go


async def test_keys_that_do_not_depend_on_the_panes_are_checked_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The footer checks each of its keys whenever it draws: only the pane and tab actions look
    # at the workspace (a query of the screen each time).
    app = make_app(tmp_path, write_docs(tmp_path / "docs", 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.check_action("split", ()) is True  # (the workspace, found as ever)

        def no_workspace(self: ReaderApp) -> Workspace:
            raise AssertionError("the workspace was looked up")

        monkeypatch.setattr(ReaderApp, "workspace", property(no_workspace))
        assert app.check_action("help", ()) is True
        assert app.check_action("open_document", ()) is True
        app.recent = []
        assert app.check_action("open_recent", ()) is None


async def test_the_footer_checks_only_the_keys_it_can_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The footer redraws whenever the focus or the bindings change; most bindings are motions
    # it never shows, so their actions are not checked. What it gets is what the screen's
    # active bindings give for the keys it shows, in the same order, wherever the focus is.
    app = make_app(tmp_path, write_docs(tmp_path / "docs", 2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.main_screen

        def shown(bindings: dict[str, ActiveBinding]) -> list[tuple[str, Binding, bool]]:
            return [(key, active.binding, active.enabled) for key, active in bindings.items()
                    if active.binding.show or key == app.COMMAND_PALETTE_BINDING]

        def same_as_all_active_bindings() -> None:
            everything = shown(screen.active_bindings)
            assert shown(screen.footer_bindings()) == everything
            assert len(everything) > 5

        same_as_all_active_bindings()
        await pilot.press("v")  # selecting: other keys apply
        same_as_all_active_bindings()
        await pilot.press("escape", "ctrl+backslash")
        await until(pilot, lambda: len(app.workspace.panes) == 2)
        same_as_all_active_bindings()
        await pilot.press("slash")  # the search field has the keyboard
        await until(pilot, lambda: isinstance(app.focused, Input))
        same_as_all_active_bindings()

        checked: list[str] = []
        check = type(app)._check_action_state

        def counting(self: ReaderApp, action: str, namespace: object) -> bool | None:
            checked.append(action)
            return check(self, action, namespace)  # type: ignore[arg-type]

        monkeypatch.setattr(type(app), "_check_action_state", counting)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.focused, Input))
        checked.clear()
        screen.footer_bindings()
        for_the_footer = len(checked)
        checked.clear()
        screen.active_bindings  # noqa: B018
        assert for_the_footer < len(checked) / 2
