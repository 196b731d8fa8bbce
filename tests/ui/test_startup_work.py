"""What the reader does before its first frame: only what that frame shows (issue #12).

Start-up is measured by bench/bench_startup.py; these tests keep the work it removed from
coming back: modules the first frame does not need, widgets styled twice, containers painted
under the widgets that cover them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NOT_FOR_THE_FIRST_FRAME = (
    "secrets",  # a temporary file's name, when something is written
    "getpass",  # the login name, for the annotator, once the store opens
    "reader.ui.widgets.extraction_status",  # the bar shown while a PDF or e-book is extracted
)
"""Modules the reader used to import before its first frame, though nothing there uses them."""

FIRST_FRAME_MODULES = """
import sys
from pathlib import Path

from reader.ui.app import ReaderApp

watched = sys.argv[3].split(",")


class FirstFrame(ReaderApp):
    def on_ready(self) -> None:  # (before the reader's own: Textual calls both, this first)
        print(",".join(name for name in watched if name in sys.modules))
        self.exit()


FirstFrame([Path(sys.argv[1])], db_path=Path(sys.argv[2])).run(headless=True, size=(120, 40))
"""


def write_doc(folder: Path, name: str = "doc.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("The first line.\n\nA second paragraph.\n", "utf-8")
    return path


def test_the_first_frame_imports_no_module_it_does_not_use(tmp_path: Path) -> None:
    doc = write_doc(tmp_path / "docs")
    result = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_MODULES, str(doc),
         str(tmp_path / "db" / "annotations.json"), ",".join(NOT_FOR_THE_FIRST_FRAME)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "READER_CONFIG": str(tmp_path / "none.toml"),
             "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr
    imported = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert imported == "", f"imported before the first frame: {imported}"
