"""A document full of escape sequences and markup, shown in a real pseudo-terminal.

What reaches the terminal is checked twice: on pyte's emulated screen (the text is shown
literally, controls as visible symbols, the title unchanged) and in the raw bytes read from the
pty (no OSC title or clipboard sequence at all).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from pty_harness import PtySession  # noqa: E402

HOSTILE = (
    "Safety check \x1b]0;pwned-title\x07document\n"
    "title: \x1b]0;pwned\x07 end\n"
    "clipboard: \x1b]52;c;cHduZWQ=\x07 end\n"
    "clear: \x1b[2J\x1b[H end\n"
    "bell: \x07 c1: \x9b31m end\n"
    "markup: [bold red]x[/] and [link=https://example.com]click[/link] end\n"
    "bidi: abc\u202edcba end\n"
    "last line\n"
)


def command(app: str, document: Path, home: Path) -> list[str]:
    if app == "launch":  # the whole reader: tabs, status line, footer
        db = str(home / "db.json")
        return [sys.executable, "-m", "reader.ui.launch", str(document), "--db", db]
    return [sys.executable, str(ROOT / "tests" / "e2e" / "pane_app.py"), str(document)]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")
@pytest.mark.parametrize("app", ["pane", "launch"])
def test_hostile_document_cannot_drive_the_terminal(tmp_path: Path, app: str) -> None:
    document = tmp_path / "hostile\x1b[2J.txt"
    document.write_text(HOSTILE, encoding="utf-8")
    env = {
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    argv = command(app, document, tmp_path)
    with PtySession(argv, columns=100, lines=24, env=env, cwd=str(ROOT)) as session:
        session.wait_for_text("last line", timeout=30)
        session.settle()
        screen = session.text

        assert "[bold red]x[/]" in screen
        assert "[link=https://example.com]click[/link]" in screen
        assert "title: ␛]0;pwned␇ end" in screen
        assert "clipboard: ␛]52;c;cHduZWQ=␇ end" in screen
        assert "clear: ␛[2J␛[H end" in screen
        assert "bell: ␇ c1: \ufffd31m end" in screen
        assert "bidi: abc¦dcba end" in screen
        assert "Safety check ␛]0;pwned-title␇document" in screen  # the text line itself
        assert "\x1b" not in screen
        assert "pwned" not in session.screen.title

        raw = bytes(session.raw)
        assert b"\x1b]0;pwned" not in raw and b"pwned\x07" not in raw
        assert b"pwned-title\x07" not in raw
        assert b"\x1b]52" not in raw
        assert b"\x1b]2;" not in raw or b"pwned" not in raw
        assert "\u009b".encode() not in raw  # no 8-bit CSI either

        # Moving the cursor over the lines repaints them: still nothing escapes.
        session.time_key("jjjjjj")
        session.settle()
        assert b"\x1b]0;pwned" not in bytes(session.raw)
        assert "pwned" not in session.screen.title
