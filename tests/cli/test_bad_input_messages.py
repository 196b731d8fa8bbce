"""Bad input on the command line gets one clear line, never a traceback or a misleading word."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.cli import main
from reader.core.store import AnnotationStore

TEXT = "Refugees in Lebanon face growing pressure to return.\n"


@pytest.fixture
def run(db_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `reader --db DB ARGS...`; (exit status, stdout, stderr)."""

    def runner(*args: str) -> tuple[int, str, str]:
        try:
            status = main(["--db", str(db_path), *args])
        except SystemExit as exit_:
            status = int(exit_.code or 0)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return runner


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("reader: error: "), err
    return lines[0]


def link_loop(folder: Path, name: str = "loop.txt") -> Path:
    """Two links pointing at each other."""
    first, second = folder / name, folder / f"other-{name}"
    first.symlink_to(second.name)
    second.symlink_to(first.name)
    return first


def test_adding_a_symlink_loop_is_one_line(run, tmp_path: Path, db_path: Path) -> None:
    loop = link_loop(tmp_path)
    status, _, err = run("add", str(loop), "--tag", "x", "--quote", "Refugees")
    assert status == 1
    assert one_error_line(err) == f"reader: error: {loop}: is a loop of symbolic links, " \
        "not a document"
    status, _, err = run("docs", "relink", "anything", str(loop))
    assert status == 1 and "Traceback" not in err


def test_a_csv_row_whose_path_is_a_symlink_loop_is_kept_as_missing(
    run, tmp_path: Path, db_path: Path
) -> None:
    document = tmp_path / "statement.txt"
    document.write_text(TEXT, "utf-8")
    assert run("add", str(document), "--tag", "refugees", "--quote", "Refugees")[0] == 0
    exported = tmp_path / "out.csv"
    assert run("export", "-o", str(exported))[0] == 0
    # The same row, pointing at a loop, with a hash no document has.
    loop = link_loop(tmp_path, "gone.txt")
    header, row = exported.read_text("utf-8").split("\n", 1)
    sha = AnnotationStore(db_path).documents()[0].sha256
    exported.write_text(header + "\n" + row.replace(str(document), str(loop)).replace(sha, ""),
                        "utf-8")
    other_db = tmp_path / "other.json"
    status = main(["--db", str(other_db), "import", str(exported)])
    assert status == 0
    (kept,) = AnnotationStore(other_db).documents()
    assert kept.path == str(loop)
