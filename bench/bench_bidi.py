"""Benchmarks an Arabic document of 5 MB in a real pty (120x40), reordered by the reader.

    python bench/bench_bidi.py [--repeat 5]

Builds /tmp/arabic5mb.txt from the Arabic sample statements repeated to 5 MB, opens it in the
pane alone (bench/view_app.py, display mode "reader": every row is reordered, shaped and
right-aligned), and prints milliseconds from a key to the changed screen for the motions an
Arabic reader uses (pagedown, j, h/l which follow the row's visual direction, w) and for
selecting (v then j, s for a sentence, v then pagedown), plus an Arabic search with folding.
Goal: every key within 50 ms, as for English.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from arabic_reshaper import ArabicReshaper

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from pty_harness import KEYS, PtySession  # noqa: E402

SAMPLES = [
    ROOT / "sample_docs" / "statement-arabic-detainees.txt",
    ROOT / "sample_docs" / "statement-arabic-refugees-return.txt",
]
TARGET_BYTES = 5_000_000


# bench/view_app.py with the display mode set first (it reads no config file).
LAUNCH = (
    "import sys; from pathlib import Path; from reader.core.bidi import set_display_mode; "
    "set_display_mode(sys.argv[1]); sys.path.insert(0, 'bench'); "
    "from view_app import ViewApp; ViewApp(Path(sys.argv[2])).run()"
)


def build_file() -> Path:
    path = Path("/tmp/arabic5mb.txt")
    if not path.exists() or path.stat().st_size < TARGET_BYTES:
        block = "\n\n".join(sample.read_text(encoding="utf-8") for sample in SAMPLES) + "\n\n"
        copies = TARGET_BYTES // len(block.encode("utf-8")) + 1
        path.write_text(block * copies, encoding="utf-8")
    return path


def drawn(word: str) -> str:
    """How an Arabic word appears on a terminal screen once the reader reordered it."""
    return ArabicReshaper(configuration={"delete_harakat": False}).reshape(word)[::-1]


def median_ms(values: list[float]) -> str:
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else 0
    return (f"{statistics.median(values) * 1000:6.1f} ms (p90 {p90 * 1000:.1f}, "
            f"max {max(values) * 1000:.1f})")


def timed(session: PtySession, key: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        times.append(session.time_key(KEYS.get(key, key)))
        session.settle(quiet=0.05)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mode", choices=("reader", "off"), default="reader",
                        help="off: the same document in stored order, for comparison")
    args = parser.parse_args()
    os.chdir(ROOT)
    path = build_file()
    size = path.stat().st_size
    repeat = args.repeat
    with tempfile.TemporaryDirectory() as home:
        env = {"PYTHONPATH": str(ROOT), "HOME": home, "XDG_DATA_HOME": home,
               "XDG_CONFIG_HOME": home, "XDG_STATE_HOME": home}
        argv = [sys.executable, "-c", LAUNCH, args.mode, str(path)]
        with PtySession(argv, env=env, cwd=str(ROOT)) as session:
            marker = "المعتقلين" if args.mode == "off" else drawn("المعتقلين")
            first = session.wait_for_text(marker, timeout=60)
            session.settle(quiet=0.5)
            results = {
                "pagedown": timed(session, "pagedown", repeat),
                "j (down)": timed(session, "j", repeat),
                "l (visual right)": timed(session, "l", repeat),
                "h (visual left)": timed(session, "h", repeat),
                "w (next word)": timed(session, "w", repeat),
            }
            session.send("v")
            session.settle(quiet=0.1)
            results["v + j (extend)"] = timed(session, "j", repeat)
            results["v + pagedown"] = timed(session, "pagedown", repeat)
            session.send(KEYS["escape"])
            session.settle(quiet=0.4)  # a lone escape is told from alt+key by a pause
            results["s (sentence)"] = []
            for _ in range(repeat):
                results["s (sentence)"].append(session.time_key("s"))
                session.settle(quiet=0.05)
                session.send(KEYS["escape"])
                session.settle(quiet=0.4)
                session.send("j")
                session.settle(quiet=0.05)
            end = session.time_key("G")
            session.settle(quiet=0.2)
            start = session.time_key("g")
            session.settle(quiet=0.2)
            session.send("/")
            session.settle(quiet=0.1)
            search = session.time_key("اللاجئين\r", until=lambda: "matches" in session.text)
            session.settle(quiet=0.2)
            peak = session.peak_rss_kib() * 1024
    print(f"\n{path} ({size / 1e6:.1f} MB), the pane alone, bidi = {args.mode}")
    print(f"  first screen        {first:6.3f} s")
    for name, values in results.items():
        print(f"  {name:<19} {median_ms(values)}")
    print(f"  G (end)             {end * 1000:6.1f} ms")
    print(f"  g (start)           {start * 1000:6.1f} ms")
    print(f"  / اللاجئين enter    {search * 1000:6.1f} ms (all matches counted)")
    print(f"  peak RSS            {peak / 1e6:6.1f} MB = {peak / size:.1f}x file size")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
