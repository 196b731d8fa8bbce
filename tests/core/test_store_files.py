"""The files around the store: what it refuses to read or be written over, what it writes where,
with which permissions, and what it does when its folder is read-only or a record is damaged."""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from reader import paths
from reader.core import store as store_module
from reader.core.durable import (
    NotRegularFileError,
    atomic_write_bytes,
    fsync_file,
    read_regular_file,
)
from reader.core.store import (
    AnnotationStore,
    StoreError,
    StoreReadOnlyError,
    history_path_for,
    own_file_role,
    passages_path_for,
)
from reader.interop.csv_format import CsvFormatError, export_csv
from reader.interop.registry import EXPORT_FORMATS

TEXT = "The U.N. envoy met families of detainees. Refugees in Lebanon asked about return."


def seeded(db_path: Path) -> tuple[AnnotationStore, str, str]:
    """A store with one document and one passage; (store, document id, tag id)."""
    store = AnnotationStore(db_path)
    document = store.register_document(
        path=db_path.parent / "doc.txt", text=TEXT, title="doc", size=len(TEXT),
        encoding="utf-8", sha256="doc",
    ).document
    tag = store.codebook().resolve("refugees").id
    store.add_annotation(document.id, TEXT, 0, 3, tags=[tag], memo="first")
    return store, document.id, tag


