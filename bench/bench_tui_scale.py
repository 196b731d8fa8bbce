"""The TUI figures of issue 12 through a pty, on the big database, for one code tree.

    python bench/build_corpus.py /tmp/corpus --documents 1000 --per-document 100
    python bench/bench_tui_scale.py /tmp/corpus --code . --work /tmp/tui-after
    python bench/bench_tui_scale.py /tmp/corpus --code /tmp/before --work /tmp/tui-before

`--code` is the tree put first on the program's PYTHONPATH, so the same script measures the code
before and after a change; the database is built in `--work` by that tree's own `reader import`
of the corpus's CSV (the single-file database of old code, the folder layout of new code).
`reader DOC --db DB` then runs in a 120x40 pty (pyte), with a config file that does not exist
and a temporary HOME, on one document of that database, and this prints, over the repetitions:

1. the first visible highlight: seconds from spawning the program until a passage the database
   already codes on the first screen is drawn highlighted (its cells' background differs from
   the plain text's), beside the first painted text (the same words drawn at all);
2. tag key to disk: `)` `s` select the next sentence, `1` tags it; milliseconds until the
   passage is in the file a change is committed to (the journal or the document's passage file
   of the folder layout; the single database file before it), i.e. until a piece of the
   selected words occurs there once more than before the key;
3. the next key after a tag key: `1`, then `j` after --gaps milliseconds; milliseconds from `j`
   until the status line shows the cursor one line further down. With a gap of 0 the motion
   usually runs before the write starts (a change waits for its preview to be painted); gaps of
   50-100 ms put it where a typing user's next key lands: during the write. The same `j` with
   no tag key before it is measured first, for comparison.
Goals (issue 12): tag key to disk <= 50 ms; the next key after a tag key <= 50 ms.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import PtySession  # noqa: E402

PYTHON = sys.executable
CWD = Path("/")
"""Where the programs run: `python -m` puts its folder first on sys.path, ahead of --code."""
STATUS_POSITION = re.compile(r"\s(\d+):(\d+)\s+\d+%")
"""The cursor's line:column and the position in percent, on the document's status line."""
PLAIN_WORDS = re.compile(r"[A-Za-z][A-Za-z ,]{10,}[A-Za-z]")
"""Words that look the same on screen, in a JSON file and in a CSV cell."""
KEY_TIMEOUT = 15.0
LOST_AFTER = 3.0
"""Seconds after which a motion key that changed nothing on screen counts as lost."""


def milliseconds(values: Sequence[float]) -> str:
    return (f"median {statistics.median(values) * 1000:6.1f} ms, "
            f"max {max(values) * 1000:6.1f} ms  (n={len(values)})")


def seconds(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):6.3f} s, max {max(values):6.3f} s  (n={len(values)})"


# ---------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class Setup:
    code: Path
    db: Path
    document: Path
    env: dict[str, str]

    def argv(self) -> list[str]:
        return [PYTHON, "-m", "reader", str(self.document), "--db", str(self.db)]

    def session(self) -> PtySession:
        return PtySession(self.argv(), env=self.env, cwd=str(CWD))


def program_env(code: Path, scratch: Path) -> dict[str, str]:
    home = scratch / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PYTHONPATH": str(code),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "READER_CONFIG": str(scratch / "no-such-config.toml"),
        "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
    }


def build_database(code: Path, corpus: Path, db: Path, env: dict[str, str]) -> float:
    """Seconds the code tree's own `reader import` of the corpus's CSV took."""
    began = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "reader", "--db", str(db), "import", str(corpus / "passages.csv")],
        env={**os.environ, **env}, cwd=CWD, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


def commit_files(db: Path, document: Path) -> list[Path]:
    """The files a tag key's change reaches first: the journal and the document's passage file
    of the folder layout (DB.d/journal, DB.d/passages/<id>.json), or the single database file of
    the layout before it."""
    folder = db.with_name(db.name + ".d")
    if not folder.is_dir():
        return [db]
    import json

    catalogue = json.loads(db.read_text(encoding="utf-8"))
    for record in catalogue.get("documents", {}).values():
        if Path(record["path"]) == document:
            return [folder / "journal", folder / "passages" / f"{record['id']}.json"]
    raise LookupError(f"{document} is not in {db}")


class DiskWatch:
    """How often some words occur in the commit files, re-read only when a file changes."""

    def __init__(self, files: list[Path], words: str) -> None:
        self.files = files
        self.needle = words.encode()
        self.signatures: list[tuple[int, int, int] | None] = [None] * len(files)
        self.counts = [0] * len(files)
        self.total = self.poll()

    @staticmethod
    def _signature(path: Path) -> tuple[int, int, int] | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def poll(self) -> int:
        for index, path in enumerate(self.files):
            signature = self._signature(path)
            if signature == self.signatures[index]:
                continue
            self.signatures[index] = signature
            try:
                self.counts[index] = path.read_bytes().count(self.needle)
            except FileNotFoundError:
                self.counts[index] = 0
        return sum(self.counts)


# ---------------------------------------------------------------------------- the screen


@dataclass(frozen=True)
class Probe:
    """Words of a passage the database codes, on the document's first screen."""

    words: str


