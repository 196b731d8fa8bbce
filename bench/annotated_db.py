"""Builds a database of 20,000 annotations over 200 documents, for the annotator benchmarks.

    python bench/annotated_db.py /tmp/annotated      # writes documents/ and db.json there
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from reader.core.store import AnnotationStore
from reader.formats.base import load_document

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "war-and-peace.txt"
DOCUMENT_CHARS = 16_000


def make_database(
    folder: Path, *, documents: int = 200, per_document: int = 100, seed: int = 2254
) -> tuple[Path, list[Path]]:
    """Documents cut from War and Peace, each with `per_document` tagged sentences-ish spans."""
    rng = random.Random(seed)
    corpus = CORPUS.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    doc_folder = folder / "documents"
    doc_folder.mkdir(exist_ok=True)
    db = folder / "db.json"
    for leftover in folder.glob("db.json*"):
        leftover.unlink()
    store = AnnotationStore(db)
    tag_ids = [tag.id for tag in store.tags()]
    paths = []
    with store.batch("benchmark data"):
        for number in range(documents):
            start = (number * DOCUMENT_CHARS * 7) % (len(corpus) - DOCUMENT_CHARS)
            path = doc_folder / f"report-{number:03}.txt"
            path.write_text(f"Report {number}\n\n" + corpus[start : start + DOCUMENT_CHARS],
                            encoding="utf-8")
            paths.append(path)
            loaded = load_document(path)
            document = store.register_document(
                path=loaded.path, text=loaded.text, title=loaded.title, size=loaded.size,
                encoding=loaded.encoding, sha256=loaded.sha256,
            ).document
            for _ in range(per_document):
                begin = rng.randrange(0, len(loaded.text) - 200)
                end = begin + rng.randrange(20, 180)
                while not loaded.text[begin].isalnum():
                    begin += 1
                store.add_annotation(
                    document.id, loaded.text, begin, end,
                    tags=rng.sample(tag_ids, rng.choice((1, 1, 2))),
                    memo="checked against the field notes" if rng.random() < 0.2 else "",
                )
    return db, paths


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/reader-annotated")
    began = time.perf_counter()
    db, paths = make_database(folder)
    print(f"{len(paths)} documents, {len(AnnotationStore(db).annotations())} annotations, "
          f"{db.stat().st_size / 1e6:.1f} MB database in {time.perf_counter() - began:.1f} s: {db}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
