"""In a real terminal, keys in the same read as `q` ("qC", "q?", "qT") do not crash the exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from pty_harness import PtySession  # noqa: E402


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "READER_DB": str(tmp_path / "db" / "annotations.json"),
    }


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")
@pytest.mark.parametrize("burst", [b"qC", b"q?", b"qT"])
def test_a_key_in_the_same_read_as_q_does_not_crash_the_exit(
    tmp_path: Path, burst: bytes
) -> None:
    document = tmp_path / "report.txt"
    document.write_text("Report on displacement\n\nRefugees fear arrest.\n", "utf-8")
    argv = [sys.executable, "-m", "reader", str(document)]
    env = environment(tmp_path)
    with PtySession(argv, columns=100, lines=24, env=env, cwd=str(tmp_path)) as session:
        session.wait_for_text("Report on displacement", timeout=30)
        session.settle()
        status = session.close(quit_keys=burst, grace=15)
        output = bytes(session.raw)
    assert b"NoMatches" not in output and b"Traceback" not in output
    assert status == 0