def every_file(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (the catalogue, and the database's folder beside it)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def finishes(action: Callable[[], object], timeout: float = 20.0) -> object:
    """Run `action` in a thread; its result, or a test failure if it is still blocked (a read of a
    FIFO with no writer never returns, so it cannot run in the test's own thread)."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = action()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"still blocked after {timeout:.0f} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("result")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def device_node(tmp_path: Path) -> Path:
    """A character device (the null device) inside the test's folder, where moving it is
    harmless; creating one needs root."""
    path = tmp_path / "devices" / "null-device"
    path.parent.mkdir()
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return path


# ---------------------------------------------------------------- the store's own files (item 1)


def test_the_store_knows_its_own_files_however_they_are_named(db_path: Path) -> None:
    seeded(db_path)
    folder = db_path.parent
    (folder / "x").mkdir()
    link = folder / "link.csv"
    link.symlink_to(db_path)
    hard = folder / "hard.csv"
    os.link(db_path, hard)

    assert own_file_role(db_path, db_path) == "the annotation database"
    assert own_file_role(folder / "x" / ".." / db_path.name, db_path) == "the annotation database"
    assert own_file_role(link, db_path) == "the annotation database"
    assert own_file_role(hard, db_path) == "the annotation database"
    assert own_file_role(folder / f"{db_path.name}.bak", db_path) == "the database's backup copy"
    assert own_file_role(folder / f"{db_path.name}.lock", db_path) == "the database's lock file"
    aside = folder / f"{db_path.name}.corrupt-20261206T010203000000Z"
    assert own_file_role(aside, db_path) == "a damaged database kept for inspection"
    replaced = folder / f"{db_path.name}.replaced-20261206T010203000000Z"
    assert own_file_role(replaced, db_path) == "a database kept when another was put in its place"
    assert own_file_role(folder / "export.csv", db_path) is None
    assert own_file_role(folder / "x" / db_path.name, db_path) is None


def test_a_dangling_link_to_the_backup_copy_is_the_backup_copy(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    link = db_path.parent / "out.csv"
    link.symlink_to(db_path.with_name(db_path.name + ".bak"))  # no copy exists yet
    assert own_file_role(link, db_path) == "the database's backup copy"


def test_the_session_file_is_one_of_the_databases_files(db_path: Path) -> None:
    session = paths.session_path(db_path)
    assert paths.database_file_role(session, db_path) == "the reader's session file"
    assert paths.database_file_role(db_path, db_path) == "the annotation database"
    assert paths.database_file_role(db_path.parent / "out.csv", db_path) is None


@pytest.mark.parametrize("name", ["annotations.json", "annotations.json.bak",
                                  "annotations.json.lock"])
def test_an_export_never_lands_on_the_stores_files(db_path: Path, name: str) -> None:
    store, document, tag = seeded(db_path)
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="newest")
    before = every_file(db_path.parent)

    with pytest.raises(CsvFormatError, match="it is the (annotation database|database's)"):
        export_csv(store, db_path.parent / "sub" / ".." / name)

    assert every_file(db_path.parent) == before
    reopened = AnnotationStore(db_path)
    assert reopened.notices == []
    assert sorted(a.memo for a in reopened.annotations()) == ["first", "newest"]


# ---------------------------------------------------------------- symbolic links and devices (12)


def test_a_write_through_a_symbolic_link_replaces_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real" / "out.csv"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    chain = tmp_path / "chain.csv"
    chain.symlink_to(link)

    atomic_write_bytes(chain, b"new")

    assert chain.is_symlink() and link.is_symlink()
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]  # no temporary left


def test_a_dangling_symbolic_link_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "later.csv")
    atomic_write_bytes(link, b"data")
    assert link.is_symlink() and (tmp_path / "later.csv").read_bytes() == b"data"


def test_a_fifo_is_never_replaced_by_a_write(fifo: Path) -> None:
    with pytest.raises(NotRegularFileError, match="FIFO"):
        atomic_write_bytes(fifo, b"data")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_device_is_never_replaced_by_a_write(device_node: Path) -> None:
    with pytest.raises(NotRegularFileError, match="device"):
        atomic_write_bytes(device_node, b"data")
    assert stat.S_ISCHR(device_node.stat().st_mode)


def test_a_device_is_refused_as_a_database_and_left_in_place(device_node: Path) -> None:
    with pytest.raises(StoreError, match="is a device, not a regular file"):
        AnnotationStore(device_node)
    assert stat.S_ISCHR(device_node.stat().st_mode)
    assert sorted(p.name for p in device_node.parent.iterdir()) == ["null-device"]


def test_a_database_reached_through_a_link_is_written_through_it(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "annotations.json"
    store, document, tag = seeded(real)
    link = tmp_path / "mine.json"
    link.symlink_to(real)

    AnnotationStore(link).add_annotation(document, TEXT, 4, 8, tags=[tag], memo="via link")

    assert link.is_symlink()
    assert sorted(a.memo for a in AnnotationStore(real).annotations()) == ["first", "via link"]


# ------------------------------------------------------------ FIFOs and devices never block (16)


def test_a_fifo_is_refused_as_a_database_without_blocking(fifo: Path) -> None:
    with pytest.raises(StoreError, match="is a FIFO"):
        finishes(lambda: AnnotationStore(fifo))
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_reading_a_fifo_or_a_folder_is_refused_without_blocking(fifo: Path) -> None:
    with pytest.raises(NotRegularFileError, match="FIFO"):
        finishes(lambda: read_regular_file(fifo))
    with pytest.raises(NotRegularFileError, match="folder"):
        read_regular_file(fifo.parent)


def test_flushing_a_fifo_put_where_a_file_was_does_not_block(fifo: Path) -> None:
    # A checkpoint (at exit too) flushes the files steps wrote; a FIFO put in one's place by
    # someone else is left alone rather than waited on forever.
    assert finishes(lambda: fsync_file(fifo)) is None


def test_a_fifo_as_the_backup_copy_does_not_block_recovery(db_path: Path) -> None:
    seeded(db_path)
    backup = db_path.with_name(db_path.name + ".bak")
    backup.unlink()
    os.mkfifo(backup)
    db_path.with_name(db_path.name + ".flushed").unlink(missing_ok=True)
    db_path.write_text("{ damaged")

    reopened = finishes(lambda: AnnotationStore(db_path))

    assert isinstance(reopened, AnnotationStore)
    assert "No good earlier copy" in reopened.notices[0]


# ---------------------------------------------------------------- permissions (item 22)


@pytest.fixture
def umask() -> Callable[[int], None]:
    """Set the process's umask for one test."""
    previous = os.umask(0o022)
    os.umask(previous)

    def setter(value: int) -> None:
        os.umask(value)

    yield setter
    os.umask(previous)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_an_export_follows_the_umask(db_path: Path, tmp_path: Path, umask, mask: int,
                                     mode: int) -> None:
    store, _, _ = seeded(db_path)
    umask(mask)
    target = tmp_path / "out.csv"
    export_csv(store, target)
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path, umask) -> None:
    umask(0o077)
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_bytes() == b"new"


def test_the_database_is_private_when_new_and_keeps_a_mode_given_to_it(
    db_path: Path, umask
) -> None:
    umask(0o022)
    store, document, tag = seeded(db_path)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600  # interviews are not for other users
    db_path.chmod(0o640)  # shared with a group on purpose
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o640


# ---------------------------------------------------------------- records of the wrong type (13)


DAMAGE = {
    "tags is a number": ("passages", lambda data: data["annotations"]["1"].__setitem__("tags", 5)),
    "a tag id is a number": ("passages", lambda data: data["annotations"]["1"].__setitem__(
        "tags", ["x", 5])),
    "start is text": ("passages", lambda data: data["annotations"]["1"].__setitem__(
        "start", "0")),
    "end is true": ("passages", lambda data: data["annotations"]["1"].__setitem__("end", True)),
    "memo is null": ("passages", lambda data: data["annotations"]["1"].__setitem__(
        "memo", None)),
    "needs_reanchor is text": ("passages", lambda data: data["annotations"]["1"].__setitem__(
        "needs_reanchor", "no")),
    "a record is a number": ("passages", lambda data: data["annotations"].__setitem__("1", 5)),
    "a record is a list": ("passages", lambda data: data["annotations"].__setitem__("1", [])),
    "a key is not a number": ("passages", lambda data: data["annotations"].__setitem__(
        "one", data["annotations"].pop("1"))),
    "a tag's hotkey is text": ("catalogue", lambda data: next(iter(data["tags"].values()))
                               .__setitem__("hotkey", "1")),
    "a document's aliases is text": ("catalogue", lambda data: data["documents"]["1"]
                                     .__setitem__("aliases", "x")),
    "a meta record is text": ("catalogue", lambda data: data["meta"].__setitem__("1", "v1")),
    "a history step's changes is text": ("history", lambda data: data["history"]["1"]
                                         .__setitem__("changes", "x")),
    "a history change has a damaged record": ("history", lambda data: data["history"]["1"][
        "changes"][0]["after"].__setitem__("tags", 5)),
}


def file_of(db_path: Path, kind: str, document: str) -> Path:
    if kind == "catalogue":
        return db_path
    if kind == "history":
        return history_path_for(db_path)
    return passages_path_for(db_path, document)


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_record_of_the_wrong_shape_is_damage_recovered_from(
    db_path: Path, damage: tuple[str, Callable[[dict], None]]
) -> None:
    kind, change = damage
    store, document, tag = seeded(db_path)
    if kind == "history":
        store.compact()  # the history file is written from the journal when it is compacted
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="second")
    store.create_tag("a later tag")
    if kind == "history":
        store.compact()
    damaged = file_of(db_path, kind, document)
    data = json.loads(damaged.read_text())
    change(data)
    damaged.write_text(json.dumps(data))

    reopened = AnnotationStore(db_path)
    reopened.annotations()
    reopened.history()

    assert len(reopened.notices) == 1
    assert "holds a damaged record" in reopened.notices[0]
    assert "moved aside" in reopened.notices[0] and "was restored" in reopened.notices[0]
    # Restored from the copy kept before its last change, and the journal replayed onto it.
    assert [a.memo for a in reopened.annotations()] == ["first", "second"]
    assert reopened.codebook().find("a later tag") is not None
    assert [p for p in damaged.parent.iterdir() if ".corrupt-" in p.name]
    reopened.add_annotation(document, TEXT, 9, 12, tags=[tag], memo="after")  # and usable


