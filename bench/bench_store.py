"""The store alone on 20,000 annotations over 200 documents: open, read, change, undo.

    python bench/bench_store.py [--repeat 10]

Prints the median and worst of each operation. A change includes the atomic write (temporary file,
fsync, rename, directory fsync) of the whole database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotated_db import make_database  # noqa: E402

from reader.core.store import AnnotationStore  # noqa: E402
from reader.formats.base import load_document  # noqa: E402


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), max(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db, documents = make_database(Path(scratch))
        print(f"database: {db.stat().st_size / 1e6:.1f} MB")
        store = AnnotationStore(db, origin="tui")
        loaded = load_document(documents[0])
        document = store.document_by_path(documents[0])
        assert document is not None
        tag = store.codebook().by_hotkey(1)
        assert tag is not None
        made: list[str] = []

        def add() -> None:
            made.append(
                store.add_annotation(document.id, loaded.text, 10, 40, tags=[tag.id]).id
            )

        figures = {
            "open": timed(lambda: AnnotationStore(db), args.repeat),
            "all annotations": timed(
                lambda: (store._cache.clear(), store.annotations()), args.repeat
            ),
            "one document's annotations": timed(
                lambda: (store._cache.clear(), store.annotations(document=document.id)),
                args.repeat,
            ),
            "add (to disk)": timed(add, args.repeat),
            "edit memo (to disk)": timed(
                lambda: store.update_annotation(made[-1], memo=f"memo {time.perf_counter()}"),
                args.repeat,
            ),
            "undo (to disk)": timed(store.undo, args.repeat),
        }
        for name, (median, worst) in figures.items():
            print(f"{name:28} median {median * 1000:7.1f} ms   worst {worst * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
