"""Exports and listings shown on a real pseudo-terminal cannot drive it; pipes get exact bytes.

`reader export` and `reader list --format csv/json` print document text and memos. On a
terminal (checked with pyte's emulated screen and the raw bytes from the pty) escape sequences
must show as visible symbols; into a pipe the text must come out byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from pty_harness import PtySession  # noqa: E402

from reader.cli import main  # noqa: E402

DOCUMENT = (
    "Safety check\n"
    "title: \x1b]0;pwned\x07 end\n"
    "clear: \x1b[2J\x1b[H end\n"
    "c1: \x9d2;c1-pwned\x07 end\n"
    "last line\n"
)
QUOTE = DOCUMENT[DOCUMENT.index("title:") : DOCUMENT.index("last line") - 1]
MEMO = "clipboard: \x1b]52;c;cm0gLXJmIH4=\x07 memo end"

COMMANDS = [("export",), ("list", "--format", "csv"), ("list", "--format", "json")]


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    """A database with one passage of hostile text and a hostile memo."""
    document = tmp_path / "hostile.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    db = tmp_path / "db.json"
    status = main(["--db", str(db), "add", str(document), "--tag", "t", "--memo", MEMO,
                   "--quote", QUOTE])
    assert status == 0
    return db


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


def run_in_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, PtySession]:
    """Run a command that exits by itself in a pty; its status and the session, all read."""
    session = PtySession(argv, columns=200, lines=60, env=env, cwd=str(ROOT)).start()
    status: int | None = None

    def finished() -> bool:  # the command has exited and every byte it wrote has been read
        nonlocal status
        if status is None:
            done, raw_status = os.waitpid(session.pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw_status)
            return False
        return session.read(0.05) == 0

    try:
        session.wait_until(finished, timeout=30)
    finally:
        session.close(quit_keys=b"")
    assert status is not None
    return status, session


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_terminal_sees_escape_sequences_as_symbols(
    tmp_path: Path, hostile_db: Path, command: tuple[str, ...]
) -> None:
    argv = [sys.executable, "-m", "reader", "--db", str(hostile_db), *command]
    status, session = run_in_terminal(argv, environment(tmp_path))
    assert status == 0, session.text
    # Rows joined without breaks, so a marker wrapped across two rows is still found.
    screen = "".join(session.screen.display)

    assert "last line" in screen  # the context after the passage: nothing was cleared
    if command[-1] != "json":  # JSON escapes C0 controls itself: \u001b, shown as such
        assert "title: ␛]0;pwned␇ end" in screen
        assert "clear: ␛[2J␛[H end" in screen
        assert "clipboard: ␛]52;c;cm0gLXJmIH4=␇ memo end" in screen
    assert "c1: \ufffd2;c1-pwned" in screen  # an 8-bit OSC, which JSON does not escape
    assert "pwned" not in session.screen.title

    raw = bytes(session.raw)
    assert b"\x1b]" not in raw  # no OSC at all: no title, no clipboard
    assert b"\x1b[2J" not in raw
    assert "\u009d".encode() not in raw and b"\x07" not in raw


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_pipe_gets_the_exact_text(
    tmp_path: Path, hostile_db: Path, command: tuple[str, ...]
) -> None:
    argv = [sys.executable, "-m", "reader", "--db", str(hostile_db), *command]
    piped = subprocess.run(argv, capture_output=True, env={**os.environ, **environment(tmp_path)},
                           cwd=ROOT, check=True, timeout=60)
    assert QUOTE.encode() in piped.stdout or command[-1] == "json"
    if command == ("export",):  # byte for byte what a file gets
        exported = tmp_path / "out.csv"
        assert main(["--db", str(hostile_db), "export", "-o", str(exported)]) == 0
        assert piped.stdout == exported.read_bytes()
    if command[-1] == "json":
        import json

        (record,) = json.loads(piped.stdout)
        assert record["quote"] == QUOTE and record["memo"] == MEMO
    else:
        assert MEMO.encode() in piped.stdout
