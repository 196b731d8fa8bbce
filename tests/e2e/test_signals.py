"""SIGTERM and SIGHUP in a real terminal: the change just made is written, the terminal is
given back (alternate screen left, mouse reporting off), and the exit status says why."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from pty_harness import KEYS, PtySession  # noqa: E402

from reader.core.store import AnnotationStore  # noqa: E402

REPORT = (
    "Report on displacement\n"
    "\n"
    "The members reviewed the situation of refugees in Lebanon and Jordan. "
    "Returns remain rare.\n"
)
SENTENCE = "The members reviewed the situation of refugees in Lebanon and Jordan."
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
MOUSE_OFF = (b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l")

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")


def start(tmp_path: Path) -> tuple[PtySession, Path]:
    document = tmp_path / "report.txt"
    document.write_text(REPORT, encoding="utf-8")
    db = tmp_path / "db" / "annotations.json"
    env = {
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    argv = [sys.executable, "-m", "reader", str(document), "--db", str(db)]
    session = PtySession(argv, columns=110, lines=30, env=env, cwd=str(tmp_path)).start()
    return session, db


def tag_the_sentence(session: PtySession) -> None:
    """Find the sentence and tag it; returns once the tag is drawn (saved or not)."""
    session.wait_for_text("Report on displacement", timeout=30)
    session.wait_for_text("recovery funds")  # the codebook bar: the store is open
    session.send("/")
    session.settle()
    session.send("Lebanon")
    session.send(KEYS["enter"])
    session.wait_for_text("1/1 matches")
    session.send("s")
    session.wait_for_text(f"{len(SENTENCE)} chars selected")
    session.send("1")


@contextmanager
def database_held(db: Path) -> Iterator[FileLock]:
    """Hold the database's lock (as another reader process would), so the change waits."""
    lock = FileLock(str(db.with_name(db.name + ".lock")), thread_local=False)
    with lock:
        yield lock


def stored_quotes(db: Path) -> list[str]:
    store = AnnotationStore(db)
    return [annotation.quote for annotation in store.annotations()]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_saves_the_queued_change_and_gives_the_terminal_back(
    tmp_path: Path, signum: int
) -> None:
    session, db = start(tmp_path)
    try:
        session.wait_for_text("recovery funds", timeout=30)  # the codebook bar: the store is open
        with database_held(db):
            tag_the_sentence(session)
            session.wait_for_text("refugees  saving…")
            assert SENTENCE not in db.read_text("utf-8")  # queued, not written
            os.kill(session.pid, signum)
        status = session.close(quit_keys=b"", grace=30)
    finally:
        session.close(quit_keys=b"")
    assert status == 128 + signum
    assert stored_quotes(db) == [SENTENCE]
    # What the program wrote last: the terminal restored, after the signal.
    tail = bytes(session.raw[-400:])
    assert LEAVE_ALTERNATE_SCREEN in tail
    assert all(sequence in tail for sequence in MOUSE_OFF)


def test_closing_the_terminal_still_saves_the_change(tmp_path: Path) -> None:
    # The terminal window closed: the kernel hangs up the pty, and writes to it fail.
    session, db = start(tmp_path)
    pid = session.pid
    try:
        session.wait_for_text("recovery funds", timeout=30)
        with database_held(db):
            tag_the_sentence(session)
            session.wait_for_text("refugees  saving…")
            os.close(session.fd)
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            done, raw_status = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw_status)
                break
            select.select([], [], [], 0.05)
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        session.pid = 0
    assert status is not None, "the reader did not exit when its terminal closed"
    assert stored_quotes(db) == [SENTENCE]
