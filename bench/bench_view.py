"""Benchmarks the document view in a real pty (120x40): first screen, key latency, search, memory.

    python bench/bench_view.py                 # the pane alone (bench/view_app.py)
    python bench/bench_view.py --app launch    # the whole reader (python -m reader.ui.launch)

Builds /tmp/wp22.txt (7 copies of War and Peace, about 22 MB) and /tmp/line1mb.txt (one line
of 1 MB), then for each: seconds until the first screen shows the document, milliseconds from a
key to the changed screen for pagedown, G, j and a search ("/" + word + enter, until the status
line shows the match count), and the process's peak RSS (VmHWM) against the file size.
A large text is shown from its first lines while the rest loads: `j` is timed while the status
line says "loading", and `G` pressed at the first screen until the end is shown.
Goals: first screen < 1 s, every key < 50 ms (while loading too), peak memory < 3x the file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from pty_harness import KEYS, PtySession  # noqa: E402

CORPUS = Path("/work/shared/corpus/war-and-peace.txt")
if not CORPUS.exists():
    CORPUS = ROOT.parent / "shared" / "corpus" / "war-and-peace.txt"


@dataclass
class Case:
    name: str
    path: Path
    marker: str  # text on the first screen once the document is shown
    search: str


def build_files() -> list[Case]:
    wp22 = Path("/tmp/wp22.txt")
    text = CORPUS.read_text(encoding="utf-8")
    if not wp22.exists() or wp22.stat().st_size < 7 * len(text):
        wp22.write_text(text * 7, encoding="utf-8")
    line = Path("/tmp/line1mb.txt")
    if not line.exists():
        sentence = "The delegation from Lebanon met the committee again. "
        line.write_text((sentence * (1_000_000 // len(sentence) + 1))[:1_000_000] + "\n")
    return [
        Case("war-and-peace x7", wp22, "BOOK ONE: 1805", "Natásha"),
        Case("one 1 MB line", line, "The delegation from Lebanon", "Lebanon"),
    ]


def command(app: str, path: Path, home: str) -> list[str]:
    if app == "launch":
        return [sys.executable, "-m", "reader.ui.launch", str(path), "--db", f"{home}/db.json"]
    return [sys.executable, str(HERE / "view_app.py"), str(path)]


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:6.1f} ms (max {max(values) * 1000:.1f})"


def run_case(case: Case, app: str, repeat: int, pycache: str) -> None:
    size = case.path.stat().st_size
    with tempfile.TemporaryDirectory() as home:
        env = {"PYTHONPATH": str(ROOT), "HOME": home, "XDG_DATA_HOME": home}
        env["XDG_CONFIG_HOME"] = env["XDG_STATE_HOME"] = home
        # Bytecode cached, as for an installed package (see bench_startup.py): else every run
        # compiles reader and Textual, which the time and the peak memory would measure.
        env.update(PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=pycache)
        with PtySession(command(app, case.path, home), env=env, cwd=str(ROOT)) as warm_up:
            warm_up.wait_for_text(case.marker, timeout=60)
            warm_up.settle(quiet=0.5)
        with PtySession(command(app, case.path, home), env=env, cwd=str(ROOT)) as session:
            first = session.wait_for_text(case.marker, timeout=60)
            # Keys at once, while the rest of a large text loads: each until the status line
            # shows the cursor's new line (it also shows the loading progress).
            while_loading = []
            line = 1
            while "loading" in _status(session) and len(while_loading) < 40:
                line += 1
                moved = f" {line}:1 "
                while_loading.append(
                    session.time_key("j", until=lambda moved=moved: moved in _status(session))
                )
                if "loading" not in _status(session):
                    while_loading.pop()  # (the loading ended meanwhile: not a key while loading)
            session.settle(quiet=0.5)
            pagedown = []
            for _ in range(repeat):
                pagedown.append(session.time_key(KEYS["pagedown"]))
                session.settle(quiet=0.05)
            down = []
            for _ in range(repeat):
                down.append(session.time_key("j"))
                session.settle(quiet=0.05)
            end = session.time_key("G")
            session.settle(quiet=0.1)
            start = session.time_key("g")
            session.settle(quiet=0.1)
            # Open the bar, then the word and enter typed at once; until the status line shows
            # "1/N matches" (the search itself runs in a worker thread).
            session.send("/")
            session.settle(quiet=0.1)
            search = session.time_key(
                case.search + "\r", until=lambda: "matches" in _status(session)
            )
            session.settle(quiet=0.2)
            status = _status(session).strip()
            # Each key typed in the search bar, then enter once the incremental search is done.
            session.send("/")
            session.settle(quiet=0.1)
            typing = []
            for character in case.search:
                typing.append(session.time_key(character))
                session.settle(quiet=0.02)
            session.settle(quiet=0.4)
            enter = session.time_key(KEYS["enter"])
            session.settle(quiet=0.1)
            after = []
            for _ in range(repeat):
                after.append(session.time_key("n"))
                session.settle(quiet=0.05)
            peak = session.peak_rss_kib() * 1024
        # G at once: it waits for the rest of the document (the status line counting), then
        # shows its end.
        with PtySession(command(app, case.path, home), env=env, cwd=str(ROOT)) as session:
            session.wait_for_text(case.marker, timeout=60)
            end_at_once = session.time_key(
                "G",
                until=lambda: "100%" in _status(session) and "loading" not in _status(session),
            )
    print(f"\n{case.name}: {case.path} ({size / 1e6:.1f} MB), app={app}")
    print(f"  first screen        {first:6.3f} s")
    if while_loading:
        print(f"  j while loading     {median_ms(while_loading)} over {len(while_loading)} keys")
        # In order: the first is the first key after the first frame, which meets the app's
        # own start-up work (mounting what follows the first frame) as well as the loading.
        print("    each, in ms:      " + " ".join(f"{key * 1000:.0f}" for key in while_loading))
    else:
        print("  j while loading     (loaded before the first key)")
    print(f"  G at first screen   {end_at_once * 1000:6.1f} ms (until the end is shown)")
    print(f"  pagedown            {median_ms(pagedown)}")
    print(f"  j (down)            {median_ms(down)}")
    print(f"  G (end)             {end * 1000:6.1f} ms")
    print(f"  g (start)           {start * 1000:6.1f} ms")
    print(f"  / {case.search} enter  {search * 1000:6.1f} ms   status: {status[-40:]!r}")
    print(f"  a key in the bar    {median_ms(typing)}")
    print(f"  enter (typed ahead) {enter * 1000:6.1f} ms")
    print(f"  n (next match)      {median_ms(after)}")
    print(f"  peak RSS            {peak / 1e6:6.1f} MB = {peak / size:.1f}x file size")


def _status(session: PtySession) -> str:
    """The document's status line (the one showing the encoding) on the emulated screen."""
    for line in reversed(session.screen.display):
        if "utf-8" in line:
            return line
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=("pane", "launch"), default="pane")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as pycache:
        for case in build_files():
            run_case(case, args.app, args.repeat, pycache)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
