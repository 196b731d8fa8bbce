"""What the reader does before its first frame: only what that frame shows (issue #12).

Start-up is measured by bench/bench_startup.py; these tests keep the work it removed from
coming back: modules the first frame does not need, widgets styled twice, containers painted
under the widgets that cover them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import settle, until
from textual.widgets import Static

from reader.ui.app import ReaderApp
from reader.ui.widgets.document_pane import DocumentPane
from reader.ui.widgets.document_view import DocumentView
from reader.ui.widgets.status_line import StatusLine
from reader.ui.widgets.workspace import DocumentTab, PaneTabs, TabStrip, Workspace

SIZE = (120, 40)

NOT_FOR_THE_FIRST_FRAME = (
    "secrets",  # a temporary file's name, when something is written
    "getpass",  # the login name, for the annotator, once the store opens
    "reader.ui.widgets.extraction_status",  # the bar shown while a PDF or e-book is extracted
    "reader.core.segments",  # sentences and paragraphs, for the keys that move by them
    "reader.ui.widgets.search_bar",  # mounted the first time a pane searches
    "textual.widgets._label",  # (the search bar's labels: it was built with the pane)
)
"""Modules the reader used to import before its first frame, though nothing there uses them."""

FIRST_FRAME_DATACLASSES = {
    "reader.core.row_geometry.RowGeometry",  # caches its glyphs in itself
    "reader.formats.base.LoadedDocument",  # (these two leave their text out of repr)
    "reader.formats.base.DocumentHead",
    "reader.session.Session",  # (these four have fields made by a factory)
    "reader.session.PaneState",
    "reader.session.DocumentState",
    "reader.config.Settings",
}
"""The dataclasses made before the first frame, each ~0.5 ms of start-up (their methods are
generated and compiled): a record without a reason to be one is a NamedTuple."""

SMALL_PATTERNS = {
    "reader.core.bidi._ASCII_LETTER",
    "reader.core.display._NOT_NARROW_ASCII",
    "reader.core.extraction_cache._SHA256",
    "reader.core.extraction_cache._UNSAFE_NAME",
}
"""Patterns the first frame of a plain English text compiles: ASCII classes, cheap to build."""

FIRST_FRAME_FACTS = """
import dataclasses
import json
import re
import sys
from pathlib import Path

from reader.core.lazy_regex import LazyPattern
from reader.ui.app import ReaderApp

watched = sys.argv[3].split(",")


class FirstFrame(ReaderApp):
    def on_ready(self) -> None:  # (before the reader's own: Textual calls both, this first)
        records = sorted(
            f"{name}.{value.__qualname__}"
            for name, module in list(sys.modules.items()) if name.startswith("reader")
            for value in vars(module).values()
            if isinstance(value, type) and dataclasses.is_dataclass(value)
            and value.__module__ == name
        )
        compiled = sorted(  # patterns compiled on first use (see reader.core.lazy_regex)
            f"{name}.{attribute}"
            for name, module in list(sys.modules.items()) if name.startswith("reader")
            for attribute, value in vars(module).items()
            if (isinstance(value, LazyPattern) and "search" in vars(value))
            or isinstance(value, re.Pattern)
        )
        imported = [name for name in watched if name in sys.modules]
        print(json.dumps({"imported": imported, "dataclasses": records, "compiled": compiled}))
        self.exit()


