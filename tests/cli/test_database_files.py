"""The command line and the database's files: outputs that would land on them, links, FIFOs and
devices, damaged records, permissions, an empty --db and read-only media."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from reader import paths
from reader.cli import main
from reader.core import store as store_module
from reader.core.store import AnnotationStore

STATEMENT = (
    "Joint statement of the working group\n"
    "\n"
    "The group met on 3 May. Refugees in Lebanon face growing pressure to return.\n"
    "Families of detainees asked for news. Refugees in Lebanon were discussed again.\n"
)
WORKTREE = Path(__file__).resolve().parents[2]


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "statement.txt"
    path.write_text(STATEMENT, encoding="utf-8")
    return path


@pytest.fixture
def coded(run, doc: Path, db_path: Path) -> Path:
    """A database with two passages, the second its newest change."""
    assert run("add", str(doc), "--tag", "refugees", "--quote", "Refugees in Lebanon")[0] == 0
    assert run("add", str(doc), "--tag", "detainees", "--quote", "Families of detainees")[0] == 0
    return db_path


# ---------------------------------------------------------------- exports onto the database (1)


@pytest.mark.parametrize(
    ("destination", "role"),
    [
        (lambda db: db, "the annotation database"),
        (lambda db: db.parent / "sub" / ".." / db.name, "the annotation database"),
        (lambda db: db.with_name(db.name + ".bak"), "the database's backup copy"),
        (lambda db: db.with_name(db.name + ".lock"), "the database's lock file"),
        (lambda db: paths.session_path(db), "the reader's session file"),
    ],
    ids=["database", "dot-dot", "backup", "lock", "session"],
)
def test_export_refuses_the_databases_own_files(run, coded: Path, destination, role) -> None:
    (coded.parent / "sub").mkdir()
    target = destination(coded)
    before = coded.read_bytes()

    status, _, err = run("export", "-o", str(target))

    assert status == 1
    assert f"cannot write the export to {target}: it is {role}; choose another file" in err
    assert coded.read_bytes() == before
    status, out, err = run("list", "--format", "json")
    assert status == 0 and err == ""  # nothing to recover from
    assert "Families of detainees" in out  # the newest change is still there


def test_export_refuses_a_link_to_the_database(run, coded: Path, tmp_path: Path) -> None:
    link = tmp_path / "export.csv"
    link.symlink_to(coded)
    hard = tmp_path / "hard.csv"
    os.link(coded, hard)
    assert run("export", "-o", str(link))[0] == 1
    assert run("export", "-o", str(hard))[0] == 1
    assert AnnotationStore(coded).notices == []


# ---------------------------------------------------------------- merging tags (11)


def test_merged_tags_keep_one_child_of_each_name(run, doc: Path) -> None:
    run("add", str(doc), "--tag", "a/x", "--quote", "Refugees in Lebanon face")
    run("add", str(doc), "--tag", "b/x", "--quote", "Families of detainees")
    status, out, _ = run("tags", "merge", "a", "b")
    assert status == 0
    status, out, _ = run("list", "--tag", "b/x", "--format", "json")
    assert status == 0
    assert sorted(record["quote"] for record in json.loads(out)) == [
        "Families of detainees", "Refugees in Lebanon face"
    ]
    status, out, _ = run("tags")
    assert len([line for line in out.splitlines() if "\tb/x\t" in line]) == 1
    assert run("undo")[1].strip() == "Undid: merge tag a into b"


# ---------------------------------------------------------------- links, FIFOs and devices (12, 16)


def test_export_through_a_link_updates_its_target(run, coded: Path, tmp_path: Path) -> None:
    target = tmp_path / "exports" / "latest.csv"
    target.parent.mkdir()
    target.write_text("old export")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    status, _, _ = run("export", "-o", str(link))
    assert status == 0
    assert link.is_symlink() and "Families of detainees" in target.read_text()


def test_a_fifo_as_the_database_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "db.fifo"
    os.mkfifo(fifo)
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "reader", "--db", str(fifo), "list"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "PYTHONPATH": str(WORKTREE)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("reader blocked on a FIFO given as its database")
    assert finished.returncode == 1
    assert finished.stderr.strip() == (
        f"reader: error: the database {fifo} is a FIFO (named pipe), not a regular file: "
        "give the path of a database file"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_folder_as_the_database_is_refused(run_with, tmp_path: Path) -> None:
    status, _, err = run_with(tmp_path, "list")
    assert status == 1 and "is a folder, not a regular file" in err


def test_a_device_as_the_database_is_refused_and_left_in_place(run_with, tmp_path: Path) -> None:
    node = tmp_path / "devices" / "null"
    node.parent.mkdir()
    try:
        os.mknod(node, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    status, _, err = run_with(node, "tags", "add", "x")
    assert status == 1 and "is a device, not a regular file" in err
    assert stat.S_ISCHR(node.stat().st_mode)
    assert [p.name for p in node.parent.iterdir()] == ["null"]


@pytest.fixture
def run_with(capsys: pytest.CaptureFixture[str]):
    """Run `reader --db DB ARGS...` with a database of the test's choosing."""

    def runner(db: Path | str, *args: str) -> tuple[int, str, str]:
        try:
            status = main(["--db", str(db), *args])
        except SystemExit as exit_:
            status = int(exit_.code or 0)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return runner


