"""Arabic in a real pseudo-terminal: visual order and right alignment, or logical order for a
terminal that reorders itself (`display.bidi = "terminal"`), never both.

pyte, like xterm or tmux, draws cells in the order it receives them, so its screen shows what
such a terminal's user sees.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from arabic_reshaper import ArabicReshaper

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from pty_harness import PtySession  # noqa: E402

SAMPLE = ROOT / "sample_docs" / "statement-arabic-refugees-return.txt"
DATE_LINE = "بيروت، 20 حزيران/يونيو 2024"
ENGLISH_LINE = "In short: return must be voluntary"

_shaper = ArabicReshaper(configuration={"delete_harakat": False})


def drawn(word: str) -> str:
    """An Arabic word as a terminal that does not reorder must be sent it: shaped, reversed."""
    return _shaper.reshape(word)[::-1]


# Hand-ordered: read right to left the line is "بيروت،" "20" "حزيران/يونيو" "2024"; drawn left
# to right that is 2024, the month names (the second one first), 20, the comma, the city.
DATE_LINE_DRAWN = f"2024 {drawn('يونيو')}/{drawn('حزيران')} 20 ،{drawn('بيروت')}"


def run_reader(tmp_path: Path, bidi: str | None) -> PtySession:
    config = tmp_path / "config.toml"
    config.write_text("" if bidi is None else f'[display]\nbidi = "{bidi}"\n', encoding="utf-8")
    env = {
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "READER_CONFIG": str(config),
        # Whatever terminal runs the tests, "auto" must see none that reorders.
        "VTE_VERSION": "",
        "KONSOLE_VERSION": "",
        "MLTERM": "",
        "TMUX": "",
        "STY": "",
    }
    db = str(tmp_path / "db.json")
    argv = [sys.executable, "-m", "reader.ui.launch", str(SAMPLE), "--db", db]
    return PtySession(argv, columns=100, lines=40, env=env, cwd=str(ROOT))


def right_edge(line: str) -> int:
    """The column after the last non-blank cell of a text row (the scrollbar stripped)."""
    return len(line.rstrip(" ▁▂▃▄▅▆▇█▉▊▋▌▍▎▏▐│┃╹╻"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")
def test_arabic_rows_are_in_visual_order_and_right_aligned(tmp_path: Path) -> None:
    with run_reader(tmp_path, None) as session:  # the default: auto, here the reader reorders
        session.wait_for_text(ENGLISH_LINE, timeout=30)
        session.settle()
        lines = session.screen.display
        date_rows = [line for line in lines if DATE_LINE_DRAWN in line]
        assert len(date_rows) == 1, session.text
        assert DATE_LINE not in session.text  # never in stored order
        title_row = next(line for line in lines if "(Joint Statement)" in line)
        english_row = next(line for line in lines if ENGLISH_LINE in line)
        # Right-aligned: the short date line ends where the long title ends, far right of the
        # English line's start; the English paragraph keeps to the left.
        assert right_edge(date_rows[0]) == right_edge(title_row)
        assert date_rows[0].index(DATE_LINE_DRAWN) > 50
        assert english_row.index(ENGLISH_LINE) < 5
        # The title's English words keep their own order, inside mirrored brackets.
        assert "(Joint Statement) " + drawn("لبنان") in title_row


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a Unix pseudo-terminal")
def test_terminal_mode_sends_logical_order_unshaped(tmp_path: Path) -> None:
    with run_reader(tmp_path, "terminal") as session:
        session.wait_for_text(ENGLISH_LINE, timeout=30)
        session.settle()
        assert DATE_LINE in session.text, session.text
        assert DATE_LINE_DRAWN not in session.text
        assert DATE_LINE.encode() in bytes(session.raw)  # as stored, for the terminal to order
