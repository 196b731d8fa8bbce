"""Analysis on 1,000 documents with 100,000 passages: stats, co-occurrence and a corpus search
from the command line (goal: each within 1 s), and the analysis screen's first paint (300 ms).

    python bench/bench_analysis.py [--folder /tmp/reader-analysis] [--repeat 3]

The corpus is built through the store's API (documents cut from War and Peace, passages tagged
with one or two tags of a codebook nested two deep) and kept in the folder for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotated_db import make_database  # noqa: E402

from reader.core.store import AnnotationStore  # noqa: E402

DOCUMENTS = 1_000
PER_DOCUMENT = 100


def build(folder: Path) -> Path:
    """The database (built once): 1,000 documents, 100,000 passages, nested tags."""
    db = folder / "db.json"
    if db.exists():
        return db
    began = time.perf_counter()
    make_database(folder, documents=DOCUMENTS, per_document=PER_DOCUMENT)
    store = AnnotationStore(db)
    tags = store.tags()
    # Nest the codebook: every third tag goes under the one before it, so parents roll up.
    with store.batch("nest the codebook"):
        for index in range(1, len(tags), 3):
            store.update_tag(tags[index].id, parent=tags[index - 1].id)
    passages = len(store.annotations())
    print(f"built {len(store.documents())} documents, {passages} passages in "
          f"{time.perf_counter() - began:.0f} s ({db.stat().st_size / 1e6:.0f} MB)")
    return db


def breakdown(db: Path) -> None:
    """Where a command's second goes: the store's own load, the read model, the counting."""
    from reader.analysis.counts import cooccurrence, tag_matrix
    from reader.analysis.kwic import load_text, search_corpus
    from reader.analysis.model import Corpus, CountedCorpus
    from reader.core.search import SearchQuery

    began = time.perf_counter()
    store = AnnotationStore(db)
    opened = time.perf_counter()
    corpus = Corpus.from_store(store)
    read = time.perf_counter()
    facts = CountedCorpus.from_store(AnnotationStore(db))
    facts_read = time.perf_counter()
    tag_matrix(facts)
    counted = time.perf_counter()
    cooccurrence(facts)
    paired = time.perf_counter()
    search_corpus(corpus.documents, SearchQuery("Moscow"), text_of=load_text)
    searched = time.perf_counter()
    for label, seconds in (
        ("store opened (its file read and checked)", opened - began),
        ("read model: documents, codebook, passages", read - opened),
        ("facts for counting (a new store, the cache)", facts_read - read),
        ("document x tag matrix", counted - facts_read),
        ("co-occurrence", paired - counted),
        ("corpus search (1,000 files read)", searched - paired),
    ):
        print(f"  {label:45} {seconds * 1000:7.0f} ms")


def cli_seconds(db: Path, arguments: list[str], repeat: int) -> tuple[float, int]:
    """Median wall time of `reader ARGS` in a fresh process, and its output's length in lines."""
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    times = []
    lines = 0
    for _ in range(repeat):
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "reader", "--db", str(db), *arguments],
                              capture_output=True, text=True, env=environment, check=True)
        times.append(time.perf_counter() - began)
        lines = done.stdout.count("\n")
    return statistics.median(times), lines


async def first_paint(db: Path) -> tuple[float, float, float]:
    """Seconds from opening the analysis screen to its first frame, to the matrix's first rows
    on the screen, and to every row in its table.

    Measured in-process with Textual's test driver on an app whose store is already open.
    """
    from reader.ui.app import ReaderApp
    from reader.ui.screens.analysis import AnalysisScreen

    # Reading one of the corpus's documents, as a user would be.
    document = db.parent / "documents" / "report-000.txt"
    app = ReaderApp([document], db_path=db, config_path=db.parent / "no-config.toml")
    async with app.run_test(size=(160, 50)) as pilot:
        while (app.annotation_service is None
               or app.annotation_service.snapshot.revision == 0):
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause(1.0)  # the document's first highlights and the store's first jobs
        began = time.perf_counter()
        app.main_screen.action_analysis()
        while not isinstance(app.screen, AnalysisScreen) or app.screen.painted_at is None:
            await pilot.pause(0)
        painted = app.screen.painted_at - began
        while app.screen.analysis is None:
            await pilot.pause(0.01)
        shown = time.perf_counter() - began
        while not app.screen.filled:
            await pilot.pause(0.01)
        filled = time.perf_counter() - began
    return painted, shown, filled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/reader-analysis"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-screen", action="store_true", help="skip the screen's first paint")
    args = parser.parse_args()
    db = build(args.folder)
    print("in one process:")
    breakdown(db)
    print("from the command line (median of --repeat runs, a fresh process each):")
    for label, arguments in (
        ("reader --version (start-up alone)", ["--version"]),
        ("reader stats --format csv", ["stats", "--format", "csv"]),
        ("reader stats --by annotator", ["stats", "--by", "annotator", "--format", "csv"]),
        ("reader stats --cooccurrence", ["stats", "--cooccurrence", "--format", "csv"]),
        ("reader search Moscow", ["search", "Moscow", "--format", "csv"]),
        ("reader search --regex", ["search", r"\bPrinc\w+ Andr\w+", "--regex", "--format",
                                   "csv"]),
    ):
        seconds, lines = cli_seconds(db, arguments, args.repeat)
        verdict = "ok" if seconds <= 1.0 else "OVER 1 s"
        print(f"{label:40} {seconds * 1000:7.0f} ms  {lines:6} lines  {verdict}")
    if not args.no_screen:
        painted, shown, filled = asyncio.run(first_paint(db))
        verdict = "ok" if painted <= 0.3 else "OVER 300 ms"
        print(f"{'analysis screen, first paint':40} {painted * 1000:7.0f} ms  {verdict}")
        print(f"{'analysis screen, matrix on screen':40} {shown * 1000:7.0f} ms")
        print(f"{'analysis screen, all 1,000 rows in':40} {filled * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
