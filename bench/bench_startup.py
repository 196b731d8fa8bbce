"""Start-up to first painted document: `reader` vs a minimal Textual app, in one run, via a pty.

    python bench/bench_startup.py [--runs 7] [--doc PATH ...]

By default the reader opens, in each run, the sample interview and a 22 MB text (seven copies
of ../shared/corpus/war-and-peace.txt, built as /tmp/wp22.txt), and the shell alone (an empty
folder). The reader runs as the installed `reader` command does (`reader.cli.main`, the
documents on the command line). Python's bytecode cache is on for all programs (in a scratch
folder, with one warm-up run each first), as it is for an installed package: this environment
sets PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile reader from source
and measure the compiler. Each run starts a fresh process in a 120x40 pseudo-terminal
(emulated by pyte) and stops the clock when the document's first line is on screen (for the
minimal app: its one Static), and again when the footer's keys are (the complete first
screen). Programs alternate within a run so all see the same machine load. Prints every time,
the medians and the ratios; the goal is a ratio of at most 1.3 for each document.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import PtySession  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_docs" / "interview-transcript-aid-worker.txt"
CORPUS = Path("/work/shared/corpus/war-and-peace.txt")
if not CORPUS.exists():
    CORPUS = ROOT.parent / "shared" / "corpus" / "war-and-peace.txt"
MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    BINDINGS = [("ctrl+q", "quit")]
    def compose(self):
        yield Static("minimal textual app is up")

Minimal().run()
"""

# What the installed `reader` command runs (pip's console script), without the launcher a
# version manager may put in front of it (pyenv's shim is a shell script).
READER = [sys.executable, "-c", "import sys; from reader.cli import main; sys.exit(main())"]


def time_to_text(argv: list[str], *markers: str, env: dict[str, str] | None = None) -> list[float]:
    """Seconds from spawning `argv` in a 120x40 pty until each marker is on the emulated screen."""
    with PtySession(argv, columns=120, lines=40, env=env) as session:
        return [session.wait_for_text(marker) for marker in markers]


def first_line(path: Path, width: int = 30) -> str:
    with path.open(encoding="utf-8") as text:  # (not the whole of a 22 MB file)
        for line in text:
            if line.strip():
                return line.strip()[:width]
    raise SystemExit(f"{path} has no text to look for")


def huge_document() -> Path:
    """/tmp/wp22.txt: seven copies of War and Peace (22 MB), built if missing."""
    huge = Path("/tmp/wp22.txt")
    text = CORPUS.read_text(encoding="utf-8")
    if not huge.exists() or huge.stat().st_size < 7 * len(text):
        huge.write_text(text * 7, encoding="utf-8")
    return huge


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--doc", type=Path, action="append",
        help="a document to open (repeatable; default: the sample interview and /tmp/wp22.txt)",
    )
    args = parser.parse_args()
    docs: list[Path] = args.doc or [SAMPLE, huge_document()]
    markers = [first_line(doc) for doc in docs]
    minimal: list[float] = []
    painted: dict[Path, list[float]] = {doc: [] for doc in docs}
    frame: dict[Path, list[float]] = {doc: [] for doc in docs}
    shell: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        empty_folder = Path(scratch) / "empty-folder"
        empty_folder.mkdir()
        base_env = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": f"{scratch}/pycache"}
        for run in range(-1, args.runs):  # run -1 warms the bytecode cache and is not counted
            env = {
                **base_env,
                "READER_CONFIG": str(Path(scratch) / "no-config.toml"),
                "PYTHONPATH": str(ROOT),
            }
            [minimal_seconds] = time_to_text(
                [sys.executable, "-c", MINIMAL_APP], "minimal textual app is up", env=base_env
            )
            line = f"run {run + 1}: minimal {minimal_seconds:.3f}s"
            for number, (doc, marker) in enumerate(zip(docs, markers, strict=True)):
                db = Path(scratch) / f"run{run}-{number}" / "annotations.json"
                # The document first; then the footer's keys (its "^p Commands"), the whole
                # screen.
                doc_seconds, frame_seconds = time_to_text(
                    [*READER, str(doc), "--db", str(db)], marker, "Commands", env=env
                )
                if run >= 0:
                    painted[doc].append(doc_seconds)
                    frame[doc].append(frame_seconds)
                line += f"  {doc.name} {doc_seconds:.3f}s (screen {frame_seconds:.3f}s)"
            # The shell alone: an empty folder, so no document view is built. (A missing file
            # is refused by the command line before the reader starts: nothing would be drawn.)
            db = Path(scratch) / f"run{run}-shell" / "annotations.json"
            [shell_seconds] = time_to_text(
                [*READER, str(empty_folder), "--db", str(db)], "Commands", env=env
            )
            if run < 0:
                continue
            minimal.append(minimal_seconds)
            shell.append(shell_seconds)
            print(f"{line}  shell alone {shell_seconds:.3f}s")
    minimal_median = statistics.median(minimal)
    print(f"minimal Textual app: median {minimal_median:.3f}s over {args.runs} runs")
    shell_median = statistics.median(shell)
    print(f"reader shell with no document: median {shell_median:.3f}s, "
          f"ratio {shell_median / minimal_median:.2f}")
    for doc in docs:
        size = doc.stat().st_size
        doc_median = statistics.median(painted[doc])
        frame_median = statistics.median(frame[doc])
        print(f"reader {doc.name} ({size / 1e6:.1f} MB) painted: median {doc_median:.3f}s, "
              f"ratio {doc_median / minimal_median:.2f} (goal <= 1.30); whole screen ratio "
              f"{frame_median / minimal_median:.2f}")
        # The fastest run of each is the least disturbed by a busy machine: a steadier
        # comparison.
        print(f"  fastest runs: minimal {min(minimal):.3f}s, {doc.name} {min(painted[doc]):.3f}s,"
              f" ratio {min(painted[doc]) / min(minimal):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
