"""Deliberate screenshots of right-to-left text: an Arabic document, a mixed Arabic/English one,
an Arabic tag in the picker (the reader reorders: `display.bidi = "reader"`)."""

from __future__ import annotations

from pathlib import Path

from support import settle
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, Static

from reader.core.bidi import set_display_mode
from reader.core.codebook import Codebook
from reader.core.models import Tag
from reader.paths import styles_dir
from reader.ui.app import ReaderApp
from reader.ui.screens.tag_picker import TagPicker

DOCS = Path(__file__).parent / "docs"


def make_app(tmp_path: Path, name: str) -> ReaderApp:
    config = tmp_path / "config.toml"
    config.write_text('[display]\nbidi = "reader"\n', encoding="utf-8")
    app = ReaderApp([DOCS / name], db_path=tmp_path / "db" / "annotations.json",
                    config_path=config)
    app.theme = "textual-dark"
    return app


def test_arabic_document(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("j", "j", "s")  # select the first sentence of the first paragraph
        await settle(pilot.app, pilot)

    app = make_app(tmp_path, "arabic-statement.txt")
    assert snap_compare(app, terminal_size=(90, 20), run_before=run_before)


def test_mixed_arabic_and_english_document(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("G")  # the cursor on the last (right-to-left) line's end
        await settle(pilot.app, pilot)

    app = make_app(tmp_path, "mixed-arabic-english.txt")
    assert snap_compare(app, terminal_size=(90, 16), run_before=run_before)


TAGS = [
    Tag("t1", "لاجئون", "#e69f00", hotkey=1, created="2026-01-01T00:00:00Z"),
    Tag("t2", "المعتقلون", "#56b4e9", hotkey=2, created="2026-01-01T00:00:00Z"),
    Tag("t3", "عائلات المفقودين", "#009e73", parent="t2", created="2026-01-01T00:00:00Z"),
    Tag("t4", "return (العودة)", "#cc79a7", created="2026-01-01T00:00:00Z"),
]


class ArabicPickerApp(App[None]):
    CSS_PATH = [styles_dir() / "app.tcss", styles_dir() / "dialogs.tcss"]

    def compose(self) -> ComposeResult:
        yield Static("The families of the detainees asked for news.")

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(
            TagPicker(Codebook(TAGS), applied=frozenset({"t2"}), counts={"t1": 7, "t2": 3})
        )


def test_arabic_tag_in_the_picker(snap_compare) -> None:  # type: ignore[no-untyped-def]
    set_display_mode("reader")

    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.screen.query_one(Input).cursor_blink = False  # a blinking cursor is flaky
        await pilot.press("tab", "down")
        await pilot.pause()

    assert snap_compare(ArabicPickerApp(), terminal_size=(90, 24), run_before=run_before)
