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
    "Safety check document\n"
    "title: \x1b]0;pwned\x07 end\n"
    "clipboard: \x1b]52;c;cHduZWQ=\x07 end\n"
    "clear: \x1b[2J\x1b[H end\n"
    "bell: \x07 c1: \x9b31m end\n"
    "markup: [bold red]x[/] and [link=https://example.com]click[/link] end\n"
    "bidi: abc\u202edcba end\n"
    "last line\n"
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")
def test_hostile_document_cannot_drive_the_terminal(tmp_path: Path) -> None:
    document = tmp_path / "hostile.txt"
    document.write_text(HOSTILE, encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    app = [sys.executable, str(ROOT / "tests" / "e2e" / "pane_app.py"), str(document)]
    with PtySession(app, columns=100, lines=20, env=env, cwd=str(ROOT)) as session:
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
        assert "Safety check document" in screen  # the screen was not cleared
        assert session.screen.title != "pwned"

        raw = bytes(session.raw)
        assert b"\x1b]0;pwned" not in raw and b"pwned\x07" not in raw
        assert b"\x1b]52" not in raw
        assert b"\x1b]2;" not in raw or b"pwned" not in raw
        assert "\u009b".encode() not in raw  # no 8-bit CSI either

        # Moving the cursor over the lines repaints them: still nothing escapes.
        session.time_key("jjjjjj")
        session.settle()
        assert b"\x1b]0;pwned" not in bytes(session.raw)
        assert session.screen.title != "pwned"
