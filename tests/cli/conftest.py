"""The command line's test fixtures: `run`, which runs `reader --db DB ARGS...` in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.cli import main


@pytest.fixture
def run(db_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `reader --db DB ARGS...`; (exit status, stdout, stderr)."""

    def runner(*args: str) -> tuple[int, str, str]:
        try:
            status = main(["--db", str(db_path), *args])
        except SystemExit as exit_:
            status = int(exit_.code or 0)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return runner
