"""The `display.bidi` setting: read from the config file, changed from the palette, bad values
reported with the defaults kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import settle, until

from reader.core.bidi import display_mode, resolve_mode, set_display_mode
from reader.ui.app import ReaderApp
from reader.ui.commands import available_commands
from reader.ui.widgets.document_view import DocumentView

ARABIC = "بيان مشترك حول عودة اللاجئين\n\nنحن منظمات المجتمع المدني.\n"


@pytest.fixture(autouse=True)
def keep_display_mode() -> Iterator[None]:
    """The mode is the process's: put it back for the tests that run after these."""
    before = display_mode()
    yield
    set_display_mode(before)


def make_app(tmp_path: Path, config: str) -> ReaderApp:
    document = tmp_path / "بيان.txt"
    document.write_text(ARABIC, "utf-8")
    config_path = tmp_path / "config.toml"
    config_path.write_text(config, "utf-8")
    return ReaderApp([document], db_path=tmp_path / "db" / "annotations.json",
                     config_path=config_path)


async def test_the_config_file_chooses_the_mode_and_the_palette_changes_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, '[display]\nbidi = "terminal"\n')
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        view = app.query_one(DocumentView)
        assert view.bidi == "terminal"
        assert view.render_line(0).text[1:].startswith("بيان مشترك")  # stored order
        titles = [command.title for command in available_commands(app)]
        assert "Right-to-left: reorder in the reader" in titles
        await app.run_action("set_bidi('reader')")
        await settle(app, pilot)
        assert view.bidi == "reader"
        assert view.render_line(0).text.rstrip().endswith("\ufe91")  # initial beh, drawn right


async def test_a_bad_bidi_value_is_reported_and_the_defaults_kept(tmp_path: Path) -> None:
    set_display_mode("off")  # whatever an earlier run left, "auto" is what applies
    app = make_app(tmp_path, '[display]\nbidi = "sideways"\n')
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        messages = [notification.message for notification in app._notifications]
        (reported,) = [message for message in messages if "display.bidi" in message]
        assert '"auto", "reader", "terminal", "off"' in reported
        assert app.query_one(DocumentView).bidi == resolve_mode("auto")
        assert app.workspace.document_count == 1


async def test_y_copies_the_selection_in_stored_order(tmp_path: Path) -> None:
    app = make_app(tmp_path, '[display]\nbidi = "reader"\n')
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        # On a right-to-left row "left" reads on: the first word, selected as it is read.
        await pilot.press("v", "left", "left", "left", "left", "y")
        await until(pilot, lambda: app.clipboard != "")
        assert app.clipboard == "بيان"
        assert app.query_one(DocumentView).selection == (0, 4)
