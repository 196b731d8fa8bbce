"""Two deliberate screenshots of the analysis screen: the document x tag matrix, and the bars."""

from __future__ import annotations

from pathlib import Path

from support import settle, until
from test_review_snapshots import make_app
from textual.pilot import Pilot

from reader.ui.screens.analysis import AnalysisScreen


async def _analysis(pilot: Pilot) -> AnalysisScreen:  # type: ignore[type-arg]
    app = pilot.app
    await settle(app, pilot)
    await until(pilot, lambda: len(app.coding_controller.snapshot.codebook) > 8)  # type: ignore[attr-defined]
    await pilot.press("f5")
    await until(pilot, lambda: isinstance(app.screen, AnalysisScreen)
                and app.screen.analysis is not None and app.screen.analysis.pairs is not None
                and app.screen.filled)
    screen = app.screen
    assert isinstance(screen, AnalysisScreen)
    return screen


def test_analysis_matrix(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        screen = await _analysis(pilot)
        # On "refugees" (rolled up: its own passages and refugees/fees') in the field notes.
        assert screen.analysis is not None
        matrix = screen.analysis.matrix
        column = matrix.tag_paths.index("refugees") + 1
        row = next(i for i, row in enumerate(matrix.rows) if row.label.startswith("Field"))
        for _ in range(row):
            await pilot.press("down")
        for _ in range(column - 1):
            await pilot.press("right")
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.passages) == 3)
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=(120, 30), run_before=run_before)


def test_analysis_tag_frequencies(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:  # type: ignore[type-arg]
        screen = await _analysis(pilot)
        await pilot.press("f")
        await until(pilot, lambda: screen.view == "frequencies" and screen.filled)
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=(120, 30), run_before=run_before)
