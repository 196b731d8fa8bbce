"""The annotation store: one TinyDB JSON file, written atomically, shared safely between processes.

This is the only module that imports TinyDB. Every change is a step: it is applied in memory,
recorded in the undo history, and written to disk as one complete new file under a lock, so two
processes (the TUI and the command line) never corrupt the file or lose each other's work, and a
crash at any moment leaves either the old or the new database.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage

from reader.core.anchors import AnchorError, make_anchor, relocate
from reader.core.codebook import (
    DEFAULT_TAGS,
    HOTKEY_SLOTS,
    Codebook,
    CodebookError,
    clean_tag_name,
    next_colour,
    split_tag_path,
    valid_colour,
)
from reader.core.durable import (
    CorruptFileError,
    NotRegularFileError,
    atomic_write_bytes,
    can_write,
    check_regular_or_absent,
    dump_json,
    leftover_temp_files,
    parse_json_strict,
    read_regular_file,
    refuse_non_finite,
    same_file,
)
from reader.core.filepaths import resolved_path
from reader.core.models import Annotation, Document, Tag, utc_now

SCHEMA_VERSION = 1
HISTORY_LIMIT = 1000
LOCK_TIMEOUT_SECONDS = 15.0

CLI_ORIGIN = "cli"
TUI_ORIGIN = "tui"


def window_origin() -> str:
    """An origin of its own for one TUI window ("tui:<pid>:<random>"), so its undo takes back only
    its own steps, not those of another window open on the same database."""
    return f"{TUI_ORIGIN}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def origin_family(origin: str) -> str:
    """Who an origin is: "tui" for every window (and for the plain "tui" of older databases)."""
    return origin.split(":", 1)[0]

Registration = Literal["new", "known", "moved", "copied", "changed"]

DOCUMENTS, ANNOTATIONS, TAGS, HISTORY, META = "documents", "annotations", "tags", "history", "meta"


class StoreError(Exception):
    """Something the user asked of the store that cannot be done; the message says why."""


class StoreBusyError(StoreError):
    """Another process held the database lock for too long."""


class NewerSchemaError(StoreError):
    """The database was written by a newer reader than this one."""


class UndoConflictError(StoreError):
    """A step cannot be undone or redone because what it changed has changed since."""


class StoreReadOnlyError(StoreError):
    """The database cannot be written where it is (read-only media, folder or file)."""


class _LockUnavailableError(StoreReadOnlyError):
    """The lock file cannot be created or opened for writing, so no change can be saved."""

    def __init__(self, db: Path, error: OSError) -> None:
        self.reason = f"cannot write its lock file: {error.strerror or error}"
        super().__init__(f"cannot save changes to the database {db}: {self.reason}")


def backup_path_for(db: Path) -> Path:
    """The copy of the database as it was before its last saved change."""
    return db.with_name(db.name + ".bak")


def lock_path_for(db: Path) -> Path:
    """The file processes lock to take turns writing the database."""
    return db.with_name(db.name + ".lock")


def aside_prefix_for(db: Path) -> str:
    """How the names of damaged databases moved aside begin (a timestamp follows)."""
    return f"{db.name}.corrupt-"


def own_file_role(candidate: Path, db: Path) -> str | None:
    """What `candidate` is to the store of the database `db` if it is one of its files, else None.

    Compared as files: the same inode (through a symbolic or a hard link) or, for a file not
    there yet, the same path once `..` and links are resolved. A damaged database moved aside
    counts too: it may hold the only copy of a change.
    """
    roles = {
        "the annotation database": db,
        "the database's backup copy": backup_path_for(db),
        "the database's lock file": lock_path_for(db),
    }
    if "\0" in str(candidate):  # no file can have that name
        return None
    for role, own in roles.items():
        if same_file(candidate, own):
            return role
    resolved = Path(os.path.realpath(candidate))
    if resolved.parent == Path(os.path.realpath(db)).parent:
        if resolved.name.startswith(aside_prefix_for(db)):
            return "a damaged database kept for inspection"
        if resolved.name.startswith(f"{db.name}.replaced-"):
            return "a database kept when another was put in its place"
    return None


@dataclass(frozen=True)
class RegisteredDocument:
    """What `register_document` found: the document and how it related to what was known."""

    document: Document
    outcome: Registration
    # Annotations whose quote is no longer at their offsets in the new version.
    needs_reanchor: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One undoable change, as the history keeps it."""

    seq: int
    origin: str
    label: str
    time: str
    undone: bool


@dataclass
class _PendingStep:
    label: str
    changes: list[dict[str, Any]] = field(default_factory=list)


def _new_id() -> str:
    return str(uuid.uuid4())


def _timestamp_for_filename() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _empty_database() -> dict[str, Any]:
    return {META: {"1": {"schema_version": SCHEMA_VERSION, "created": utc_now(),
                         "database": _new_id()}}}


def _meta_record(data: Mapping[str, Any]) -> dict[str, Any] | None:
    meta = data.get(META)
    if isinstance(meta, dict):
        for record in meta.values():
            if isinstance(record, dict):
                return record
    return None


def _generation(data: Mapping[str, Any]) -> int:
    """How many writes made this database (0 for a file from before writes were counted)."""
    record = _meta_record(data) or {}
    generation = record.get("generation")
    return generation if isinstance(generation, int) else 0


def database_identity(data: Mapping[str, Any]) -> str | None:
    """The id a database is given when created (or first written), so that a different database
    put in its place is noticed; None for a file from before databases had one."""
    record = _meta_record(data) or {}
    identity = record.get("database")
    return identity if isinstance(identity, str) else None


def _stamp(data: dict[str, Any]) -> None:
    """Count a write, and give a database from before identities its own."""
    record = _meta_record(data)
    if record is not None:
        record["generation"] = _generation(data) + 1
        record.setdefault("database", _new_id())


# The JSON types each field annotation of the record classes allows. Parsed JSON holds exactly
# these types (never subclasses), and `type(v) in` is what keeps `true` out of an int field.
_FIELD_TYPES: dict[str, frozenset[type]] = {
    "str": frozenset({str}),
    "int": frozenset({int}),
    "bool": frozenset({bool}),
    "str | None": frozenset({str, type(None)}),
    "int | None": frozenset({int, type(None)}),
    "tuple[str, ...]": frozenset({list}),  # of strings: see `_RecordShape.problem`
    "list": frozenset({list}),
    "int or bool": frozenset({int, bool}),
}