def test_the_message_says_which_record_is_damaged_and_how(db_path: Path) -> None:
    _, document, _ = seeded(db_path)
    passages = passages_path_for(db_path, document)
    data = json.loads(passages.read_text())
    data["annotations"]["1"]["tags"] = 5
    passages.write_text(json.dumps(data))
    reopened = AnnotationStore(db_path)
    reopened.annotations()
    notice = reopened.notices[0]
    assert "(number 1 of annotations): its tags field has the wrong type (int)" in notice


# ---------------------------------------------------------------- read-only media (item 24)


def _forbid_locking(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a read-only database was locked")

    monkeypatch.setattr(store_module.FileLock, "acquire", refuse)


def _read_only_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """As if `folder` were on read-only media (root may write anywhere, so ask `can_write`)."""
    writable = store_module.can_write
    monkeypatch.setattr(store_module, "can_write",
                        lambda path: Path(path) != folder and writable(path))


def test_a_database_in_a_read_only_folder_is_read_without_the_lock(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(db_path)
    before = every_file(db_path.parent)
    _read_only_folder(monkeypatch, db_path.parent)
    _forbid_locking(monkeypatch)

    store = AnnotationStore(db_path)

    assert store.read_only_reason == f"its folder {db_path.parent} is read-only"
    assert [a.memo for a in store.annotations()] == ["first"]
    assert store.codebook().resolve("refugees")
    assert len(store.documents()) == 1
    document = store.documents()[0].id
    tag = store.codebook().resolve("refugees").id
    with pytest.raises(StoreReadOnlyError, match="cannot save changes: the database .* is "
                       "read-only \\(its folder .* is read-only\\)"):
        store.add_annotation(document, TEXT, 4, 8, tags=[tag])
    with pytest.raises(StoreReadOnlyError):
        store.undo()
    assert every_file(db_path.parent) == before
    assert [a.memo for a in store.annotations()] == ["first"]


def test_a_read_only_database_file_is_read_but_not_written(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(db_path)
    writable = store_module.can_write
    monkeypatch.setattr(store_module, "can_write", lambda path: path != db_path and writable(path))
    store = AnnotationStore(db_path)
    assert store.read_only_reason == "the file is read-only"
    assert [a.memo for a in store.annotations()] == ["first"]
    with pytest.raises(StoreReadOnlyError):
        store.create_tag("new")


def test_a_lock_that_cannot_be_written_opens_the_database_read_only(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(db_path)

    def read_only_file_system(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store_module.FileLock, "acquire", read_only_file_system)
    store = AnnotationStore(db_path)
    assert store.read_only_reason == "cannot write its lock file: Read-only file system"
    assert [a.memo for a in store.annotations()] == ["first"]
    with pytest.raises(StoreReadOnlyError, match="Read-only file system"):
        store.create_tag("new")


def test_a_missing_database_in_a_read_only_folder_is_empty_not_created(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path.parent.mkdir(parents=True)
    _read_only_folder(monkeypatch, db_path.parent)
    store = AnnotationStore(db_path)
    assert store.annotations() == [] and store.documents() == []
    assert list(db_path.parent.iterdir()) == []


def test_a_damaged_read_only_database_is_an_error_that_changes_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(db_path)
    db_path.write_text("{ damaged")
    before = sorted(p.name for p in db_path.parent.iterdir())
    _read_only_folder(monkeypatch, db_path.parent)
    with pytest.raises(StoreError, match="is not valid JSON .* cannot be repaired where it is"):
        AnnotationStore(db_path)
    assert sorted(p.name for p in db_path.parent.iterdir()) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
def test_a_really_read_only_folder_is_read(db_path: Path) -> None:
    seeded(db_path)
    db_path.parent.chmod(0o555)
    try:
        store = AnnotationStore(db_path)
        assert [a.memo for a in store.annotations()] == ["first"]
        with pytest.raises(StoreReadOnlyError):
            store.create_tag("new")
    finally:
        db_path.parent.chmod(0o755)


# ---------------------------------------------------------------- an empty --db (item 24)


def test_an_empty_database_path_is_an_error_not_the_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_DB", str(tmp_path / "env.json"))
    with pytest.raises(ValueError, match="empty"):
        paths.db_path("")
    assert paths.db_path(None) == tmp_path / "env.json"


def test_a_fifo_as_the_session_file_is_an_error_not_a_hang(db_path: Path) -> None:
    from reader.session import SessionError, load_session

    session = paths.session_path(db_path)
    session.parent.mkdir(parents=True)
    os.mkfifo(session)
    with pytest.raises(SessionError, match="FIFO"):
        finishes(lambda: load_session(session))


def test_a_step_that_changes_nothing_works_on_read_only_media(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(db_path)
    _read_only_folder(monkeypatch, db_path.parent)
    store = AnnotationStore(db_path)
    # Opening a document the database knows, unchanged, registers it: nothing to write.
    registered = store.register_document(
        path=db_path.parent / "doc.txt", text=TEXT, title="doc", size=len(TEXT),
        encoding="utf-8", sha256="doc",
    )
    assert registered.outcome == "known"
    with pytest.raises(StoreReadOnlyError):  # a new one would have to be written
        store.register_document(
            path=db_path.parent / "new.txt", text="new", title="new", size=3,
            encoding="utf-8", sha256="new",
        )
    assert [d.title for d in store.documents()] == ["doc"]  # the refused step left no trace


def test_a_typed_path_with_a_nul_is_no_file_of_the_store(db_path: Path) -> None:
    assert own_file_role(db_path.parent / "out\0.csv", db_path) is None
    assert paths.database_file_role(Path("out\0.csv"), db_path) is None


@pytest.mark.parametrize("format_name", sorted(EXPORT_FORMATS))
def test_no_export_format_lands_on_the_database(db_path: Path, format_name: str) -> None:
    store, document, tag = seeded(db_path)
    store.add_annotation(document, TEXT, 4, 8, tags=[tag], memo="newest")
    before = db_path.read_bytes()

    with pytest.raises(ValueError, match="it is the annotation database"):
        EXPORT_FORMATS[format_name].export(store, db_path)

    assert db_path.read_bytes() == before
