"""A few deliberate screenshots of the shell: line numbers, two panes, help, a narrow terminal."""

from __future__ import annotations

from pathlib import Path

from support import settle
from textual.pilot import Pilot

from reader.ui.app import ReaderApp

DOCS = Path(__file__).parent / "docs"


def make_app(tmp_path: Path, *names: str) -> ReaderApp:
    app = ReaderApp(
        [DOCS / name for name in names],
        db_path=tmp_path / "db" / "annotations.json",
        config_path=tmp_path / "none.toml",
    )
    app.theme = "textual-dark"
    return app


def test_document_with_line_numbers(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("alt+n", "j", "j")
        await settle(pilot.app, pilot)

    app = make_app(tmp_path, "field-notes.txt")
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_two_panes_side_by_side(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("ctrl+backslash")
        await settle(pilot.app, pilot)

    app = make_app(tmp_path, "field-notes.txt", "interview-7.txt")
    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


def test_help_panel(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("f1")
        await settle(pilot.app, pilot)

    app = make_app(tmp_path, "field-notes.txt")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_narrow_terminal(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot.app, pilot)

    app = make_app(tmp_path, "field-notes.txt", "interview-7.txt")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