@dataclass(frozen=True)
class _RecordShape:
    """What a record of a table must hold: the fields it cannot lack, and each field's types."""

    required: frozenset[str]
    types: tuple[tuple[str, frozenset[type]], ...]
    string_lists: tuple[str, ...] = ()

    def problem(self, record: Any) -> str | None:
        """What is wrong with `record`, or None when it has this shape."""
        if type(record) is not dict:
            return f"it is {type(record).__name__}, not a record"
        missing = self.required - record.keys()
        if missing:
            return "it lacks " + ", ".join(sorted(missing))
        for name, allowed in self.types:
            if name in record and type(record[name]) not in allowed:
                return f"its {name} field has the wrong type ({type(record[name]).__name__})"
        for name in self.string_lists:
            if name in record and not all(type(item) is str for item in record[name]):
                return f"its {name} field is not a list of strings"
        return None


def _record_shape(record_class: type) -> _RecordShape:
    """The shape of a record class's JSON form, read from its field annotations."""
    return _RecordShape(
        required=frozenset(
            f.name for f in fields(record_class)
            if f.default is MISSING and f.default_factory is MISSING
        ),
        # A field type not in the table is a new kind of field: fail at import, not on a user.
        types=tuple((f.name, _FIELD_TYPES[str(f.type)]) for f in fields(record_class)),
        string_lists=tuple(
            f.name for f in fields(record_class) if str(f.type) == "tuple[str, ...]"
        ),
    )


_RECORD_SHAPES = {
    DOCUMENTS: _record_shape(Document),
    ANNOTATIONS: _record_shape(Annotation),
    TAGS: _record_shape(Tag),
}
_HISTORY_SHAPE = _RecordShape(
    required=frozenset({"seq", "origin", "label", "time", "changes", "undone"}),
    types=(
        ("seq", _FIELD_TYPES["int"]), ("origin", _FIELD_TYPES["str"]),
        ("label", _FIELD_TYPES["str"]), ("time", _FIELD_TYPES["str"]),
        ("changes", _FIELD_TYPES["list"]), ("undone", _FIELD_TYPES["int or bool"]),
    ),
)


def _change_problem(change: Any) -> str | None:
    """What is wrong with one change of a history step (undo applies its records as they are)."""
    if not isinstance(change, dict) or not isinstance(change.get("id"), str):
        return "it holds a change that is not one"
    shape = _RECORD_SHAPES.get(change.get("table"))  # type: ignore[arg-type]
    if shape is None:
        return f"it changes a table that does not exist ({change.get('table')!r})"
    for side in ("before", "after"):
        if side not in change:
            return f"it holds a change without its {side}"
        if change[side] is not None and (problem := shape.problem(change[side])):
            return f"it holds a change whose {side} is damaged ({problem})"
    return None


def _record_problem(table: str, record: Any) -> str | None:
    if table == META:
        return None if isinstance(record, dict) else "it is not a record"
    if table == HISTORY:
        problem = _HISTORY_SHAPE.problem(record)
        if problem is None:
            for change in record["changes"]:
                if problem := _change_problem(change):
                    break
        return problem
    shape = _RECORD_SHAPES.get(table)
    return None if shape is None else shape.problem(record)


def _check_shape(data: Any) -> dict[str, Any]:
    """The parsed file, if it is laid out as a reader database whose records have the fields and
    types reader reads: anything else is damage, recovered from like a file cut short."""
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise CorruptFileError("does not have the layout of a reader database")
    for table, rows in data.items():
        for key, record in rows.items():
            # TinyDB numbers its records; any other key breaks it on the first change.
            if not (key.isascii() and key.isdigit()):
                raise CorruptFileError(f"holds a damaged record (key {key!r} of {table})")
            problem = _record_problem(table, record)
            if problem is not None:
                raise CorruptFileError(
                    f"holds a damaged record (number {key} of {table}): {problem}"
                )
    return data


def _schema_version(data: Mapping[str, Any]) -> int:
    meta = data.get(META) or {}
    for record in meta.values():
        if isinstance(record, dict) and isinstance(record.get("schema_version"), int):
            return int(record["schema_version"])
    return 0


def _migrate_0_to_1(data: dict[str, Any]) -> None:
    """Version 0 is a plain TinyDB file of these tables without a meta table."""
    data[META] = {"1": {"schema_version": 1, "created": utc_now(), "migrated_from": 0}}


# Each entry turns a database of version N into version N + 1, in place.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], None]] = {0: _migrate_0_to_1}


def migrate(data: dict[str, Any]) -> bool:
    """Bring `data` to the current schema; whether anything changed."""
    version = _schema_version(data)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"the database has schema version {version}, but this reader knows only up to "
            f"{SCHEMA_VERSION}: upgrade reader to open it"
        )
    changed = False
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](data)
        version += 1
        changed = True
    for record in data[META].values():
        record["schema_version"] = SCHEMA_VERSION
    return changed


