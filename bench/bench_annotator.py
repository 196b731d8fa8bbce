"""The annotator on a big database, measured through a pseudo-terminal as a user would meet it.

    python bench/bench_annotator.py [--runs 5] [--keys 10]

With 20,000 annotations over 200 documents (bench/annotated_db.py):
- start-up to the first painted document, against the same document with an empty database
  (goal: within 1.5x);
- a tag key (`s` selects a sentence, then `1`): time until the highlight is on screen (goal:
  50 ms) and until the database file has been replaced on disk (goal: 250 ms).
Runs alternate so both sides see the same machine load; prints every figure and the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotated_db import make_database  # noqa: E402
from pty_harness import PtySession  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def commit_file(db: Path) -> Path:
    """The file a saved change lands in first: the journal of the folder layout, or the single
    file of a database from before it."""
    journal = db.with_name(db.name + ".d") / "journal"
    return journal if journal.exists() else db


def reader_argv(document: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "reader", str(document), "--db", str(db)]


def start_up(document: Path, db: Path, env: dict[str, str]) -> float:
    with PtySession(reader_argv(document, db), env=env) as session:
        return session.wait_for_text("Report 0")


def tag_keys(
    document: Path, db: Path, env: dict[str, str], count: int
) -> list[tuple[float, float]]:
    """(seconds to highlight, seconds to disk) for `count` sentences tagged with `1`."""
    figures = []
    with PtySession(reader_argv(document, db), env=env) as session:
        session.wait_for_text("Report 0")
        session.settle(0.5)
        for _ in range(count):
            session.send(")")
            session.settle(0.2)
            session.send("s")
            session.settle(0.2)
            before_screen = session.cells()
            before_file = signature(commit_file(db))
            session.screen.dirty.clear()
            sent = time.perf_counter()
            session.send("1")
            highlight = disk = None
            deadline = sent + 10
            while (highlight is None or disk is None) and time.perf_counter() < deadline:
                session.read(0.001)
                now = time.perf_counter() - sent
                if highlight is None and session.screen.dirty:
                    rows = session.cells(session.screen.dirty)
                    if any(rows[y] != before_screen[y] for y in rows):
                        highlight = now
                if disk is None and signature(commit_file(db)) != before_file:
                    disk = now
            if highlight is None or disk is None:
                raise TimeoutError("the tag key showed or saved nothing within 10 s")
            figures.append((highlight, disk))
            session.settle(0.3)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        db, documents = make_database(folder / "big")
        document = documents[0]
        env = {
            "PYTHONDONTWRITEBYTECODE": "",
            "PYTHONPYCACHEPREFIX": f"{scratch}/pycache",
            "READER_CONFIG": f"{scratch}/no-config.toml",
            "PYTHONPATH": str(ROOT),
        }
        size = sum(p.stat().st_size for p in db.parent.rglob("*") if p.is_file())
        print(f"database: {size / 1e6:.1f} MB, 20,000 annotations, 200 documents")
        full, empty = [], []
        for run in range(-1, args.runs):  # run -1 warms the bytecode cache
            empty_db = folder / f"empty{run}" / "db.json"
            empty_seconds = start_up(document, empty_db, env)
            full_seconds = start_up(document, db, env)
            if run >= 0:
                empty.append(empty_seconds)
                full.append(full_seconds)
                print(f"start-up run {run + 1}: empty database {empty_seconds:.3f}s, "
                      f"20,000 annotations {full_seconds:.3f}s")
        ratio = statistics.median(full) / statistics.median(empty)
        print(f"start-up medians: empty {statistics.median(empty):.3f}s, "
              f"full {statistics.median(full):.3f}s, ratio {ratio:.2f} (goal <= 1.5)")
        figures = tag_keys(document, db, env, args.keys)
        for number, (highlight, disk) in enumerate(figures, start=1):
            print(f"tag key {number}: highlight {highlight * 1000:.1f} ms, "
                  f"on disk {disk * 1000:.1f} ms")
        highlights = [h for h, _ in figures]
        disks = [d for _, d in figures]
        print(f"tag key: highlight median {statistics.median(highlights) * 1000:.1f} ms, "
              f"max {max(highlights) * 1000:.1f} ms (goal 50); on disk median "
              f"{statistics.median(disks) * 1000:.1f} ms, max {max(disks) * 1000:.1f} ms "
              "(goal 250)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "120")
    raise SystemExit(main())
