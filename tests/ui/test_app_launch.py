"""The real thing in a pseudo-terminal: open two documents, split, quit, and resume the next day."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from pty_harness import PtySession  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")

CTRL_BACKSLASH = b"\x1c"
CTRL_Q = b"\x11"


def write(path: Path, first_line: str) -> Path:
    lines = [first_line, ""] + [f"Paragraph {n} of {path.stem}." for n in range(200)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def launch(*args: str, home: Path) -> PtySession:
    env = {"HOME": str(home), "READER_CONFIG": str(home / "none.toml")}
    argv = [sys.executable, "-m", "reader.ui.launch", *args, "--db", str(home / "db.json")]
    return PtySession(argv, columns=120, lines=30, env=env, cwd=str(ROOT))


def test_open_split_quit_and_resume(tmp_path: Path) -> None:
    report = write(tmp_path / "report.txt", "REPORT FIRST LINE")
    briefing = write(tmp_path / "briefing.md", "BRIEFING FIRST LINE")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)

    with launch(str(report), str(briefing), home=home) as session:
        session.wait_for_text("REPORT FIRST LINE")
        session.wait_for_text("BRIEFING FIRST LINE")  # its tab: both documents are open
        session.settle()
        session.send(CTRL_BACKSLASH)

        def side_by_side() -> bool:
            return any(
                "Paragraph 0 of report." in line
                and "Paragraph 0 of briefing." in line
                and line.index("of report") < line.index("of briefing")
                for line in session.text.splitlines()
            )

        session.wait_until(side_by_side)
        session.settle()
        assert session.close(CTRL_Q) == 0

    saved = json.loads((home / "db.session.json").read_text("utf-8"))
    assert [[Path(d["path"]).name for d in pane["documents"]] for pane in saved["panes"]] == [
        ["report.txt"],
        ["briefing.md"],
    ]

    with launch(home=home) as session:  # `reader` alone, the next day
        session.wait_for_text("BRIEFING FIRST LINE")
        session.wait_for_text("REPORT FIRST LINE")
        assert session.close(CTRL_Q) == 0


def test_a_search_typed_in_one_go_lands_in_the_search_field(tmp_path: Path) -> None:
    # A fast typist (or a paste): "/", the word and enter reach the app in a single read,
    # before the search bar (mounted on first use) exists. None of it may go to the document.
    report = write(tmp_path / "report.txt", "REPORT FIRST LINE")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    with launch(str(report), home=home) as session:
        session.wait_for_text("REPORT FIRST LINE")
        session.send(b"/Paragraph 150 of\r")
        session.wait_for_text("1/1 matches")
        session.wait_for_text("Paragraph 150 of report.")
        assert "/ Paragraph" not in session.text  # the bar closed on enter
        assert session.close(CTRL_Q) == 0


def test_keys_typed_while_the_reader_starts_are_not_lost(tmp_path: Path) -> None:
    # Typed before the first frame (nothing has the keyboard yet): held, then handled in
    # order, so "/" opens the search bar and the words land in it rather than run as keys.
    report = write(tmp_path / "report.txt", "REPORT FIRST LINE")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    with launch(str(report), home=home) as session:
        session.send(b"/Paragraph 150 of")  # at once: the app is still importing
        session.wait_for_text("/ Paragraph 150 of")
        session.wait_for_text("1 matches")
        session.send(b"\r")
        session.wait_for_text("1/1 matches")
        assert session.close(CTRL_Q) == 0
