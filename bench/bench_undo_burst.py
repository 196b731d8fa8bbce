"""A burst of `u` presses on a big database: how long until the keys are taken, and until saved.

    python bench/bench_undo_burst.py [--presses 1000]

With 20,000 annotations over 200 documents (bench/annotated_db.py) and one window's `--presses`
steps to take back, the app (headless, driven by Textual's Pilot) gets that many `u` presses at
once, as a terminal delivers a held-down or pasted key: every key event is posted before any is
handled. Prints the time until the app had handled every press, the time until every undo was
written (no more "saving…"), and how many times the database file was written.

Measured on the shared 2-core machine (1,000 presses, 11 MB database): before presses were
coalesced, 1,000 writes and 150 s until saved; after, 2 or 3 writes and about 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotated_db import make_database  # noqa: E402
from textual import events  # noqa: E402

import reader.core.store as store_module  # noqa: E402
from reader.core.store import AnnotationStore  # noqa: E402
from reader.formats.base import load_document  # noqa: E402
from reader.ui.app import ReaderApp  # noqa: E402

WINDOW = "tui:bench:1"


def window_origin() -> str:
    """The bench's window: its steps are seeded before the app opens, so it can undo them."""
    if hasattr(store_module, "window_origin"):
        store_module.window_origin = lambda: WINDOW  # type: ignore[attr-defined]
        return WINDOW
    return "tui"  # a reader from before windows had origins of their own


def seed_steps(db: Path, document: Path, origin: str, count: int) -> None:
    """`count` one-passage steps of `origin`, written once (seeding is not what is measured)."""
    store = AnnotationStore(db, origin=origin)
    loaded = load_document(document)
    registered = store.document_by_path(document)
    assert registered is not None
    tag = store.codebook().by_hotkey(1)
    assert tag is not None
    flush = store_module.DurableJSONStorage.flush
    store_module.DurableJSONStorage.flush = lambda self: None  # type: ignore[method-assign]
    try:
        for number in range(count):
            start = (number * 7) % (len(loaded.text) - 40)
            store.add_annotation(registered.id, loaded.text, start, start + 5, tags=[tag.id])
    finally:
        store_module.DurableJSONStorage.flush = flush  # type: ignore[method-assign]
    store._storage._dirty = True
    store._storage.flush()


async def burst(document: Path, db: Path, presses: int) -> tuple[float, float, int]:
    writes = 0
    write = store_module.atomic_write_bytes

    def counted(*args: object, **kwargs: object) -> None:
        nonlocal writes
        writes += 1
        write(*args, **kwargs)  # type: ignore[arg-type]

    app = ReaderApp([document], db_path=db, config_path=db.with_name("none.toml"))
    async with app.run_test(size=(120, 36)) as pilot:
        while app.workspace.active_document is None or (
            app.workspace.active_document.document_id is None
        ):
            await pilot.pause(0.05)
        service = app.annotation_service
        assert service is not None
        store_module.atomic_write_bytes = counted  # type: ignore[assignment]
        try:
            handled: list[float] = []
            undo = app.action_undo

            def counted_undo() -> None:
                undo()
                handled.append(time.perf_counter())

            app.action_undo = counted_undo  # type: ignore[method-assign]
            began = time.perf_counter()
            for _ in range(presses):
                app.post_message(events.Key("u", "u"))
            while len(handled) < presses:
                await asyncio.sleep(0.01)
            taken = handled[-1] - began
            while service.pending or not service._jobs.empty():
                await asyncio.sleep(0.01)
            saved = time.perf_counter() - began
        finally:
            store_module.atomic_write_bytes = write  # type: ignore[assignment]
        left = len(AnnotationStore(db).annotations())
    print(f"annotations left: {left:,}")
    return taken, saved, writes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db, documents = make_database(Path(scratch))
        seed_steps(db, documents[0], window_origin(), args.presses)
        print(f"database: {db.stat().st_size / 1e6:.1f} MB, "
              f"{len(AnnotationStore(db).annotations()):,} annotations")
        taken, saved, writes = asyncio.run(burst(documents[0], db, args.presses))
    print(f"{args.presses} presses of u: taken by the app in {taken:.1f} s, "
          f"all saved after {saved:.1f} s, {writes} writes of the database")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