class DurableJSONStorage(Storage):
    """TinyDB storage that keeps the parsed file in memory and replaces the file atomically.

    TinyDB's own JSONStorage rewrites the file in place (a crash or a full disk leaves it
    unreadable), treats an empty file as a new database and writes NaN. This one parses strictly,
    writes a complete new file per change, and can defer writes so a change and its undo step land
    in one write.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.backup_path = backup_path_for(path)
        # Set when the database can only be read: its tables are then kept in memory only.
        self.read_only = False
        self._data: dict[str, Any] | None = None
        self._signature: tuple[int, int, int] | None = None
        self._deferred = False
        self._dirty = False

    # TinyDB's interface
    def read(self) -> dict[str, Any] | None:
        if self._data is None:
            raise RuntimeError("the store reads the file under its lock before TinyDB may")
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.touched()

    def touched(self) -> None:
        """The in-memory tables were changed in place: write them (now, or when deferral ends)."""
        self._dirty = True
        if not self._deferred:
            self.flush()

    def close(self) -> None:
        pass

    # The store's interface
    def adopt(self, data: dict[str, Any]) -> None:
        """Use `data` as what the file holds now."""
        self._data = data
        self._signature = _file_signature(self.path)
        self._dirty = False

    def changed_on_disk(self) -> bool:
        return self._data is None or _file_signature(self.path) != self._signature

    def held(self) -> dict[str, Any] | None:
        """What the file held when last read or written here (None before, or after `forget`)."""
        return self._data

    def forget(self) -> None:
        """Drop the in-memory copy (after a failed change) so the next read comes from disk."""
        self._data = None
        self._signature = None
        self._dirty = False

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        previous, self._deferred = self._deferred, True
        try:
            yield
        finally:
            self._deferred = previous

    def flush(self) -> None:
        if not self._dirty or self._data is None or self.read_only:
            return
        _stamp(self._data)
        # Every record was checked by the store on its way in; the file was parsed strictly.
        payload = dump_json(self._data, checked=True)
        # Private unless the user opened it up: it holds what people said in interviews.
        atomic_write_bytes(self.path, payload, keep_previous=self.backup_path, private=True)
        self._signature = _file_signature(self.path)
        self._dirty = False


class AnnotationStore:
    """Documents, the codebook and annotations, with undo, in one crash-safe database file.

    `origin` names who makes the changes ("cli", or a window's `window_origin()`): undo takes back
    the newest step of the same origin. `notices` collects what the user must be told (a corrupt
    file moved aside, say). A database on read-only media (or in a read-only folder or file) opens
    for reading, without the lock (writes are atomic renames, so a reader never sees half a file);
    `read_only_reason` then says why, and every change is refused with `StoreReadOnlyError`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        origin: str = CLI_ORIGIN,
        annotator: str = "",
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.origin = origin
        self.annotator = annotator
        self.notices: list[str] = []
        self.read_only_reason: str | None = None
        self._replaced = False
        self._lock = FileLock(
            str(lock_path_for(self.path)),
            timeout=lock_timeout,
            thread_local=False,
        )
        self._mutex = threading.RLock()
        self._storage = DurableJSONStorage(self.path)
        self._db = TinyDB(storage=lambda: self._storage)
        self._ids: dict[str, dict[str, int]] = {}
        self._next_doc_id: dict[str, int] = {}
        self._cache: dict[str, Any] = {}
        self._step: _PendingStep | None = None
        self._open()

    # ------------------------------------------------------------------ opening and reloading

    def _open(self) -> None:
        try:
            # Before anything opens it: reading a FIFO or /dev/zero would never end, and a write
            # would move a device node aside.
            check_regular_or_absent(self.path)
        except NotRegularFileError as error:
            raise StoreError(
                f"the database {self.path} {error.strerror}: give the path of a database file"
            ) from None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create the database folder {self.path.parent}: {error.strerror}"
            ) from None
        reason = self._why_read_only()
        if reason is None:
            try:
                with self._locked():
                    for leftover in leftover_temp_files(self.path):
                        with contextlib.suppress(OSError):
                            leftover.unlink()
                    if self._reload():
                        self._initialise()
                return
            except _LockUnavailableError as error:
                reason = error.reason
        self._open_read_only(reason)

    def _why_read_only(self) -> str | None:
        """Why the database cannot be written where it is, or None when it can be."""
        if not can_write(self.path.parent):
            return f"its folder {self.path.parent} is read-only"
        if self.path.exists() and not can_write(self.path):
            return "the file is read-only"
        return None

    def _open_read_only(self, reason: str) -> None:
        """Read the database without the lock; nothing will be written (not even a new one)."""
        self.read_only_reason = reason
        self._storage.read_only = True
        self._reload()

    def _refuse_if_read_only(self) -> None:
        if self.read_only_reason is not None:
            raise StoreReadOnlyError(
                f"cannot save changes: the database {self.path} is read-only "
                f"({self.read_only_reason})"
            )

    def _initialise(self) -> None:
        with self._change("create default codebook"):
            for slot, (name, description) in enumerate(DEFAULT_TAGS, start=1):
                self._create_tag_path(name, description=description, hotkey=slot)
        # The default codebook is where a database starts, not something to undo.
        self._db.table(HISTORY).truncate()
        self._storage.flush()
        self._rebuild_ids()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._mutex:
            if self.read_only_reason is not None:
                # Nothing is written: reading needs no turn (see the class docstring).
                yield
                return
            try:
                self._lock.acquire()
            except Timeout:
                raise StoreBusyError(
                    f"the database {self.path} is locked by another reader process "
                    f"(waited {self._lock.timeout:.0f} s); try again"
                ) from None
            except OSError as error:  # a read-only file system, a lock file not ours to write
                raise _LockUnavailableError(self.path, error) from None
            try:
                yield
            finally:
                self._lock.release()

    def _reload(self) -> bool:
        """Read the file (under the lock): recover from corruption, migrate, reset caches.

        Returns whether there was no database to read (a new one, or a damaged one with no copy).
        """
        held = self._storage.held()
        data = self._read_file(held)
        is_new = data is None
        if data is None:
            data = _empty_database()
            self._storage.adopt(data)
            self._storage.write(data)
        elif migrate(data):
            self._storage.adopt(data)
            self._storage.write(data)
        else:
            self._storage.adopt(data)
        if held is not None and data is not held:
            self._notice_replacement(held, data)
        # TinyDB keeps a next id and query results per table: both belong to the old contents.
        for table in self._db._tables.values():
            table.clear_cache()
            table._next_id = None
        self._rebuild_ids()
        return is_new

    def _read_file(self, held: dict[str, Any] | None) -> dict[str, Any] | None:
        """The database as it should be now. `held` is what this store last read or wrote: when
        the file has gone or been damaged since, that is newer than the copy kept beside it."""
        try:
            raw = read_regular_file(self.path)
        except FileNotFoundError:
            return self._restore_missing(held)
        except OSError as error:
            raise StoreError(f"cannot read the database {self.path}: {error.strerror}") from None
        try:
            return _check_shape(parse_json_strict(raw))
        except CorruptFileError as problem:
            if self.read_only_reason is not None:
                raise StoreError(
                    f"the database {self.path} {problem}, and it cannot be repaired where it is "
                    f"({self.read_only_reason}): copy it and its .bak somewhere writable"
                ) from None
            return self._recover(problem, held)

    def _backup(self) -> tuple[bytes, dict[str, Any]] | None:
        """The copy kept before the last write, if it is a good database."""
        try:
            raw = read_regular_file(self._storage.backup_path)
            return raw, _check_shape(parse_json_strict(raw))
        except (OSError, CorruptFileError):
            return None

    def _write_back(
        self, held: dict[str, Any] | None, backup: tuple[bytes, dict[str, Any]] | None
    ) -> bool:
        """Write what this store holds as the database, unless another process wrote since this
        one last read (the kept copy is then as new as what is held, or newer, and the newest
        change went with the file: the copy is restored and the notice says so); whether it did.
        """
        if held is None:
            return False
        held_generation = _generation(held)
        # (Both 0: files from before writes were counted, which cannot tell; what is held is
        # at least as new as the copy.)
        if backup is not None and held_generation > 0 and (
            _generation(backup[1]) >= held_generation
        ):
            return False
        atomic_write_bytes(self.path, dump_json(held, checked=True), private=True)
        return True

    def _recover(
        self, problem: CorruptFileError, held: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        aside = self.path.with_name(f"{aside_prefix_for(self.path)}{_timestamp_for_filename()}")
        os.replace(self.path, aside)
        message = f"The database {self.path} {problem}. It was moved aside to {aside}."
        backup = self._backup()
        if self._write_back(held, backup):
            self.notices.append(
                message + " reader had the database open and wrote back every change saved up "
                "to then: nothing is lost."
            )
            return held
        if backup is None:
            self.notices.append(
                message + " No good earlier copy exists, so reader starts a new database; "
                "the damaged file is kept for you to inspect."
            )
            return None
        raw, data = backup
        atomic_write_bytes(self.path, raw, private=True)
        self.notices.append(
            message + f" The copy kept before the last saved change ({self._storage.backup_path}) "
            "was restored: that last change is missing from it, and may still be read in the file "
            "moved aside."
        )
        return data

    def _restore_missing(self, held: dict[str, Any] | None) -> dict[str, Any] | None:
        """No database file: a new one, unless this store holds it (deleted while open) or a good
        copy shows one was there (deleted by hand, or lost with a disk); then that comes back
        rather than being overwritten."""
        backup = self._backup()
        if self.read_only_reason is not None:
            shown = held if held is not None else (None if backup is None else backup[1])
            if shown is not None:
                self.notices.append(
                    f"The database {self.path} is missing; the last copy reader saw is shown. "
                    f"It cannot be restored where it is ({self.read_only_reason})."
                )
            return shown
        if self._write_back(held, backup):
            self.notices.append(
                f"The database {self.path} was deleted while reader had it open; reader wrote "
                "back every change saved up to then: nothing is lost."
            )
            return held
        if backup is None:
            return None
        raw, data = backup
        atomic_write_bytes(self.path, raw, private=True)
        self.notices.append(
            f"The database {self.path} was missing; its last good copy "
            f"({self._storage.backup_path}) was restored. To start afresh instead, delete both "
            "files."
        )
        return data

    def _notice_replacement(self, held: dict[str, Any], data: dict[str, Any]) -> None:
        """Another database put in the file's place (copied over it, restored from a backup of
        another one): keep what was held of the previous one and say so."""
        identity = database_identity(held)
        if identity is None or database_identity(data) == identity:
            return  # the same database, changed by another process (or too old to tell)
        aside = self.path.with_name(f"{self.path.name}.replaced-{_timestamp_for_filename()}")
        atomic_write_bytes(aside, dump_json(held, checked=True), private=True)
        self._replaced = True
        self.notices.append(
            f"The database {self.path} was replaced by a different database while reader had it "
            f"open. The previous one, with every change saved up to then, was kept as {aside}; "
            "changes from now on go to the database now in its place."
        )

    def ensure_identity(self) -> None:
        """Give a database from before identities its own now (one write, once), so that a
        different database put in its place while this store is open is noticed."""
        with self._mutex, self._locked():
            if self._storage.changed_on_disk():
                self._reload()
            held = self._storage.held()
            if held is not None and database_identity(held) is None:
                self._storage.touched()

    def take_notices(self) -> list[str]:
        """What the user must be told since this was last asked (a damaged file, say)."""
        notices, self.notices = self.notices, []
        return notices

    def take_replaced(self) -> bool:
        """Whether another database took the file's place since this was last asked."""
        replaced, self._replaced = self._replaced, False
        return replaced

    def refresh(self) -> bool:
        """Re-read the file if another process changed it; whether it did."""
        with self._mutex:
            if not self._storage.changed_on_disk():
                return False
            with self._locked():
                self._reload()
            self._cache.clear()
            return True

    # ------------------------------------------------------------------ raw record access

    def _rebuild_ids(self) -> None:
        data = self._storage.read() or {}
        self._ids = {
            name: {record["id"]: int(doc_id) for doc_id, record in table.items() if "id" in record}
            for name, table in data.items()
            if name != META
        }
        self._next_doc_id = {
            name: max((int(doc_id) for doc_id in table), default=0) + 1
            for name, table in data.items()
        }
        self._cache.clear()

    def _raw(self, table: str, record_id: str) -> dict[str, Any] | None:
        doc_id = self._ids.get(table, {}).get(record_id)
        if doc_id is None:
            return None
        record = self._db.table(table).get(doc_id=doc_id)
        return dict(record) if record is not None else None

    def _raw_all(self, table: str) -> list[dict[str, Any]]:
        data = self._storage.read() or {}
        return [dict(record) for record in data.get(table, {}).values()]

    def _apply(self, table: str, record_id: str, record: dict[str, Any] | None) -> None:
        """Make `table[record_id]` be `record` (None deletes), without touching the history.

        TinyDB's own insert and update copy the whole table on every call, which makes a
        20,000-row import quadratic; records change in place in the tables TinyDB reads instead.
        """
        if record is not None:
            refuse_non_finite(record)
        data = self._storage.read()
        assert data is not None
        rows: dict[str, Any] = data.setdefault(table, {})
        ids = self._ids.setdefault(table, {})
        doc_id = ids.get(record_id)
        if record is None:
            if doc_id is None:
                return
            del rows[str(doc_id)]
            del ids[record_id]
        else:
            if doc_id is None:
                doc_id = self._next_doc_id.get(table, 1)
                self._next_doc_id[table] = doc_id + 1
                ids[record_id] = doc_id
            rows[str(doc_id)] = dict(record)
        self._db.table(table).clear_cache()
        self._cache.clear()
        self._storage.touched()

    def _set(self, table: str, record_id: str, record: dict[str, Any] | None) -> None:
        """Change a record inside the current step, recording it for undo."""
        assert self._step is not None, "changes happen inside a step"
        before = self._raw(table, record_id)
        if before == record:
            return
        self._apply(table, record_id, record)
        self._step.changes.append(
            {"table": table, "id": record_id, "before": before, "after": record}
        )

    # ------------------------------------------------------------------ steps and undo

    @contextlib.contextmanager
    def _change(self, label: str, *, undoable: bool = True) -> Iterator[None]:
        """One undoable step: everything inside lands in a single atomic write, or nothing does.

        Inside a batch it joins the batch's step. `undoable=False` writes without a history step.
        """
        with self._mutex:
            if self._step is not None:  # inside a batch: join its step
                yield
                return
            with self._locked():
                if self._storage.changed_on_disk():
                    self._reload()
                self._step = _PendingStep(label)
                try:
                    with self._storage.deferred():
                        yield
                        if self._step.changes:
                            # Refused only now: a step that changes nothing (reopening a
                            # known document) works on read-only media too.
                            self._refuse_if_read_only()
                        if self._step.changes and undoable:
                            self._record_step(self._step)
                    self._storage.flush()
                except BaseException:
                    self._storage.forget()
                    self._reload()
                    raise
                finally:
                    self._step = None

    @contextlib.contextmanager
    def batch(self, label: str) -> Iterator[None]:
        """Group several changes (an import, a merge) into one step and one write."""
        with self._change(label):
            yield

    def _record_step(self, step: _PendingStep) -> None:
        history = self._db.table(HISTORY)
        records = history.all()
        # A new step of this origin ends its redo chain.
        stale = [r.doc_id for r in records if r["origin"] == self.origin and r["undone"]]
        if stale:
            history.remove(doc_ids=stale)
            records = [r for r in records if r.doc_id not in stale]
        seq = max((r["seq"] for r in records), default=0) + 1
        history.insert({
            "seq": seq,
            "origin": self.origin,
            "label": step.label,
            "time": utc_now(),
            "changes": step.changes,
            "undone": 0,
        })
        if len(records) + 1 > HISTORY_LIMIT:
            oldest = sorted(records, key=lambda r: r["seq"])[: len(records) + 1 - HISTORY_LIMIT]
            history.remove(doc_ids=[r.doc_id for r in oldest])

    def history(self, origin: str | None = None) -> list[Step]:
        """Steps, oldest first, optionally of one origin ("tui" means every window's)."""
        self.refresh()
        steps = [
            Step(r["seq"], r["origin"], r["label"], r["time"], bool(r["undone"]))
            for r in self._raw_all(HISTORY)
            if origin is None or origin in (r["origin"], origin_family(r["origin"]))
        ]
        return sorted(steps, key=lambda step: step.seq)

    def undo(self) -> Step | None:
        """Take back the newest step of this store's origin; None when there is nothing to undo."""
        return self._travel_once(undo=True)

    def redo(self) -> Step | None:
        """Re-apply the most recently undone step of this origin; None when there is none."""
        return self._travel_once(undo=False)

    def _travel_once(self, *, undo: bool) -> Step | None:
        steps, conflict = self.travel(undo=undo)
        if conflict is not None:
            raise conflict
        return steps[0] if steps else None

    def travel(
        self, *, undo: bool, count: int = 1
    ) -> tuple[list[Step], UndoConflictError | None]:
        """Undo (or redo) up to `count` steps of this origin in one write, newest first: the
        steps taken, and the conflict that stopped it before `count` if one did (a run of key
        presses becomes one write instead of one each)."""
        self._refuse_if_read_only()
        with self._mutex, self._locked():
            if self._storage.changed_on_disk():
                self._reload()
            taken: list[Step] = []
            conflict: UndoConflictError | None = None
            try:
                with self._storage.deferred():
                    for _ in range(count):
                        try:
                            step = self._travel_step(undo=undo)
                        except UndoConflictError as error:
                            conflict = error
                            break
                        if step is None:
                            break
                        taken.append(step)
                self._storage.flush()
            except BaseException:
                self._storage.forget()
                self._reload()
                raise
            return taken, conflict

    def _travel_step(self, *, undo: bool) -> Step | None:
        """One step back or forward, in memory; a conflict raises before anything changes."""
        # The history's records as stored, not TinyDB's copies of them: a thousand steps taken
        # at once would otherwise copy the whole history twice for each.
        history = (self._storage.read() or {}).get(HISTORY, {})
        mine = [r for r in history.values() if r["origin"] == self.origin]
        if undo:
            candidates = [r for r in mine if not r["undone"]]
            chosen = max(candidates, key=lambda r: r["seq"], default=None)
        else:
            candidates = [r for r in mine if r["undone"]]
            chosen = max(candidates, key=lambda r: r["undone"], default=None)
        if chosen is None:
            return None
        changes = chosen["changes"]
        expected, wanted = ("after", "before") if undo else ("before", "after")
        for change in changes:
            if self._raw(change["table"], change["id"]) != change[expected]:
                verb = "undo" if undo else "redo"
                raise UndoConflictError(
                    f"cannot {verb} “{chosen['label']}”: the {change['table'][:-1]} it "
                    "changed has been changed since (by another step or program)"
                )
        for change in reversed(changes) if undo else changes:
            self._apply(change["table"], change["id"], change[wanted])
        if undo:
            chosen["undone"] = max((r["undone"] for r in history.values()), default=0) + 1
        else:
            chosen["undone"] = 0
        self._db.table(HISTORY).clear_cache()
        self._storage.touched()
        return Step(chosen["seq"], chosen["origin"], chosen["label"], chosen["time"], undo)

    # ------------------------------------------------------------------ documents

    def documents(self) -> list[Document]:
        self.refresh()
        if DOCUMENTS not in self._cache:
            documents = [Document.from_record(r) for r in self._raw_all(DOCUMENTS)]
            self._cache[DOCUMENTS] = sorted(documents, key=lambda d: (d.title.casefold(), d.path))
        return list(self._cache[DOCUMENTS])

    def get_document(self, document_id: str) -> Document:
        self.refresh()
        record = self._raw(DOCUMENTS, document_id)
        if record is None:
            raise StoreError(f"no document with id {document_id}")
        return Document.from_record(record)

    def document_by_path(self, path: str | os.PathLike[str]) -> Document | None:
        wanted = str(resolved_path(path))
        for document in self.documents():
            if document.path == wanted or wanted in document.aliases:
                return document
        return None

    def find_document(self, reference: str) -> Document:
        """A document by id (or a unique id prefix), path, title or file name."""
        documents = self.documents()
        for document in documents:
            if document.id == reference:
                return document
        by_path = self.document_by_path(reference)
        if by_path is not None:
            return by_path
        wanted = reference.strip().casefold()
        for matcher in (
            lambda d: len(wanted) >= 4 and d.id.startswith(wanted),
            lambda d: d.title.casefold() == wanted,
            lambda d: Path(d.path).name.casefold() == wanted,
            lambda d: Path(d.path).stem.casefold() == wanted,
        ):
            matches = [document for document in documents if matcher(document)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                listed = "; ".join(f"{d.title} ({d.path})" for d in matches)
                raise StoreError(f"{reference!r} matches several documents: {listed}")
        raise StoreError(f"no document matches {reference!r} (see `reader docs`)")

    def register_document(
        self,
        *,
        path: str | os.PathLike[str],
        text: str,
        title: str,
        size: int,
        encoding: str,
        sha256: str,
        format: str = "text",
        source_sha256: str = "",
        extractor: str = "",
    ) -> RegisteredDocument:
        """Record a loaded document and tell how it relates to what the store already knows.

        A known path is the same document (a new version if its content changed: annotations whose
        quote is no longer at their offsets are kept and marked as needing re-anchoring). An unknown
        path with known content is that document, moved or copied.
        """
        resolved = str(resolved_path(path))
        # Registration follows the files on disk: it joins a batch (an import) but is not a step
        # of its own to undo.
        with self._change(f"register {title}", undoable=False):
            known = self._document_at(resolved)
            if known is not None and known.sha256 == sha256:
                # Same content; details known only from an import (size 0, encoding
                # "unknown") are filled in from the file.
                # (An import knows no source: what the file gave is kept.)
                current = known.evolve(
                    size=size, encoding=encoding, format=format,
                    source_sha256=source_sha256 or known.source_sha256,
                    extractor=extractor or known.extractor,
                )
                if current != known:
                    self._set(DOCUMENTS, known.id, current.to_record())
                return RegisteredDocument(current, "known")
            outcome: Registration
            flagged: list[str] = []
            if known is not None:
                outcome = "changed"
                document = known.evolve(
                    title=known.title if known.renamed else title,
                    size=size, encoding=encoding, sha256=sha256,
                    format=format, version=known.version + 1, updated=utc_now(),
                    source_sha256=source_sha256, extractor=extractor,
                )
                flagged = self._mark_moved_quotes(document.id, text)
            elif same := [d for d in self._all_documents() if d.sha256 == sha256]:
                previous = same[0]
                if Path(previous.path).exists():
                    outcome = "copied"
                    document = previous.evolve(
                        aliases=(*previous.aliases, resolved), updated=utc_now()
                    )
                else:
                    outcome = "moved"
                    document = previous.evolve(
                        path=resolved, aliases=(*previous.aliases, previous.path),
                        updated=utc_now(),
                    )
            else:
                outcome = "new"
                document = Document(
                    id=_new_id(), path=resolved, title=title, size=size,
                    encoding=encoding, sha256=sha256, format=format,
                    source_sha256=source_sha256, extractor=extractor,
                )
            self._set(DOCUMENTS, document.id, document.to_record())
        return RegisteredDocument(document, outcome, tuple(flagged))

    def _all_documents(self) -> list[Document]:
        return [Document.from_record(r) for r in self._raw_all(DOCUMENTS)]

    def _document_at(self, resolved: str) -> Document | None:
        for document in self._all_documents():
            if document.path == resolved:
                return document
        return None

    def _mark_moved_quotes(self, document_id: str, text: str) -> list[str]:
        flagged = []
        for record in self._raw_all(ANNOTATIONS):
            if record["document"] != document_id:
                continue
            annotation = Annotation.from_record(record)
            found = relocate(text, annotation.start, annotation.end, annotation.quote,
                             annotation.prefix, annotation.suffix)
            if found is not None and (
                found != (annotation.start, annotation.end)
                or text[found[0]:found[1]] != annotation.quote  # its lines wrapped anew
            ):
                anchor = make_anchor(text, *found)  # the quote moved: follow it
                annotation = annotation.evolve(
                    start=anchor.start, end=anchor.end, quote=anchor.quote,
                    prefix=anchor.prefix, suffix=anchor.suffix, needs_reanchor=False,
                )
                self._set(ANNOTATIONS, annotation.id, annotation.to_record())
            elif (found is None) != annotation.needs_reanchor:
                self._set(ANNOTATIONS, annotation.id,
                          annotation.evolve(needs_reanchor=found is None).to_record())
            if found is None:
                flagged.append(annotation.id)
        return flagged

    def remove_document(self, document_id: str) -> int:
        """Forget a document and its annotations (one undoable step); how many annotations went."""
        document = self.get_document(document_id)
        with self._change(f"remove document {document.title}"):
            removed = 0
            for record in self._raw_all(ANNOTATIONS):
                if record["document"] == document_id:
                    self._set(ANNOTATIONS, record["id"], None)
                    removed += 1
            self._set(DOCUMENTS, document_id, None)
        return removed

    def relink_document(self, document_id: str, new_path: str | os.PathLike[str]) -> Document:
        """Point a document at a new path (a file the user moved)."""
        document = self.get_document(document_id)
        resolved = str(resolved_path(new_path))
        with self._change(f"relink document {document.title}"):
            other = self._document_at(resolved)
            if other is not None and other.id != document_id:
                raise StoreError(f"{resolved} is already the document {other.title!r}")
            aliases = tuple(a for a in (*document.aliases, document.path) if a != resolved)
            updated = document.evolve(path=resolved, aliases=aliases, updated=utc_now())
            self._set(DOCUMENTS, document_id, updated.to_record())
        return updated

    def update_document(self, document: Document) -> None:
        """Store a document record as given (changed metadata, or one known only from an import
        whose file is missing), as one step."""
        with self._change(f"update document {document.title}"):
            self._set(DOCUMENTS, document.id, document.to_record())

    def new_document_id(self) -> str:
        return _new_id()

    # ------------------------------------------------------------------ the codebook

    def codebook(self) -> Codebook:
        self.refresh()
        if TAGS not in self._cache:
            self._cache[TAGS] = Codebook(Tag.from_record(r) for r in self._raw_all(TAGS))
        codebook: Codebook = self._cache[TAGS]
        return codebook

    def tags(self) -> list[Tag]:
        return list(self.codebook())

    def _codebook_now(self) -> Codebook:
        return Codebook(Tag.from_record(r) for r in self._raw_all(TAGS))

    def _create_tag_path(
        self,
        path: str,
        *,
        colour: str | None = None,
        description: str = "",
        hotkey: int | None = None,
    ) -> tuple[Tag, list[Tag]]:
        """The tag at `path`, creating it and any missing parents; the tags it created."""
        parts = split_tag_path(path)
        parent: str | None = None
        tag: Tag | None = None
        created: list[Tag] = []
        for depth, name in enumerate(parts):
            codebook = self._codebook_now()
            existing = next(
                (t for t in codebook
                 if t.parent == parent and t.name.casefold() == name.casefold()),
                None,
            )
            if existing is not None:
                tag = existing
            else:
                last = depth == len(parts) - 1
                tag = Tag(
                    id=_new_id(),
                    name=name,
                    colour=valid_colour(colour) if last and colour else next_colour(
                        codebook.colours()
                    ),
                    description=description if last else "",
                    parent=parent,
                )
                self._set(TAGS, tag.id, tag.to_record())
                created.append(tag)
            parent = tag.id
        assert tag is not None
        if created and created[-1].id == tag.id and hotkey is not None:
            tag = self._assign_hotkey(tag, hotkey)
        return tag, created

    def _assign_hotkey(self, tag: Tag, hotkey: int | None) -> Tag:
        if hotkey is not None and hotkey not in HOTKEY_SLOTS:
            raise CodebookError(f"hotkey slots are 1 to 9, not {hotkey}")
        if hotkey is not None:
            holder = self._codebook_now().by_hotkey(hotkey)
            if holder is not None and holder.id != tag.id:
                self._set(TAGS, holder.id, holder.evolve(hotkey=None).to_record())
        updated = tag.evolve(hotkey=hotkey)
        self._set(TAGS, tag.id, updated.to_record())
        return updated

    def create_tag(
        self,
        path: str,
        *,
        colour: str | None = None,
        description: str = "",
        hotkey: int | None = None,
    ) -> Tag:
        """Create `path` (`parent/child` creates both); an existing name is refused."""
        with self._change(f"create tag {path}"):
            tag, created = self._create_tag_path(
                path, colour=colour, description=description, hotkey=hotkey
            )
            if not created or created[-1].id != tag.id:
                raise CodebookError(f"a tag named {path!r} already exists")
        return tag

    def ensure_tags(self, paths: Sequence[str]) -> tuple[list[Tag], list[Tag]]:
        """The tags at these paths, creating missing ones: (all tags, the newly created)."""
        found: list[Tag] = []
        created: list[Tag] = []
        with self._change("create tags " + ", ".join(paths)):
            for path in paths:
                codebook = self._codebook_now()
                try:
                    existing: Tag | None = codebook.resolve(path)
                except CodebookError:
                    existing = None
                if existing is not None and (
                    "/" not in path or codebook.path(existing).casefold() == path.casefold()
                ):
                    found.append(existing)
                    continue
                tag, made = self._create_tag_path(path)
                found.append(tag)
                created.extend(made)
        return found, created

    def rename_tag(self, tag_id: str, new_path: str) -> Tag:
        """Rename a tag; a new `parent/child` path also moves it under that parent."""
        with self._change(f"rename tag to {new_path}"):
            codebook = self._codebook_now()
            tag = codebook.get(tag_id)
            parts = split_tag_path(new_path)
            parent_id = tag.parent
            if len(parts) > 1:
                parent, _ = self._create_tag_path("/".join(parts[:-1]))
                parent_id = parent.id
            self._check_parent(tag.id, parent_id)
            self._check_unique(parts[-1], parent_id, tag.id)
            renamed = tag.evolve(name=parts[-1], parent=parent_id)
            self._set(TAGS, tag.id, renamed.to_record())
        return renamed

    def update_tag(
        self,
        tag_id: str,
        *,
        colour: str | None = None,
        description: str | None = None,
        parent: str | None | Literal[False] = False,
        hotkey: int | None | Literal[False] = False,
    ) -> Tag:
        """Change a tag's colour, description, parent (None: top level) or hotkey (None: clear).

        `False` leaves parent or hotkey as they are. A hotkey slot in use moves to this tag.
        """
        with self._change("edit tag"):
            tag = self._codebook_now().get(tag_id)
            if colour is not None:
                tag = tag.evolve(colour=valid_colour(colour))
            if description is not None:
                tag = tag.evolve(description=description.strip())
            if parent is not False:
                self._check_parent(tag.id, parent)
                self._check_unique(tag.name, parent, tag.id)
                tag = tag.evolve(parent=parent)
            self._set(TAGS, tag.id, tag.to_record())
            if hotkey is not False:
                tag = self._assign_hotkey(tag, hotkey)
        return tag

    def _check_parent(self, tag_id: str, parent_id: str | None) -> None:
        if parent_id is None:
            return
        codebook = self._codebook_now()
        codebook.get(parent_id)
        if parent_id == tag_id or parent_id in codebook.descendants(tag_id):
            raise CodebookError("a tag cannot be placed under itself or one of its children")

    def _check_unique(self, name: str, parent_id: str | None, tag_id: str) -> None:
        name = clean_tag_name(name)
        for other in self._codebook_now():
            if other.id != tag_id and other.parent == parent_id and (
                other.name.casefold() == name.casefold()
            ):
                raise CodebookError(f"a tag named {name!r} already exists there")

    def merge_tags(self, source_id: str, target_id: str) -> int:
        """Give the source tag's passages the target tag and delete the source; passages changed.

        The source's children move under the target; a child whose name the target already has
        among its children is merged into that one, and so on down, so no two tags of the same
        name end up side by side (each would hold half the passages of that name).
        """
        if source_id == target_id:
            raise CodebookError("a tag cannot be merged into itself")
        codebook = self.codebook()
        source, target = codebook.get(source_id), codebook.get(target_id)
        if target_id in codebook.descendants(source_id):
            raise CodebookError("a tag cannot be merged into one of its own children")
        changed: set[str] = set()
        with self._change(f"merge tag {source.name} into {target.name}"):
            # Only tags outside the source's subtree receive merges: the subtree is what moves.
            moving = {source_id} | codebook.descendants(source_id)
            self._merge_into(source_id, target_id, moving, changed)
        return len(changed)

    def _merge_into(
        self, source_id: str, target_id: str, moving: set[str], changed: set[str]
    ) -> None:
        """Merge one tag into another inside the current step; `changed` gathers passage ids."""
        for record in self._raw_all(ANNOTATIONS):
            if source_id in record["tags"]:
                tags = [target_id if t == source_id else t for t in record["tags"]]
                record["tags"] = list(dict.fromkeys(tags))
                record["updated"] = utc_now()
                self._set(ANNOTATIONS, record["id"], record)
                changed.add(record["id"])
        codebook = self._codebook_now()
        for child in codebook.children(source_id):
            namesake = next(
                (other for other in codebook.children(target_id)
                 if other.id not in moving and other.name.casefold() == child.name.casefold()),
                None,
            )
            if namesake is None:
                self._set(TAGS, child.id, child.evolve(parent=target_id).to_record())
            else:
                self._merge_into(child.id, namesake.id, moving, changed)
        source, target = codebook.get(source_id), self._codebook_now().get(target_id)
        if source.hotkey is not None and target.hotkey is None:
            self._set(TAGS, target_id, target.evolve(hotkey=source.hotkey).to_record())
        self._set(TAGS, source_id, None)

    def delete_tag(self, tag_id: str) -> int:
        """Delete a tag: children move up, passages lose it (and go if nothing is left)."""
        tag = self.codebook().get(tag_id)
        changed = 0
        with self._change(f"delete tag {tag.name}"):
            for record in self._raw_all(ANNOTATIONS):
                if tag_id in record["tags"]:
                    record["tags"] = [t for t in record["tags"] if t != tag_id]
                    record["updated"] = utc_now()
                    keep = record["tags"] or record["memo"].strip()
                    self._set(ANNOTATIONS, record["id"], record if keep else None)
                    changed += 1
            for child in self._codebook_now().children(tag_id):
                self._set(TAGS, child.id, child.evolve(parent=tag.parent).to_record())
            self._set(TAGS, tag_id, None)
        return changed

    # ------------------------------------------------------------------ annotations

    def annotations(
        self, *, document: str | None = None, tag: str | None = None
    ) -> list[Annotation]:
        """Annotations in document order, optionally of one document and/or tag (id)."""
        self.refresh()
        if ANNOTATIONS not in self._cache and document is not None:
            # One document's passages without converting every record of the database.
            rows = (self._storage.read() or {}).get(ANNOTATIONS, {}).values()
            mine = [Annotation.from_record(r) for r in rows if r["document"] == document]
            mine.sort(key=lambda a: (a.start, a.end, a.created))
            return [a for a in mine if tag is None or tag in a.tags]
        if ANNOTATIONS not in self._cache:
            every = [Annotation.from_record(r) for r in self._raw_all(ANNOTATIONS)]
            every.sort(key=lambda a: (a.document, a.start, a.end, a.created))
            self._cache[ANNOTATIONS] = every
        selected: list[Annotation] = self._cache[ANNOTATIONS]
        if document is not None:
            selected = [a for a in selected if a.document == document]
        if tag is not None:
            selected = [a for a in selected if tag in a.tags]
        return list(selected)

    def get_annotation(self, annotation_id: str) -> Annotation:
        self.refresh()
        record = self._raw(ANNOTATIONS, annotation_id)
        if record is None:
            raise StoreError(f"no annotation with id {annotation_id}")
        return Annotation.from_record(record)

    def add_annotation(
        self,
        document_id: str,
        text: str,
        start: int,
        end: int,
        *,
        tags: Sequence[str] = (),
        memo: str = "",
    ) -> Annotation:
        """Code `text[start:end]` of a document with tags (ids) and/or a memo."""
        if not tags and not memo.strip():
            raise StoreError("a passage needs at least one tag or a memo")
        try:
            anchor = make_anchor(text, start, end)
        except AnchorError as error:
            raise StoreError(str(error)) from None
        with self._change("add annotation"):
            if self._raw(DOCUMENTS, document_id) is None:
                raise StoreError(f"no document with id {document_id}")
            self._require_tags(tags)
            now = utc_now()
            annotation = Annotation(
                id=_new_id(), document=document_id, start=anchor.start, end=anchor.end,
                quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix,
                tags=tuple(dict.fromkeys(tags)), memo=memo, annotator=self.annotator,
                created=now, updated=now,
            )
            self._set(ANNOTATIONS, annotation.id, annotation.to_record())
        return annotation

    def _require_tags(self, tags: Sequence[str]) -> None:
        codebook = self._codebook_now()
        for tag_id in tags:
            codebook.get(tag_id)

    def update_annotation(
        self,
        annotation_id: str,
        *,
        tags: Sequence[str] | None = None,
        memo: str | None = None,
        span: tuple[str, int, int] | None = None,
        label: str = "edit annotation",
    ) -> Annotation | None:
        """Change tags, memo or span (`(text, start, end)`); None when nothing is left of it.

        An annotation left with neither tags nor memo is removed, in the same step.
        """
        with self._change(label):
            record = self._raw(ANNOTATIONS, annotation_id)
            if record is None:
                raise StoreError(f"no annotation with id {annotation_id}")
            annotation = Annotation.from_record(record)
            if tags is not None:
                self._require_tags(tags)
                annotation = annotation.evolve(tags=tuple(dict.fromkeys(tags)))
            if memo is not None:
                annotation = annotation.evolve(memo=memo)
            if span is not None:
                try:
                    anchor = make_anchor(*span)
                except AnchorError as error:
                    raise StoreError(str(error)) from None
                annotation = annotation.evolve(
                    start=anchor.start, end=anchor.end, quote=anchor.quote,
                    prefix=anchor.prefix, suffix=anchor.suffix, needs_reanchor=False,
                )
            if not annotation.tags and not annotation.memo.strip():
                self._set(ANNOTATIONS, annotation_id, None)
                return None
            annotation = annotation.evolve(updated=utc_now())
            self._set(ANNOTATIONS, annotation_id, annotation.to_record())
        return annotation

    def toggle_tag(self, annotation_id: str, tag_id: str) -> Annotation | None:
        """Add the tag to the annotation, or take it off if it has it."""
        current = self.get_annotation(annotation_id)
        if tag_id in current.tags:
            tags = tuple(t for t in current.tags if t != tag_id)
        else:
            tags = (*current.tags, tag_id)
        return self.update_annotation(annotation_id, tags=tags, label="toggle tag")

    def delete_annotation(self, annotation_id: str) -> None:
        with self._change("delete annotation"):
            if self._raw(ANNOTATIONS, annotation_id) is None:
                raise StoreError(f"no annotation with id {annotation_id}")
            self._set(ANNOTATIONS, annotation_id, None)

    def put_annotation(self, annotation: Annotation) -> None:
        """Store an annotation as given (an import), replacing one with the same id."""
        if not annotation.tags and not annotation.memo.strip():
            raise StoreError("a passage needs at least one tag or a memo")
        with self._change("import annotation"):
            if self._raw(DOCUMENTS, annotation.document) is None:
                raise StoreError(f"no document with id {annotation.document}")
            self._require_tags(annotation.tags)
            self._set(ANNOTATIONS, annotation.id, annotation.to_record())

    def annotation_counts(self) -> dict[str, int]:
        """How many passages each tag (id) has."""
        self.refresh()
        counts: dict[str, int] = {}
        # Straight from the records: converting 20,000 of them would take a quarter second.
        for record in (self._storage.read() or {}).get(ANNOTATIONS, {}).values():
            for tag_id in record["tags"]:
                counts[tag_id] = counts.get(tag_id, 0) + 1
        return counts
