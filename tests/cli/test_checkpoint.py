"""A command leaves its steps flushed to disk and marked done, so the next one has none to redo."""

from __future__ import annotations

from pathlib import Path

from reader.core.journal import read_journal
from reader.core.store import journal_path_for


def test_a_command_ends_with_its_steps_done(run, db_path: Path) -> None:
    status, _, _ = run("tags", "add", "camps")
    assert status == 0

    entries = read_journal(journal_path_for(db_path).read_bytes()).entries
    assert "done" in entries[-1]
    assert not list(db_path.parent.rglob("*.flushed"))
