"""The scale figures of issue 12, measured through the command line, for one code tree.

    python bench/build_corpus.py /tmp/corpus --documents 1000 --per-document 100
    python bench/bench_scale.py /tmp/corpus --code . --work /tmp/after
    python bench/bench_scale.py /tmp/corpus --code /path/to/older/checkout --work /tmp/before

`--code` is the tree put first on PYTHONPATH (so the same script measures the code before and
after a change); `--work` is an empty folder for the databases. Prints one line per figure:
the import of the corpus's CSV, `add` and `list --doc` on one document (median of --repeat
runs) against the same command on a database of one document, `export`, the peak memory of a
one-document command, and registering 1,000 and 2,000 documents one by one (one step each).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable
CWD = Path("/")
"""Where the commands run: `python -m` puts its folder first on sys.path, ahead of --code."""


def run(code: Path, db: Path, *args: str) -> float:
    """Seconds one `reader --db DB ARGS` took, start to exit."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    began = time.perf_counter()
    subprocess.run([PYTHON, "-m", "reader", "--db", str(db), *args], env=env, check=True,
                   cwd=CWD, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def median(code: Path, db: Path, repeat: int, *args: str) -> float:
    return statistics.median(run(code, db, *args) for _ in range(repeat))


def peak_memory_mb(code: Path, db: Path, *args: str) -> float:
    """The peak resident memory of one command, in MB (ru_maxrss of a lone child)."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run(
        [PYTHON, "-c", probe, PYTHON, "-m", "reader", "--db", str(db), *args],
        env=env, check=True, capture_output=True, text=True, cwd=CWD,
    ).stdout
    return int(out.strip()) / 1024


def registering(code: Path, work: Path, corpus: Path, count: int) -> float:
    """Seconds to register `count` documents one by one (a step each), through the store."""
    db = work / f"register-{count}" / "db.json"
    script = (
        "import sys, time; from pathlib import Path; "
        "from reader.core.store import AnnotationStore; "
        "store = AnnotationStore(sys.argv[1]); files = sorted(Path(sys.argv[2]).glob('*.txt')); "
        "began = time.perf_counter()\n"
        "for n in range(int(sys.argv[3])):\n"
        "    f = files[n % len(files)]\n"
        "    store.register_document(path=f.with_name(f'{n}-' + f.name), text='x', "
        "title=f'd{n}', size=1, encoding='utf-8', sha256=f'sha-{n}')\n"
        "print(time.perf_counter() - began)"
    )
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([PYTHON, "-c", script, str(db), str(corpus / "documents"), str(count)],
                         env=env, check=True, capture_output=True, text=True, cwd=CWD).stdout
    return float(out.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder made by build_corpus.py")
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-register", action="store_true")
    parser.add_argument("--only-register", action="store_true",
                        help="measure registering 1,000 / 2,000 documents alone")
    args = parser.parse_args()
    code, work, corpus = args.code.resolve(), args.work.resolve(), args.corpus.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.only_register:
        print_registering(code, work, corpus)
        return 0
    documents = sorted((corpus / "documents").glob("*.txt"))
    one = documents[len(documents) // 2]
    quote = one.read_text(encoding="utf-8").split("\n")[2][:40].strip() or "Report"

    db = work / "big" / "db.json"
    imported = run(code, db, "import", str(corpus / "passages.csv"))
    print(f"import of the CSV            {imported:7.2f} s")
    empty = work / "small" / "db.json"
    run(code, empty, "add", str(one), "--tag", "refugees", "--quote", quote)

    big_add = median(code, db, args.repeat, "add", str(one), "--tag", "refugees", "--quote", quote)
    small_add = median(code, empty, args.repeat, "add", str(one), "--tag", "refugees",
                       "--quote", quote)
    print(f"add on one document          {big_add:7.2f} s  ({big_add / small_add:.1f}x a "
          f"one-document database's {small_add:.2f} s)")
    big_list = median(code, db, args.repeat, "list", "--doc", str(one))
    small_list = median(code, empty, args.repeat, "list", "--doc", str(one))
    print(f"list --doc                   {big_list:7.2f} s  ({big_list / small_list:.1f}x a "
          f"one-document database's {small_list:.2f} s)")
    export = median(code, db, max(1, args.repeat // 2), "export", "-o", str(work / "out.csv"))
    print(f"export                       {export:7.2f} s")
    memory = peak_memory_mb(code, db, "list", "--doc", str(one))
    small_memory = peak_memory_mb(code, empty, "list", "--doc", str(one))
    print(f"memory of list --doc         {memory:7.0f} MB (a one-document database: "
          f"{small_memory:.0f} MB)")
    size = sum(p.stat().st_size for p in db.parent.rglob("*") if p.is_file())
    print(f"database on disk             {size / 1e6:7.1f} MB")
    if not args.skip_register:
        print_registering(code, work, corpus)
    return 0


def print_registering(code: Path, work: Path, corpus: Path) -> None:
    first, second = (registering(code, work, corpus, n) for n in (1000, 2000))
    print(f"registering 1,000 / 2,000    {first:7.2f} s / {second:.2f} s "
          f"({second / first:.2f}x for twice as many)")


if __name__ == "__main__":
    sys.exit(main())
