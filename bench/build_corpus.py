"""Builds a corpus for the scale benchmarks: documents, and a CSV export coding them.

    python bench/build_corpus.py /tmp/corpus --documents 1000 --per-document 100

writes /tmp/corpus/documents/*.txt (cut from War and Peace) and /tmp/corpus/passages.csv in
reader's CSV format (one row per passage and tag; about a quarter of the passages carry two tags,
so 100,000 passages make about 125,000 rows). `reader import` of that file builds the database
the benchmarks measure; `--history N` then makes N single-passage steps through the store, one
undo step each, the way coding by hand fills the history.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import uuid
from pathlib import Path

from reader.core.anchors import make_anchor
from reader.core.codebook import DEFAULT_TAGS
from reader.formats.base import load_document
from reader.interop.csv_format import COLUMNS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "war-and-peace.txt"
DOCUMENT_CHARS = 16_000
TIME = "2026-01-01T00:00:00Z"


def build(folder: Path, *, documents: int, per_document: int, seed: int = 1212) -> Path:
    """Write the documents and the CSV; the CSV's path."""
    rng = random.Random(seed)
    source = CORPUS.read_text(encoding="utf-8")
    tags = [name for name, _ in DEFAULT_TAGS]
    doc_folder = folder / "documents"
    doc_folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "passages.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for number in range(documents):
            start = (number * 7919 * 13) % (len(source) - DOCUMENT_CHARS)
            path = doc_folder / f"report-{number:05}.txt"
            path.write_text(f"Report {number}\n\n" + source[start : start + DOCUMENT_CHARS],
                            encoding="utf-8")
            loaded = load_document(path)
            text = loaded.text
            for _ in range(per_document):
                begin = rng.randrange(0, len(text) - 200)
                while not text[begin].isalnum():
                    begin += 1
                anchor = make_anchor(text, begin, begin + rng.randrange(20, 160))
                chosen = rng.sample(tags, 2 if rng.random() < 0.25 else 1)
                memo = "checked against the field notes" if rng.random() < 0.2 else ""
                passage_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                for tag in chosen:
                    writer.writerow([
                        passage_id, loaded.title, tag, anchor.quote, "; ".join(chosen), memo,
                        anchor.start, anchor.end, "", anchor.prefix, anchor.suffix,
                        str(loaded.path), loaded.sha256, "bench", TIME, TIME,
                        "", "",  # page and section: a plain text has neither
                    ])
    return csv_path


def add_history(db: Path, steps: int, seed: int = 7) -> None:
    """`steps` single-passage changes through the store, one undo step each."""
    from reader.core.store import AnnotationStore

    rng = random.Random(seed)
    store = AnnotationStore(db)
    documents = store.documents()
    tag = store.codebook().resolve("refugees").id
    for _ in range(steps):
        document = rng.choice(documents)
        text = load_document(Path(document.path)).text
        begin = rng.randrange(0, len(text) - 100)
        store.add_annotation(document.id, text, begin, begin + 40, tags=[tag])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--per-document", type=int, default=100)
    parser.add_argument("--history", type=int, default=0, metavar="STEPS",
                        help="after importing into --db, make this many one-passage steps")
    parser.add_argument("--db", type=Path, help="the database --history works on")
    args = parser.parse_args()
    if args.history:
        if args.db is None:
            parser.error("--history needs --db (a database the CSV was imported into)")
        add_history(args.db, args.history)
        return 0
    csv_path = build(args.folder, documents=args.documents, per_document=args.per_document)
    print(f"wrote {args.documents} documents and {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
