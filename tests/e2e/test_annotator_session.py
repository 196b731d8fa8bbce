"""An analyst's session in a real terminal: search, tag a sentence, write a memo, quit; then the
next day the passage is there and `reader export` writes it."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from pty_harness import KEYS, PtySession  # noqa: E402

REPORT = (
    "Report on displacement\n"
    "\n"
    "The members reviewed the situation of refugees in Lebanon and Jordan. "
    "Returns remain rare. Many families fear arrest.\n"
    "\n"
    "Donors pledged money for recovery.\n"
)
SENTENCE = "The members reviewed the situation of refugees in Lebanon and Jordan."
MEMO = "Return is not safe yet."


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
def test_tag_a_sentence_write_a_memo_quit_and_export(tmp_path: Path) -> None:
    document = tmp_path / "report.txt"
    document.write_text(REPORT, encoding="utf-8")
    env = environment(tmp_path)
    argv = [sys.executable, "-m", "reader", str(document)]

    with PtySession(argv, columns=110, lines=30, env=env, cwd=str(tmp_path)) as session:
        session.wait_for_text("Report on displacement", timeout=30)
        session.settle()
        session.send("/")
        session.settle()
        session.send("Lebanon")
        session.send(KEYS["enter"])
        session.wait_for_text("1/1 matches")
        session.send("s")
        session.wait_for_text(f"{len(SENTENCE)} chars selected")
        session.send("1")
        session.wait_for_text("refugees  saved")
        session.send("m")
        session.wait_for_text(f"“{SENTENCE}”")  # the memo editor shows the passage
        session.settle()
        session.send(MEMO)
        session.settle()
        session.send(b"\x13")  # ctrl+s saves the memo
        session.wait_for_text("refugees + memo  saved")
        status = session.close(quit_keys=b"q", grace=10)
    assert status == 0

    # The next day: the passage is still drawn and named at the cursor.
    with PtySession(argv, columns=110, lines=30, env=env, cwd=str(tmp_path)) as session:
        session.wait_for_text("Report on displacement", timeout=30)
        session.send("]")
        session.wait_for_text("refugees + memo")
        assert "●The members reviewed" in session.text
        session.close(quit_keys=b"q", grace=10)

    exported = subprocess.run(
        [sys.executable, "-m", "reader", "export", "--format", "csv"],
        env={**os.environ, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(row["content"], row["tag"], row["memo"]) for row in rows] == [
        (SENTENCE, "refugees", MEMO)
    ]
