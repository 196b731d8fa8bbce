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
        session.send(CTRL_BACKSLASH)
        session.wait_for_text("BRIEFING FIRST LINE")
        session.settle()
        row = next(line for line in session.text.splitlines() if "REPORT FIRST" in line)
        assert row.index("REPORT FIRST") < row.index("BRIEFING FIRST")  # side by side
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