# ---------------------------------------------------------------- a damaged record (13)


def test_a_record_of_the_wrong_type_is_recovered_from_not_a_traceback(run, coded: Path) -> None:
    passages = sorted((coded.parent / f"{coded.name}.d" / "passages").glob("*.json"))[0]
    data = json.loads(passages.read_text())
    newest = max(data["annotations"], key=int)
    data["annotations"][newest]["tags"] = 5
    passages.write_text(json.dumps(data))

    status, out, err = run("list", "--format", "csv")

    assert status == 0 and "Traceback" not in err
    assert "holds a damaged record" in err and "moved aside" in err and "restored" in err
    assert "Refugees in Lebanon" in out
    assert run("list")[0] == 0  # and the database is whole again


# ---------------------------------------------------------------- permissions (22)


def test_an_export_follows_the_umask(run, coded: Path, tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        assert run("export", "-o", str(tmp_path / "out.csv"))[0] == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o644


# ---------------------------------------------------------------- an empty --db (24)


@pytest.mark.parametrize("form", [["--db", ""], ["--db="]])
def test_an_empty_db_is_a_usage_error_not_the_environments_database(
    form: list[str], doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env_db = tmp_path / "env.json"
    monkeypatch.setenv("READER_DB", str(env_db))
    with pytest.raises(SystemExit) as exit_:
        main([*form, "add", str(doc), "--tag", "x", "--quote", "Refugees"])
    assert exit_.value.code == 2
    assert "reader: error: --db needs a PATH, not an empty one" in capsys.readouterr().err
    assert not env_db.exists()


# ---------------------------------------------------------------- read-only media (24)


def every_file(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (the catalogue, and the database's folder beside it)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def read_only_folder(coded: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The database's folder as if on read-only media, and a lock that must not be taken (root,
    as these tests run, may write anywhere; `can_write` is what the store asks)."""
    writable = store_module.can_write
    monkeypatch.setattr(store_module, "can_write",
                        lambda path: Path(path) != coded.parent and writable(path))

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a read-only database was locked")

    monkeypatch.setattr(store_module.FileLock, "acquire", refuse)
    return coded


@pytest.mark.parametrize(
    "command",
    [["list"], ["list", "--format", "json"], ["docs"], ["tags"], ["locate"], ["export"]],
    ids=lambda command: " ".join(command),
)
def test_reading_commands_work_on_read_only_media(run, read_only_folder: Path,
                                                  command: list[str]) -> None:
    before = every_file(read_only_folder.parent)
    status, out, err = run(*command)
    assert status == 0 and err == ""
    assert out
    assert every_file(read_only_folder.parent) == before


def test_an_export_from_read_only_media_goes_elsewhere(run, read_only_folder: Path,
                                                       tmp_path: Path) -> None:
    status, out, _ = run("export", "-o", str(tmp_path / "out.csv"))
    assert status == 0 and "Wrote 2 row(s)" in out


@pytest.mark.parametrize(
    "command",
    [["tags", "add", "new"], ["undo"], ["docs", "remove", "statement"]],
    ids=lambda command: " ".join(command),
)
def test_changes_on_read_only_media_fail_with_a_clear_message(
    run, read_only_folder: Path, command: list[str]
) -> None:
    before = every_file(read_only_folder.parent)
    status, _, err = run(*command)
    assert status == 1
    assert err.strip() == (
        f"reader: error: cannot save changes: the database {read_only_folder} is read-only "
        f"(its folder {read_only_folder.parent} is read-only)"
    )
    assert every_file(read_only_folder.parent) == before