FirstFrame([Path(sys.argv[1])], db_path=Path(sys.argv[2])).run(headless=True, size=(120, 40))
"""


def write_doc(folder: Path, name: str = "doc.txt", first_line: str = "The first line.") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{first_line}\n\nA second paragraph.\n", "utf-8")
    return path


def make_app(tmp_path: Path, paths: list[Path]) -> ReaderApp:
    return ReaderApp(
        paths, db_path=tmp_path / "db" / "annotations.json", config_path=tmp_path / "none.toml"
    )


def first_frame_facts(tmp_path: Path, first_line: str = "The first line.") -> dict[str, list[str]]:
    """What a reader started on a small text had imported and made when it first painted."""
    doc = write_doc(tmp_path / "docs", first_line=first_line)
    result = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_FACTS, str(doc),
         str(tmp_path / "db" / "annotations.json"), ",".join(NOT_FOR_THE_FIRST_FRAME)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "READER_CONFIG": str(tmp_path / "none.toml"),
             "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr
    facts: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return facts


def test_the_first_frame_imports_no_module_it_does_not_use(tmp_path: Path) -> None:
    imported = first_frame_facts(tmp_path)["imported"]
    assert imported == [], f"imported before the first frame: {imported}"


def test_the_first_frame_compiles_only_small_patterns(tmp_path: Path) -> None:
    # A character class reaching past U+00FF costs `re` ~0.5-1 ms to compile (it builds a
    # 64K-entry map): those wait for text that needs them (LazyPattern, and a fast path for
    # printable or ASCII text first), which a short English document is not.
    compiled = set(first_frame_facts(tmp_path)["compiled"])
    assert compiled - SMALL_PATTERNS == set()
    # Curly quotes, accents, and a title so long its tab shows it cut with an ellipsis.
    european = "A “report” on the café’s accounts — " * 3
    compiled = set(first_frame_facts(tmp_path, first_line=european)["compiled"])
    assert compiled - SMALL_PATTERNS == set()


def test_the_first_frame_makes_no_dataclass_without_a_reason(tmp_path: Path) -> None:
    made = set(first_frame_facts(tmp_path)["dataclasses"])
    assert made - FIRST_FRAME_DATACLASSES == set()


async def test_no_widget_of_the_first_frame_is_styled_again_for_its_place(
    tmp_path: Path,
) -> None:
    # A rule with an order pseudo-class (:first-of-type, :last-child, :odd, ...) makes Textual
    # style the widget and everything in it once more after it is mounted.
    app = make_app(tmp_path, [write_doc(tmp_path / "docs")])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        placed = [type(widget).__name__ for widget in app.screen.walk_children()
                  if widget._has_order_style or widget._has_odd_or_even]
        assert placed == []


async def test_containers_covered_by_what_they_hold_are_not_painted(tmp_path: Path) -> None:
    docs = [write_doc(tmp_path / "docs", "one.txt"), write_doc(tmp_path / "docs", "two.txt")]
    app = make_app(tmp_path, docs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        for covered in (Workspace, PaneTabs, DocumentTab, DocumentPane):
            assert not screen.query_one(covered).visible, covered.__name__
        for shown in (TabStrip, DocumentView, StatusLine):
            assert screen.query_one(shown).visible, shown.__name__
        painted = screen._compositor.visible_widgets
        assert screen.query_one(DocumentView) in painted
        assert not any(isinstance(widget, (Workspace, DocumentTab, DocumentPane))
                       for widget in painted)

        # The pane after the first draws the rule between them, so it is painted.
        await pilot.press("ctrl+backslash")
        await until(pilot, lambda: len(app.workspace.panes) == 2)
        first, second = app.workspace.panes
        assert not first.visible and not first.has_class("-follows")
        assert second.visible and second.has_class("-follows")
        assert second.styles.border_left[0] == "vkey"
        assert first.styles.border_left[0] == ""
        for pane in (first, second):  # what the panes hold is shown in both
            assert pane.query_one(DocumentView).visible and pane.query_one(TabStrip).visible

        # Closing the first pane leaves the other first: no rule, nothing to paint.
        app.workspace.focus_pane(0)
        await pilot.press("ctrl+w")
        await until(pilot, lambda: len(app.workspace.panes) == 1)
        [remaining] = app.workspace.panes
        assert not remaining.has_class("-follows") and not remaining.visible
        assert remaining.styles.border_left[0] == ""


async def test_the_empty_workspace_hint_is_mounted_when_the_workspace_is_left_empty(
    tmp_path: Path,
) -> None:
    # A reader that starts with a document does not mount the hint (its first frame would not
    # show it); closing the last document shows it all the same.
    app = make_app(tmp_path, [write_doc(tmp_path / "docs")])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.workspace.query_children("#empty-hint")
        await pilot.press("alt+w")
        await until(pilot, lambda: app.workspace.document_count == 0)
        hint = app.workspace.query_one("#empty-hint", Static)
        await until(pilot, lambda: hint.display and hint.region.height > 0)
        assert "No document open" in str(hint.render())


async def test_a_motion_key_right_after_the_first_frame_does_not_wait_for_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store and the coding controller start after their modules are imported in a thread:
    # held there, a motion key is still handled, and they start once the import is done.
    import threading

    from reader.ui import annotator_app

    release = threading.Event()

    class HeldThread(threading.Thread):
        def run(self) -> None:
            release.wait(10)
            super().run()

    monkeypatch.setattr(annotator_app.threading, "Thread", HeldThread)
    document = tmp_path / "statement.txt"
    document.write_text("The delegation met.\nRefugees in Lebanon.\n", "utf-8")
    app = ReaderApp([document], db_path=tmp_path / "db.json", config_path=tmp_path / "none.toml")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DocumentPane)
        await pilot.press("j")
        await until(pilot, lambda: pane.view.cursor_offset == len("The delegation met.\n"))
        assert app.annotation_service is None and app.annotations_starting
        release.set()
        await until(pilot, lambda: app.annotation_service is not None)
        assert not app.annotations_starting
