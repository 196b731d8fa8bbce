"""The first key right after the first frame: `j` sent the moment the document shows, timed
until the status line shows the cursor on line 2, for a small and a 22 MB document.

    python bench/bench_first_key.py [--runs 5]

It separates the reader's own work after its first frame (starting the store and the coding
controller, mounting the codebook bar and the sidebar) from a large text's loading: the small
sample has no loading at all.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_startup import SAMPLE, first_line, huge_document  # noqa: E402
from pty_harness import PtySession  # noqa: E402

READER = [sys.executable, "-c", "import sys; from reader.cli import main; sys.exit(main())"]


def first_key_ms(doc: Path, marker: str, pycache: str) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = {"PYTHONPATH": str(ROOT), "HOME": home, "XDG_DATA_HOME": home,
               "XDG_CONFIG_HOME": home, "XDG_STATE_HOME": home, "XDG_CACHE_HOME": home,
               "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": pycache}
        argv = [*READER, str(doc), "--db", f"{home}/db.json"]
        with PtySession(argv, env=env, cwd=str(ROOT)) as session:
            session.wait_for_text(marker, timeout=60)
            moved = session.time_key("j", until=lambda: " 2:1 " in session.text)
            return moved * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as pycache:
        for doc in (SAMPLE, huge_document()):
            marker = first_line(doc)
            first_key_ms(doc, marker, pycache)  # warms the bytecode cache; not counted
            times = [first_key_ms(doc, marker, pycache) for _ in range(args.runs)]
            print(f"{doc.name} ({doc.stat().st_size / 1e6:.1f} MB): first key "
                  f"median {statistics.median(times):.0f} ms, each "
                  + " ".join(f"{time:.0f}" for time in times))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
