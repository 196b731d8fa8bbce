"""Times opening a 200-page PDF and a 200-page DOCX: extraction alone, first open, reopen from
the extraction cache, and the same text as .txt (the domain side of issue 10's goals; the time
to the first page on screen needs the UI's benchmark on top).

    python bench/bench_extraction.py [/tmp/bench-extraction]     # needs LibreOffice (soffice)
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reader.core.extraction_cache import ExtractionCache
from reader.formats.base import load_document
from reader.formats.cached import load_document_once

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "war-and-peace.txt"
# About a printed page of prose at LibreOffice's default layout.
CHARS_PER_PAGE = 4_400
PAGES = 200


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The fastest of `runs` timings, in seconds: the least disturbed by other processes."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def make_documents(folder: Path) -> tuple[Path, Path]:
    """A .txt of 200 pages of War and Peace, and LibreOffice's PDF and DOCX of it."""
    folder.mkdir(parents=True, exist_ok=True)
    text = CORPUS.read_text(encoding="utf-8")[100_000 : 100_000 + CHARS_PER_PAGE * PAGES]
    # Paragraphs as LibreOffice's text import makes them: one per line.
    paragraphs = [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]
    source = folder / "source.txt"
    source.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    for target in ("pdf", "docx"):
        subprocess.run(
            ["soffice", "--headless", "--convert-to", target, "--outdir", str(folder),
             str(source)],
            check=True, capture_output=True, timeout=600,
        )
    return folder / "source.pdf", folder / "source.docx"


def extractor_alone(path: Path) -> Callable[[], object]:
    """The library's own extraction, with none of reader's work around it."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return lambda: [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    import mammoth

    return lambda: mammoth.convert_to_html(io.BytesIO(data))


def report(path: Path, folder: Path) -> None:
    """Prints the timings of one document against its extractor and its text as .txt."""
    document = load_document(path)
    pages = sum(1 for mark in document.structure if mark.kind == "page")
    as_text = folder / f"{path.stem}-{path.suffix[1:]}.txt"
    as_text.write_text(document.text, encoding="utf-8")
    cache_folder = folder / "extracted"
    shutil.rmtree(cache_folder, ignore_errors=True)
    cache = ExtractionCache(cache_folder)
    alone = best_of(3, extractor_alone(path))
    first = best_of(3, lambda: load_document(path))
    load_document_once(path, cache)
    reopen = best_of(5, lambda: load_document_once(path, cache))
    txt = best_of(5, lambda: load_document(as_text))
    print(f"{path.name}: {len(document.text):,} characters, {pages} pages")
    print(f"  extractor alone  {alone * 1000:8.1f} ms")
    print(f"  first open       {first * 1000:8.1f} ms  ({first / alone:.2f}x the extractor;"
          " goal 1.10x)")
    print(f"  reopen (cached)  {reopen * 1000:8.1f} ms  ({reopen / txt:.2f}x the .txt;"
          " goal 1.20x)")
    print(f"  same text, .txt  {txt * 1000:8.1f} ms")


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    pdf, docx = make_documents(folder)
    for path in (pdf, docx):
        report(path, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
