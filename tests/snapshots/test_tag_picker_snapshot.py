"""One deliberate screenshot of the tag picker: filtered, one tag ticked, one applied, Create."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, Static

from reader.core.codebook import Codebook
from reader.core.models import Tag
from reader.paths import styles_dir
from reader.ui.screens.tag_picker import TagPicker

# Fixed ids, colours and times: the picture must not change between runs.
TAGS = [
    Tag("t1", "refugees", "#e69f00", hotkey=1, created="2026-01-01T00:00:00Z"),
    Tag("t2", "recovery funds", "#56b4e9", hotkey=2, created="2026-01-01T00:00:00Z"),
    Tag("t3", "detainees", "#009e73", hotkey=3, created="2026-01-01T00:00:00Z"),
    Tag("t4", "Lebanon", "#d55e00", parent="t1", created="2026-01-01T00:00:00Z"),
    Tag("t5", "human rights", "#cc79a7", created="2026-01-01T00:00:00Z"),
]


class PickerApp(App[None]):
    CSS_PATH = [styles_dir() / "app.tcss", styles_dir() / "dialogs.tcss"]

    def compose(self) -> ComposeResult:
        yield Static("The families of the detainees asked for news.")

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(
            TagPicker(Codebook(TAGS), applied=frozenset({"t3"}), counts={"t1": 12, "t3": 4})
        )


def test_tag_picker_filtered_with_a_tick(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.screen.query_one(Input).cursor_blink = False  # a blinking cursor is flaky
        await pilot.press("r", "e", "tab", "down")
        await pilot.pause()

    assert snap_compare(PickerApp(), terminal_size=(100, 30), run_before=run_before)
