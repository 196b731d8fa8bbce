"""Start-up to first painted document: `reader` vs a minimal Textual app, in one run, via a pty.

    python bench/bench_startup.py [--runs 7] [--doc sample_docs/interview-transcript-aid-worker.txt]

The reader runs as the installed `reader` command does (`reader.cli.main`, the documents on the
command line). Python's bytecode cache is on for both programs (in a scratch folder, with one
warm-up run each first), as it is for an installed package: this environment sets
PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile reader from source and
measure the compiler. Each run starts a fresh process in a 120x40 pseudo-terminal (emulated by
pyte) and stops the clock when the document's first line is on screen (for the minimal app: its
one Static), and again when the footer's keys are (the complete first screen; they are drawn
just after the document). Runs alternate between the programs so all see the same machine load.
Prints every time, the medians and the ratios; the goal is a ratio of at most 1.3 for the
document.
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
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            return line.strip()[:width]
    raise SystemExit(f"{path} has no text to look for")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--doc", type=Path, default=ROOT / "sample_docs" / "interview-transcript-aid-worker.txt"
    )
    args = parser.parse_args()
    marker = first_line(args.doc)
    minimal: list[float] = []
    reader: list[float] = []
    frame: list[float] = []
    shell: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        empty_folder = Path(scratch) / "empty-folder"
        empty_folder.mkdir()
        base_env = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": f"{scratch}/pycache"}
        for run in range(-1, args.runs):  # run -1 warms the bytecode cache and is not counted
            db = Path(scratch) / f"run{run}" / "annotations.json"
            env = {
                **base_env,
                "READER_CONFIG": str(Path(scratch) / "no-config.toml"),
                "PYTHONPATH": str(ROOT),
            }
            [minimal_seconds] = time_to_text(
                [sys.executable, "-c", MINIMAL_APP], "minimal textual app is up", env=base_env
            )
            # The document first; then the footer's keys (its "^p Commands"), the whole screen.
            reader_seconds, frame_seconds = time_to_text(
                [*READER, str(args.doc), "--db", str(db)],
                marker,
                "Commands",
                env=env,
            )
            # The shell alone: an empty folder, so no document view is built. (A missing file
            # is refused by the command line before the reader starts: nothing would be drawn.)
            [shell_seconds] = time_to_text(
                [*READER, str(empty_folder), "--db", str(db)],
                "Commands",
                env=env,
            )
            if run < 0:
                continue
            shell.append(shell_seconds)
            minimal.append(minimal_seconds)
            frame.append(frame_seconds)
            reader.append(reader_seconds)
            print(
                f"run {run + 1}: minimal {minimal_seconds:.3f}s  reader document "
                f"{reader_seconds:.3f}s, whole screen {frame_seconds:.3f}s; shell alone "
                f"{shell_seconds:.3f}s"
            )
    minimal_median = statistics.median(minimal)
    reader_median = statistics.median(reader)
    print(f"minimal Textual app: median {minimal_median:.3f}s over {args.runs} runs")
    frame_median = statistics.median(frame)
    print(f"reader {args.doc.name} painted: median {reader_median:.3f}s over {args.runs} runs")
    print(f"reader whole screen (footer keys): median {frame_median:.3f}s over {args.runs} runs")
    shell_median = statistics.median(shell)
    print(f"reader shell with no document: median {shell_median:.3f}s over {args.runs} runs")
    print(f"ratio shell alone/minimal: {shell_median / minimal_median:.2f}")
    print(f"ratio document painted/minimal: {reader_median / minimal_median:.2f} (goal <= 1.30)")
    # The fastest run of each is the least disturbed by a busy machine: a steadier comparison.
    print(
        f"fastest runs: minimal {min(minimal):.3f}s, reader document {min(reader):.3f}s, "
        f"ratio {min(reader) / min(minimal):.2f}"
    )
    print(f"ratio whole screen/minimal: {frame_median / minimal_median:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