def first_screen_probe(corpus: Path, document: Path, lines: int = 20) -> Probe:
    """Plain words from the earliest coded passage that starts within the first `lines` lines."""
    text = document.read_text(encoding="utf-8")
    candidates = []
    with (corpus / "passages.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if Path(row["path"]) != document:
                continue
            start = int(row["start"])
            if text[:start].count("\n") >= lines:
                continue
            for piece in row["content"].split("\n"):
                found = PLAIN_WORDS.search(piece)
                if found and len(found.group()) >= 16:
                    candidates.append((start, found.group()[:24]))
                    break
    if not candidates:
        raise LookupError(f"no coded passage with plain words on the first screen of {document}")
    return Probe(min(candidates)[1])


def row_text(session: PtySession, y: int) -> str:
    """Row `y` one character per cell, so a string index is a column."""
    row = session.screen.buffer[y]
    return "".join(row[x].data or " " for x in range(session.columns))


def find_words(session: PtySession, words: str) -> tuple[int, int] | None:
    for y in range(session.lines):
        x = row_text(session, y).find(words)
        if x >= 0:
            return y, x
    return None


def plain_background(session: PtySession) -> str:
    """The background most cells of the screen's upper part have: the plain text's."""
    counts: dict[str, int] = {}
    for y in range(session.lines * 3 // 4):
        row = session.screen.buffer[y]
        for x in range(session.columns):
            counts[row[x].bg] = counts.get(row[x].bg, 0) + 1
    return max(counts, key=counts.__getitem__)


def highlighted(session: PtySession, words: str) -> bool:
    place = find_words(session, words)
    if place is None:
        return False
    y, x = place
    plain = plain_background(session)
    row = session.screen.buffer[y]
    return all(row[x + i].bg != plain or row[x + i].reverse for i in range(len(words)))


def cursor_position(session: PtySession) -> tuple[int, int] | None:
    """The cursor's (line, column) as the status line shows them."""
    for y in reversed(range(session.lines)):
        found = STATUS_POSITION.search(row_text(session, y))
        if found:
            return int(found.group(1)), int(found.group(2))
    return None


def cursor_line(session: PtySession) -> int | None:
    position = cursor_position(session)
    return position[0] if position is not None else None


def longest_plain_words(runs: list[list[str]]) -> str | None:
    found = [words for run in runs for words in PLAIN_WORDS.findall("".join(run))]
    best = max(found, key=len, default="")
    return best[:24] if len(best) >= 12 else None


class SelectionReader:
    """Reads plain words a selection covers off the screen.

    The first time from the cells a key restyled without changing their text; from then on by
    the look those cells had (the selection's), wherever on the screen they are: a selection
    near the bottom scrolls the view, and a diff then sees every row change.
    """

    def __init__(self) -> None:
        self.look: tuple[object, object, object] | None = None

    @staticmethod
    def _look(cell: Any) -> tuple[object, object, object]:
        return cell.fg, cell.bg, cell.reverse

    def words(self, before: dict[int, tuple[Any, ...]], after: dict[int, tuple[Any, ...]]
              ) -> str | None:
        runs: list[list[str]] = []
        looks: dict[tuple[object, object, object], int] = {}
        for y, cells in after.items():
            run: list[str] = []
            for old, new in zip(before[y], cells, strict=True):
                if old.data == new.data and (old.bg, old.reverse) != (new.bg, new.reverse):
                    run.append(new.data or " ")
                    looks[self._look(new)] = looks.get(self._look(new), 0) + 1
                else:
                    runs.append(run)
                    run = []
            runs.append(run)
        words = longest_plain_words(runs)
        if words is not None:
            self.look = max(looks, key=looks.__getitem__)
            return words
        if self.look is None:
            return None
        runs = []
        for cells in after.values():
            run = []
            for cell in cells:
                if self._look(cell) == self.look:
                    run.append(cell.data or " ")
                else:
                    runs.append(run)
                    run = []
            runs.append(run)
        return longest_plain_words(runs)


# ---------------------------------------------------------------------------- the figures


def start_up(setup: Setup, probe: Probe) -> tuple[float, float]:
    """(seconds to the probe's words painted, seconds to them highlighted) from spawning."""
    with setup.session() as session:
        painted = session.wait_until(lambda: find_words(session, probe.words) is not None)
        lit = session.wait_until(lambda: highlighted(session, probe.words))
    return painted, lit


def select_next_sentence(session: PtySession, reader: SelectionReader) -> str:
    """`)` and `s` until a sentence with plain words of its own is selected; those words."""
    for _ in range(20):
        # Waits on what each key shows, not on quiet alone: old code writing its whole
        # database stays quiet for a second while it holds the interpreter.
        position = cursor_position(session)
        session.send(")")
        session.wait_until(lambda old=position: cursor_position(session) != old, KEY_TIMEOUT)
        session.settle(0.15)
        before = session.cells()
        session.send("s")
        session.wait_until(lambda old=before: session.cells() != old, KEY_TIMEOUT)
        session.settle(0.15)
        words = reader.words(before, session.cells())
        if words is not None:
            return words
        session.send("\x1b")  # nothing usable selected: drop it and try the next sentence
        session.settle(0.15)
    raise LookupError(f"no sentence with plain words found; screen:\n{session.text}")


def wait_on_disk(session: PtySession, watch: DiskWatch, expected: int, sent: float) -> float:
    """Seconds from `sent` until the commit files hold the words `expected` times; the program's
    output is taken off the pty meanwhile (not emulated, which would blunt the timing)."""
    while watch.poll() < expected:
        if time.perf_counter() - sent > KEY_TIMEOUT:
            raise TimeoutError(f"the passage was not on disk within {KEY_TIMEOUT}s")
        session.collect(0.0005)
    return time.perf_counter() - sent


def tag_to_disk(session: PtySession, reader: SelectionReader, files: list[Path], keys: int
                ) -> list[float]:
    figures = []
    for _ in range(keys):
        words = select_next_sentence(session, reader)
        watch = DiskWatch(files, words)
        sent = time.perf_counter()
        session.send("1")
        figures.append(wait_on_disk(session, watch, watch.total + 1, sent))
        session.settle(0.3)
    return figures


def next_key_after_tag(session: PtySession, reader: SelectionReader, files: list[Path],
                       keys: int, gap: float) -> tuple[list[float], int]:
    """Seconds from `j` to its effect on screen, for `keys` tag keys each followed by `j` after
    `gap` seconds; and how many times `j` showed no effect at all (in LOST_AFTER seconds)."""
    figures: list[float] = []
    lost = 0
    while len(figures) + lost < keys:
        words = select_next_sentence(session, reader)
        position = cursor_position(session)
        if position is None:
            raise LookupError(f"no line:column on the status line; screen:\n{session.text}")
        line, column = position
        if column == 1:
            # The selection ends at a line's start: the tag key puts the cursor back on the
            # line above, and `j` would bring it here again, showing nothing to wait for.
            session.send("\x1b")
            session.settle(0.15)
            continue
        watch = DiskWatch(files, words)
        tagged = time.perf_counter()
        session.send("1")
        while time.perf_counter() - tagged < gap:
            session.collect(0.0005)
        sent = time.perf_counter()
        session.send("j")
        while cursor_line(session) != line + 1 and time.perf_counter() - sent < LOST_AFTER:
            session.read(0.002)
        if cursor_line(session) == line + 1:
            figures.append(session.last_output_at - sent)
        else:
            lost += 1
        wait_on_disk(session, watch, watch.total + 1, tagged)  # the next key starts afresh
        session.settle(0.3)
    return figures, lost


def motion_alone(session: PtySession, keys: int) -> list[float]:
    """Seconds from `j` to the cursor shown a line further down, with no tag key before it:
    what the next key after a tag key is compared with."""
    figures = []
    for _ in range(keys):
        line = cursor_line(session)
        if line is None:
            raise LookupError(f"no line:column on the status line; screen:\n{session.text}")
        figures.append(session.time_key("j", until=lambda old=line: cursor_line(session) == old + 1,
                                        timeout=KEY_TIMEOUT))
        session.settle(0.2)
    return figures


def measure(setup: Setup, probe: Probe, runs: int, keys: int, gaps: list[float],
            report: Callable[[str], None]) -> None:
    start_up(setup, probe)  # a first run compiles the code tree's bytecode
    painted, lit = [], []
    for _ in range(runs):
        text_at, highlight_at = start_up(setup, probe)
        painted.append(text_at)
        lit.append(highlight_at)
    report(f"first painted text          {seconds(painted)}")
    report(f"first visible highlight     {seconds(lit)}")
    files = commit_files(setup.db, setup.document)
    reader = SelectionReader()
    with setup.session() as session:
        session.wait_until(lambda: highlighted(session, probe.words))
        session.settle(0.5)
        report(f"a motion key alone (j)      {milliseconds(motion_alone(session, keys))}")
        to_disk = tag_to_disk(session, reader, files, keys)
        report(f"tag key to disk             {milliseconds(to_disk)}"
               f"  (goal <= 50 ms; watching {', '.join(f.name for f in files)})")
        for gap in gaps:
            figures, lost = next_key_after_tag(session, reader, files, keys, gap)
            shown = milliseconds(figures) if figures else "never shown"
            lost_note = f"; `j` showed no effect {lost} times" if lost else ""
            report(f"next key {gap * 1000:3.0f} ms after tag  {shown}  (goal <= 50 ms{lost_note})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder made by build_corpus.py")
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5, help="start-ups measured")
    parser.add_argument("--keys", type=int, default=10, help="tag keys per figure")
    parser.add_argument("--gaps", default="0,50,100",
                        help="milliseconds between the tag key and the next key (comma-separated)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database --work already holds instead of importing again")
    args = parser.parse_args()
    code, work, corpus = args.code.resolve(), args.work.resolve(), args.corpus.resolve()
    gaps = [float(gap) / 1000 for gap in args.gaps.split(",") if gap.strip()]
    db = work / "db" / "db.json"
    env = program_env(code, work / "scratch")
    documents = sorted((corpus / "documents").glob("*.txt"))
    document = documents[len(documents) // 2]
    commit = subprocess.run(["git", "-C", str(code), "log", "-1", "--format=%h %s"],
                            capture_output=True, text=True).stdout.strip()
    print(f"code: {code} ({commit or 'not a git tree'})")
    if args.reuse and db.exists():
        print(f"database: {db} (kept from an earlier run)")
    else:
        shutil.rmtree(db.parent, ignore_errors=True)
        db.parent.mkdir(parents=True)
        imported = build_database(code, corpus, db, env)
        print(f"database: {db}, built by this tree's `reader import` in {imported:.1f} s")
    size = sum(p.stat().st_size for p in db.parent.rglob("*") if p.is_file())
    print(f"database on disk: {size / 1e6:.1f} MB; document: {document.name}; "
          f"{args.runs} start-ups, {args.keys} keys per figure")
    probe = first_screen_probe(corpus, document)
    setup = Setup(code, db, document, env)
    measure(setup, probe, args.runs, args.keys, gaps, lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
