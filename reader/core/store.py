"""The annotation store: a catalogue file plus a folder of per-document files, and a journal.

This is the only module that knows the database's files. The catalogue (`annotations.json`:
meta, documents, the codebook) sits where `--db` points; beside it, `annotations.json.d/` holds
one TinyDB JSON file per document for its passages, the undo history, and an append-only
journal. Every change is a step: applied in memory, appended to the journal as one checksummed,
fsynced line (the commit point, however many files the step spans), then written to the files it
touched (the catalogue, which grows with the corpus, mostly in place: only its bytes from the
step's first change on). A crash at any moment leaves whole files, or a catalogue cut mid-write
that its copy and the journal make again, and a journal whose lines are replayed on open, so no
acknowledged step is lost and none is left half-applied. The history is written from the
journal when the journal is compacted. A command on one document reads the catalogue, the journal
and that document's file; its cost follows that document, not the corpus.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import re
import threading
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from hashlib import sha1
from pathlib import Path
from typing import Any, Literal

import orjson
from filelock import FileLock, Timeout
from tinydb import Storage, TinyDB
from tinydb.table import Document as TinyDBDocument
from tinydb.table import Table

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
    fsync_directory,
    fsync_file,
    leftover_temp_files,
    link_over,
    overwrite_from,
    parse_json_strict,
    read_regular_file,
    refuse_non_finite,
    same_file,
)
from reader.core.filepaths import resolved_path
from reader.core.journal import (
    DONE,
    WRITTEN,
    JournalContents,
    JournalDamagedError,
    append_entry,
    mark_line,
    read_journal,
    truncate_to,
    write_new_journal,
)
from reader.core.models import Annotation, Document, Tag, utc_now
from reader.core.passage_facts import (
    FACTS_CACHE_NAME,
    FactsCache,
    PassageFacts,
    Signature,
    facts_of,
    settled,
)
from reader.core.passage_facts import file_signature as facts_file_signature
from reader.core.read_model import ReadModel
from reader.core.text import DocumentText

SCHEMA_VERSION = 2
"""1: one TinyDB file holding every table; 2: a catalogue plus a folder of per-document files."""
HISTORY_LIMIT = 1000
HISTORY_BYTES_LIMIT = 4 * 1024 * 1024
"""The undo history keeps at most this many bytes of steps (the oldest go first); a single step
larger than this (a huge import) is kept as a marker that stops undo, not as its records."""
CHECKPOINT_STEPS = 64
"""Steps whose files may wait in the system's cache before they are flushed to disk and the
journal marks them done. Each step's journal line is flushed at once, and a step not marked
done is applied again from the journal on the next open, so waiting loses nothing; it spares
every step the flush of every file it wrote (the catalogue grows with the corpus, and flushing
it at each of a thousand registrations made registering quadratic)."""
JOURNAL_COMPACT_BYTES = 256 * 1024
"""Past this size the journal is compacted: the history is written and the journal restarts."""
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

# The files of a database, as the journal names them.
CATALOGUE_FILE = "catalogue"
HISTORY_FILE = "history"
PASSAGES_PREFIX = "passages/"
_CATALOGUE_TABLES = (META, DOCUMENTS, TAGS)

IN_PLACE = "in_place"
"""What a step's journal line lists the files it may write in place under: whoever finds the
step not marked written makes them again (a write in place cut short leaves a file cut)."""
IN_PLACE_FILES = "in_place_files"
"""With IN_PLACE, the inode of each file the step writes in place: only that file is made again
or checked against its copy and the journal, not one put in its place since (`git checkout`
renames a new file into place)."""
_WRITTEN_IN_PLACE = frozenset({CATALOGUE_FILE})
"""The files a step may write in place, only its bytes from the first change on: the catalogue,
which grows with the corpus and is written at every registration (rewriting it whole made
registering documents one by one quadratic). A document's file is written whole."""


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


def backup_path_for(path: Path) -> Path:
    """The copy of a database file as it was before its last saved change."""
    return path.with_name(path.name + ".bak")


def flushed_path_for(path: Path) -> Path:
    """A database file as the last checkpoint flushed it to disk, kept while newer versions
    of it wait to be flushed (see CHECKPOINT_STEPS)."""
    return path.with_name(path.name + ".flushed")


def lock_path_for(db: Path) -> Path:
    """The file processes lock to take turns writing the database."""
    return db.with_name(db.name + ".lock")


def folder_for(db: Path) -> Path:
    """The folder beside the catalogue holding the per-document files, history and journal."""
    return db.with_name(db.name + ".d")


def journal_path_for(db: Path) -> Path:
    return folder_for(db) / "journal"


def history_path_for(db: Path) -> Path:
    return folder_for(db) / "history.json"


def single_file_backup_for(db: Path) -> Path:
    """Where a database of the single-file layout is kept when converted to the folder layout."""
    return db.with_name(db.name + ".v1-backup")


_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _file_stem(document_id: str) -> str:
    """A document's file name: its id when that is a safe name (ids are UUIDs), else a hash."""
    if _SAFE_FILE_NAME.fullmatch(document_id):
        return document_id
    return "id-" + sha1(document_id.encode("utf-8", "surrogatepass")).hexdigest()


def passages_path_for(db: Path, document_id: str) -> Path:
    """The file holding one document's passages."""
    return folder_for(db) / "passages" / f"{_file_stem(document_id)}.json"


def _passages_key(document_id: str) -> str:
    return PASSAGES_PREFIX + document_id


GITIGNORE = """\
# What reader keeps here only for this machine: keep the rest (the catalogue beside this folder
# and passages/) in git to share the database with a team.
journal
history.json
counts.json
facts.json
*.bak
*.flushed
*.corrupt-*
.*.tmp
"""


# What earlier versions wrote as the folder's .gitignore: brought up to date (one the user
# changed is theirs, and left alone).
_OLDER_GITIGNORES = (GITIGNORE.replace("facts.json\n", "").replace("*.flushed\n", ""),)


def aside_prefix_for(db: Path) -> str:
    """How the names of damaged databases moved aside begin (a timestamp follows)."""
    return f"{db.name}.corrupt-"


def own_file_role(candidate: Path, db: Path) -> str | None:
    """What `candidate` is to the store of the database `db` if it is one of its files, else None.

    Compared as files: the same inode (through a symbolic or a hard link) or, for a file not
    there yet, the same path once `..` and links are resolved. A damaged database moved aside
    counts too: it may hold the only copy of a change. Anything in the database's folder does.
    """
    roles = {
        "the annotation database": db,
        "the database's backup copy": backup_path_for(db),
        "the database's last flushed copy": flushed_path_for(db),
        "the database's lock file": lock_path_for(db),
        "the database's copy from before its conversion": single_file_backup_for(db),
        "the database's folder": folder_for(db),
    }
    if "\0" in str(candidate):  # no file can have that name
        return None
    for role, own in roles.items():
        if same_file(candidate, own):
            return role
    resolved = Path(os.path.realpath(candidate))
    folder = folder_for(Path(os.path.realpath(db)))
    if folder in resolved.parents:
        return "a file in the database's folder"
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
    """What a write changes, for the files this store holds and the journal while it runs. The
    caches beside the files, whose entries are trusted across runs and hand edits, use a longer
    one (`passage_facts.file_signature`, with the change time, which `touch` cannot set back)."""
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _new_catalogue() -> dict[str, Any]:
    return {META: {"1": {"schema_version": SCHEMA_VERSION, "created": utc_now(),
                         "database": _new_id()}},
            DOCUMENTS: {}, TAGS: {}}


def _meta_record(data: Mapping[str, Any]) -> dict[str, Any] | None:
    meta = data.get(META)
    if isinstance(meta, dict):
        for record in meta.values():
            if isinstance(record, dict):
                return record
    return None


def database_identity(data: Mapping[str, Any]) -> str | None:
    """The id a database is given when created (or first written), so that a different database
    put in its place is noticed; None for a file from before databases had one."""
    record = _meta_record(data) or {}
    identity = record.get("database")
    return identity if isinstance(identity, str) else None


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


# Each entry turns a single-file database of version N into version N + 1, in place. Version 1
# becomes 2 by `split_single_file`, which turns one file's tables into the folder's files.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], None]] = {0: _migrate_0_to_1}


def check_schema(data: Mapping[str, Any]) -> int:
    """The schema version of a catalogue (or single file); a newer one than ours is refused."""
    version = _schema_version(data)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"the database has schema version {version}, but this reader knows only up to "
            f"{SCHEMA_VERSION}: upgrade reader to open it"
        )
    return version


def migrate(data: dict[str, Any]) -> bool:
    """Bring a single-file database to schema 1 in place (the last single-file version); whether
    anything changed. `split_single_file` takes it on to the folder layout."""
    version = check_schema(data)
    changed = False
    while version < 1:
        MIGRATIONS[version](data)
        version += 1
        changed = True
    return changed


@dataclass
class SplitDatabase:
    """A single-file database divided into the files of the folder layout (file key -> tables)."""

    catalogue: dict[str, Any]
    history: dict[str, Any]
    passages: dict[str, dict[str, Any]]


def split_single_file(data: dict[str, Any]) -> SplitDatabase:
    """Divide a schema-1 database into a catalogue, a history and one table per document, keeping
    every record as it is (and each table's record numbers, so nothing is renumbered)."""
    migrate(data)
    catalogue = {table: dict(data.get(table, {})) for table in _CATALOGUE_TABLES}
    for record in catalogue[META].values():
        record["schema_version"] = SCHEMA_VERSION
        record.setdefault("database", _new_id())
        record.pop("generation", None)  # rewritten on every save: noise in a diff
    passages: dict[str, dict[str, Any]] = {}
    for key, record in data.get(ANNOTATIONS, {}).items():
        passages.setdefault(record["document"], {})[key] = record
    steps: dict[str, Any] = {}
    for record in sorted(data.get(HISTORY, {}).values(), key=lambda r: r["seq"]):
        seq = record["seq"]
        while str(seq) in steps:  # (never made by reader; kept rather than dropped)
            seq += 1
        steps[str(seq)] = {**record, "seq": seq}
    return SplitDatabase(
        catalogue=catalogue,
        history={HISTORY: steps},
        passages={document: {ANNOTATIONS: rows} for document, rows in passages.items()},
    )


def _record_id(table: str, key: str, record: dict[str, Any]) -> str:
    if table == HISTORY:
        return str(record["seq"])
    if table == META:
        return key
    return str(record["id"])


class _LineFileStorage(Storage):
    """TinyDB's storage for one file of the database, in the format a team can keep in git.

    TinyDB reads and writes all of a file's tables at once on every change; here those reads
    and writes stay in memory, and `save` alone writes the file to disk, so that the store
    writes a file only after the journal's commit point, and each file once per step however
    many records the step changed.
    """

    def __init__(self, path: Path | None = None, tables: dict[str, Any] | None = None) -> None:
        self.path = path
        self._tables = tables
        # Each table's lines as last dumped, in the table's order, once the file is dumped a
        # second time (the catalogue is written at every step: serialising its every record
        # each time made registering documents one by one quadratic), with the bytes they
        # add up to. `forget` marks a changed record's line to be made again, `reshape` a
        # table whose records were removed; records added since are at the table's end.
        self._lines: dict[str, dict[str, bytes]] | None = None
        self._line_bytes: dict[str, int] = {}
        self._changed: dict[str, set[str]] = {}
        self._reshaped: set[str] = set()
        self._dumped_tables: list[str] | None = None
        self._dumped = False
        self._dumped_length = 0
        # The file this storage last wrote and its signature then: while the file on disk
        # still has it, the bytes on disk are the last dump's, and a change can be written as
        # the bytes from its first difference on (`save(in_place=True)`).
        self.written: tuple[Path, tuple[int, int, int] | None] | None = None

    def forget(self, table: str, key: str) -> None:
        """The record under `key` changed: its line is serialised again at the next dump."""
        if self._lines is not None and key in self._lines.get(table, {}):
            self._changed.setdefault(table, set()).add(key)

    def reshape(self, table: str) -> None:
        """A record of `table` was removed: its lines are made again at the next dump."""
        self._reshaped.add(table)

    def read(self) -> dict[str, Any] | None:
        if self._tables is None and self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._tables = self.parse(read_regular_file(self.path))
        return self._tables

    def write(self, data: dict[str, Any]) -> None:
        if data is not self._tables:
            # Other tables: no line kept is theirs, and the file on disk is not theirs either.
            self._lines, self._changed, self._reshaped = None, {}, set()
            self._dumped_tables, self.written = None, None
        self._tables = data

    @staticmethod
    def parse(raw: bytes) -> Any:
        """A file's tables (strict JSON: a duplicate key or NaN is damage, not data)."""
        return parse_json_strict(raw)

    def dump(self) -> bytes:
        """The file: tables in name order, one record per line, each record's keys sorted, so a
        change shows in a diff as the lines of the records it changed. The comma between records
        opens the next line rather than closing the previous one, so a record added at the end
        is one new line and leaves the line before it alone (two coders' additions merge)."""
        return b"".join(self._render(whole=True)[1])

    def dump_changes(self) -> tuple[int, bytes]:
        """The file as it differs from the last dump: (offset, bytes), the last dump's first
        `offset` bytes followed by these being the file. What it costs follows what changed
        (a record added at a table's end: its line and the tables after), not the file."""
        offset, parts = self._render(whole=False)
        return offset, b"".join(parts)

    def _render(self, *, whole: bool) -> tuple[int, list[bytes]]:
        """(offset, parts): the file from `offset` on, joined; offset 0 when `whole`, or when
        the last dump's layout is not known (the first dumps, tables added or taken away)."""
        tables = self._tables or {}
        if self._dumped and self._lines is None:
            self._lines = {}
        self._dumped = True
        lines = self._lines
        names = sorted(tables)
        if lines is None:  # a file written once keeps no lines
            parts = [b"{\n"]
            for number, name in enumerate(names):
                rows = tables[name]
                parts += [_table_head(name, number),
                          b"\n,".join(_record_line(key, record) for key, record in rows.items()),
                          b"\n}\n" if rows else b"}\n"]
            parts.append(b"}\n")
            self._dumped_length = sum(map(len, parts))
            return 0, parts
        firsts = {name: self._update_lines(lines, name, tables[name]) for name in names}
        for gone in [name for name in lines if name not in tables]:
            del lines[gone]
            self._line_bytes.pop(gone, None)
        start: int | None = 0 if whole or names != self._dumped_tables else None
        self._dumped_tables = names
        parts = [b"{\n"] if start == 0 else []
        offset = 2  # where the table being looked at begins, while nothing before it changed
        for number, name in enumerate(names):
            head, kept = _table_head(name, number), lines[name]
            foot = b"\n}\n" if kept else b"}\n"
            first = firsts[name]
            if start is None and first is None:
                offset += len(head) + self._line_bytes[name] + 2 * max(len(kept) - 1, 0) + len(
                    foot)
                continue
            if start is None:
                assert first is not None
                index, before = first
                # From the separator ahead of the first changed line (none ahead of the first).
                start = offset + len(head) + before + 2 * index - (2 if index else 0)
                parts += [b"\n," if index else b"",
                          b"\n,".join(itertools.islice(kept.values(), index, None)), foot]
            else:
                parts += [head, b"\n,".join(kept.values()), foot]
        parts.append(b"}\n")
        if start is None:  # nothing changed
            start, parts = self._dumped_length, []
        self._dumped_length = start + sum(map(len, parts))
        return start, parts

    def _update_lines(
        self, lines: dict[str, dict[str, bytes]], table: str, rows: dict[str, Any]
    ) -> tuple[int, int] | None:
        """Bring a table's kept lines up to date: made again where a record changed or was
        added at the end (all of them when records were removed). Where the first changed line
        is, as (its index, the bytes of the lines before it), or None when none changed."""
        kept = lines.get(table)
        changed = self._changed.pop(table, set())
        if kept is None or table in self._reshaped or not _only_added_to(kept, rows) or (
            not changed <= rows.keys()
        ):
            self._reshaped.discard(table)
            kept = lines[table] = {key: _record_line(key, rows[key]) for key in rows}
            self._line_bytes[table] = sum(map(len, kept.values()))
            return 0, 0
        size, count = self._line_bytes[table], len(kept)
        remade = set()
        for key in changed:
            line = _record_line(key, rows[key])
            if line != kept[key]:
                size += len(line) - len(kept[key])
                kept[key] = line
                remade.add(key)
        for key in _added_keys(kept, rows):
            kept[key] = line = _record_line(key, rows[key])
            size += len(line)
        added_from, self._line_bytes[table] = self._line_bytes[table], size
        if remade:
            before = 0
            for index, (key, line) in enumerate(kept.items()):
                if key in remade:
                    return index, before
                before += len(line)
        if len(kept) > count:
            return count, added_from
        return None

    def save(self, path: Path | None = None, *, keep_previous: Path | None = None,
             sync: bool = True, in_place: bool = False) -> None:
        """Write the file whole, by an atomic rename of a new file (flushed to disk unless not
        `sync`). Private unless the user opened it up: it holds what people said in interviews.

        `in_place`: when the file is still the one this storage last wrote (and no other name
        links to it), write over it only the bytes from the first change on (no `.bak` is
        kept then). A crash may cut such a write short: for files the store can make again
        from a copy and its journal (see `AnnotationStore._rebuild_written_in_place`)."""
        target = path if path is not None else self.path
        assert target is not None, "a file written needs a path"
        if in_place and self.written is not None and self.written == (
            target, _file_signature(target)
        ):
            written_length = self._dumped_length
            offset, tail = self.dump_changes()
            # Only when that is the lesser part of the file: the whole is written atomically.
            if offset and len(tail) <= offset and overwrite_from(
                target, offset, tail, expected_length=written_length
            ):
                self.written = (target, _file_signature(target))
                return
        atomic_write_bytes(target, self.dump(), keep_previous=keep_previous, private=True,
                           sync=sync)
        self.written = (target, _file_signature(target))


def _by_record_id(tables: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A file's records by their ids, whatever their numbers in the file."""
    return {name: {_record_id(name, key, record): record for key, record in rows.items()}
            for name, rows in tables.items()}


def _table_head(name: str, number: int) -> bytes:
    return (b"," if number else b"") + orjson.dumps(name) + b": {\n"


def _only_added_to(kept: dict[str, bytes], rows: dict[str, Any]) -> bool:
    """Whether `rows` are the records `kept` has lines for, in that order, and then some: the
    last one kept is where it was, that many records from the end (records are only ever added
    at a table's end; a removal is told by `reshape`)."""
    added = len(rows) - len(kept)
    if added < 0:
        return False
    if not kept:
        return True
    from_end = reversed(rows)
    for _ in range(added):
        next(from_end)
    return next(from_end) == next(reversed(kept))


def _added_keys(kept: dict[str, bytes], rows: dict[str, Any]) -> list[str]:
    """The keys of the records added at the table's end since its lines were kept."""
    added = list(itertools.islice(reversed(rows), len(rows) - len(kept)))
    added.reverse()
    return added


def _record_line(key: str, record: Any) -> bytes:
    return orjson.dumps(key) + b": " + orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def read_database_file(path: Path) -> dict[str, dict[str, Any]]:
    """The tables of one database file, read by TinyDB (record numbers as TinyDB keys)."""
    database = TinyDB(path, storage=_LineFileStorage)
    return {name: {str(record.doc_id): dict(record) for record in database.table(name)}
            for name in database.tables()}


def write_database_file(path: Path, tables: Mapping[str, Mapping[str, Any]]) -> None:
    """Write tables to one database file through TinyDB, in the store's format."""
    database = TinyDB(path, storage=_LineFileStorage, tables={})
    for name, rows in tables.items():
        database.table(name).insert_multiple(
            TinyDBDocument(record, doc_id=int(key)) for key, record in rows.items()
        )
    storage: _LineFileStorage = database.storage  # type: ignore[assignment]
    storage.save()


def _numbered_canonically(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The tables with each record's number written as TinyDB writes it ("7", not "007", which
    a hand edit may leave): TinyDB renumbers such keys on its first change, here on reading."""
    for name, rows in tables.items():
        if any(key != str(int(key)) for key in rows):
            tables[name] = {str(int(key)): record for key, record in rows.items()}
    return tables


def _replaced_by(record: dict[str, Any]) -> Callable[[MutableMapping[str, Any]], None]:
    """A TinyDB update that makes a record be `record`, not `record` merged into it (a field
    left out is gone), keeping its place in the file."""

    def replace(stored: MutableMapping[str, Any]) -> None:
        stored.clear()
        stored.update(record)

    return replace


class _NumberedRows(MutableMapping[int, Any]):
    """A table's records as TinyDB's changes see them (by number), over the storage's own dict
    (by the number as a string, as JSON keys are), so that a change touches only its record."""

    def __init__(self, rows: dict[str, Any], removed: Callable[[], None]) -> None:
        self._rows = rows
        self._removed = removed

    def __getitem__(self, number: int) -> Any:
        return self._rows[str(number)]

    def __setitem__(self, number: int, record: Any) -> None:
        self._rows[str(number)] = record

    def __delitem__(self, number: int) -> None:
        del self._rows[str(number)]
        self._removed()

    def __contains__(self, number: object) -> bool:
        return str(number) in self._rows

    def __iter__(self) -> Iterator[int]:
        return (int(key) for key in self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class _InPlaceTable(Table):
    """TinyDB's Table, changing its records in place. TinyDB's own `_update_table` copies the
    whole table twice on every change (numbering its keys as ints, then as strings again); for
    an import of many passages that is most of the time the import takes."""

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        tables = self._storage.read()
        if tables is None:
            tables = {}
        storage: _LineFileStorage = self._storage  # type: ignore[assignment]
        rows = _NumberedRows(tables.setdefault(self.name, {}), lambda: storage.reshape(self.name))
        updater(rows)  # type: ignore[arg-type]
        self._storage.write(tables)
        self.clear_cache()

    def put(self, doc_id: int, record: dict[str, Any]) -> None:
        """Add a record under a number known to be free. TinyDB's `insert` checks its argument
        is a Mapping (an abstract class check, slow enough to show in a 100,000-row import)
        and copies it; the store hands over a plain dict of this file's own (a copy of what
        the journal holds, which a later change must not reach)."""

        def add(rows: MutableMapping[int, Any]) -> None:
            rows[doc_id] = record

        self._update_table(add)


class _Database(TinyDB):
    table_class = _InPlaceTable

    def table(self, name: str, **kwargs: Any) -> _InPlaceTable:
        return super().table(name, **kwargs)  # type: ignore[return-value]


class _TableFile:
    """One JSON file of TinyDB tables, held by TinyDB over `_LineFileStorage`, with an index of
    each table's record ids (a document's id, a step's number) to TinyDB's document ids."""

    def __init__(self, key: str, tables: dict[str, dict[str, Any]]) -> None:
        self.key = key
        self.database = _Database(storage=_LineFileStorage, tables=_numbered_canonically(tables))
        self.storage: _LineFileStorage = self.database.storage  # type: ignore[assignment]
        self.ids: dict[str, dict[str, int]] = {}
        self.next_key: dict[str, int] = {}
        for table in tables:
            self._index(table)

    @property
    def rows(self) -> dict[str, dict[str, Any]]:
        """Every table as TinyDB's storage holds it (record number -> record)."""
        return self.storage.read() or {}

    def _index(self, table: str) -> None:
        if table not in self.rows:
            self.database.table(table).truncate()  # a table made empty, as TinyDB makes one
        rows = self.rows[table]
        self.ids[table] = {_record_id(table, key, record): int(key) for key, record in rows.items()}
        self.next_key[table] = max((int(key) for key in rows), default=0) + 1

    def get(self, table: str, record_id: str) -> dict[str, Any] | None:
        doc_id = self.ids.get(table, {}).get(record_id)
        return None if doc_id is None else self.database.table(table).get(doc_id=doc_id)

    def set(self, table: str, record_id: str, record: dict[str, Any] | None) -> None:
        """Make the record with this id be `record` (None deletes it)."""
        if table not in self.ids:
            self._index(table)
        rows, ids = self.database.table(table), self.ids[table]
        doc_id = ids.get(record_id)
        if doc_id is not None:
            self.storage.forget(table, str(doc_id))
        if record is None:
            if doc_id is not None:
                rows.remove(doc_ids=[doc_id])
                del ids[record_id]
            return
        if doc_id is not None:
            rows.update(_replaced_by(record), doc_ids=[doc_id])
            return
        if table == HISTORY:  # numbered by step, so a diff of the file reads in order
            doc_id = int(record_id)
        else:
            doc_id = self.next_key[table]
            self.next_key[table] += 1
        ids[record_id] = doc_id
        rows.put(doc_id, record)

    def values(self, table: str) -> Iterable[dict[str, Any]]:
        return self.database.table(table)

    def dump(self) -> bytes:
        return self.storage.dump()

    def save(self, path: Path, *, keep_previous: Path | None = None,
             sync: bool = True, in_place: bool = False) -> None:
        self.storage.save(path, keep_previous=keep_previous, sync=sync, in_place=in_place)


def _parse_file(key: str, raw: bytes) -> dict[str, Any]:
    """A file's tables, parsed and checked. A catalogue of a newer schema is refused
    (NewerSchemaError) before its shape is judged: it is left untouched, never "repaired"."""
    data = _LineFileStorage.parse(raw)
    if key == CATALOGUE_FILE and isinstance(data, dict):
        check_schema(data)
    return _check_file_shape(key, data)


def _check_file_shape(key: str, data: Any) -> dict[str, Any]:
    """`_check_shape`, plus: a file holds only the tables of its kind."""
    checked = _check_shape(data)
    if key == CATALOGUE_FILE:
        return checked
    allowed = {HISTORY} if key == HISTORY_FILE else {ANNOTATIONS}
    extra = set(checked) - allowed
    if extra:
        raise CorruptFileError(f"holds tables that belong elsewhere ({', '.join(sorted(extra))})")
    return checked


@dataclass(frozen=True)
class _Copy:
    """A good copy of a database file: where it is, its bytes, and its tables."""

    path: Path
    raw: bytes
    tables: dict[str, Any]


_OPEN_STORES: weakref.WeakSet[AnnotationStore] = weakref.WeakSet()


@atexit.register
def _checkpoint_open_stores() -> None:
    """At exit, flush what each store wrote and mark it done, so the next open finds the journal
    finished (a process killed instead leaves that to the next open)."""
    for store in list(_OPEN_STORES):
        store.checkpoint()


class AnnotationStore:
    """Documents, the codebook and annotations, with undo, in a crash-safe database.

    `origin` names who makes the changes ("cli", or a window's `window_origin()`): undo takes back
    the newest step of the same origin. `notices` collects what the user must be told (a corrupt
    file moved aside, say). A database on read-only media (or in a read-only folder or file) opens
    for reading, without the lock (writes are atomic renames and journal appends, so a reader
    never sees half a file, but for a catalogue being written in place, which its copy and the
    journal then make again in memory); `read_only_reason` then says why, and every change is
    refused with `StoreReadOnlyError`. `revision` grows whenever what the store holds changes,
    so a view built from it is rebuilt only then.
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
        # A database reached through a link: its catalogue is written through the link, and its
        # folder and lock are those beside the file linked to, shared with every other path.
        self._real = Path(os.path.realpath(self.path))
        self.folder = folder_for(self._real)
        self.origin = origin
        self.annotator = annotator
        self.notices: list[str] = []
        self.read_only_reason: str | None = None
        self.revision = 0
        self._replaced = False
        self._lock = FileLock(
            str(lock_path_for(self._real)),
            timeout=lock_timeout,
            thread_local=False,
        )
        self._mutex = threading.RLock()
        # The files read so far (the catalogue always; a document's when it is asked for), and
        # the signature each had on disk when read or written here.
        self._files: dict[str, _TableFile] = {}
        self._paths: dict[str, Path] = {}
        self._signatures: dict[str, tuple[int, int, int] | None] = {}
        self._identity: str | None = None
        self._journal: JournalContents | None = None
        self._journal_signature: tuple[int, int, int] | None = None
        self._step: _PendingStep | None = None
        # The journal changes of the step being made, and the files they touch, in order.
        self._pending: list[list[Any]] = []
        self._touched: dict[str, None] = {}
        # Indexes, rebuilt only for what changed.
        self._documents: dict[str, Document] | None = None
        self._documents_sorted: list[Document] | None = None
        self._by_path: dict[str, Document] = {}
        self._by_hash: dict[str, list[Document]] = {}
        self._codebook: Codebook | None = None
        self._sorted: dict[str, list[Annotation]] = {}
        self._counts: dict[str, Counter[str]] = {}
        self._counts_cache: dict[str, list[Any]] | None = None
        self._home: dict[str, str] = {}
        self._homes_complete = False
        # Moves whenever what is on disk may differ from what this store last read (a file read,
        # another process's step): the tag counts of the documents not held are kept until then.
        self._disk_generation = 0
        self._changed_since_sync = False
        self._unheld_counts: tuple[object, Counter[str]] | None = None
        # The passages folder as last seen, or as this store's own writes left it.
        self._passages_folder_seen: tuple[int, int, int] | None = None
        # The files whose `.flushed` copy this store made since the last checkpoint: (the
        # journal's epoch, its length then). Only such a file may be written in place.
        self._flushed_here: dict[str, tuple[str, int]] = {}
        self._open()
        _OPEN_STORES.add(self)

    # ------------------------------------------------------------------ files and their paths

    def _file_path(self, key: str) -> Path:
        path = self._paths.get(key)
        if path is None:
            if key == CATALOGUE_FILE:
                path = self.path
            elif key == HISTORY_FILE:
                path = history_path_for(self._real)
            else:
                path = passages_path_for(self._real, key[len(PASSAGES_PREFIX):])
            self._paths[key] = path
        return path

    @staticmethod
    def _file_key(table: str, record: Mapping[str, Any] | None, record_id: str) -> str:
        if table in _CATALOGUE_TABLES:
            return CATALOGUE_FILE
        if table == HISTORY:
            return HISTORY_FILE
        assert record is not None, f"a passage's document is needed to find its file ({record_id})"
        return _passages_key(record["document"])

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
                    self._remove_leftover_temp_files()
                    if self._sync():
                        self._initialise()
                return
            except _LockUnavailableError as error:
                reason = error.reason
        self._open_read_only(reason)

    def _remove_leftover_temp_files(self) -> None:
        """Temporary files of writers that died (under the lock: no writer is at work)."""
        leftovers = leftover_temp_files(self.path)
        for directory in (self.folder, self.folder / "passages"):
            with contextlib.suppress(OSError):
                leftovers += [entry for entry in directory.iterdir()
                              if entry.name.startswith(".") and entry.name.endswith(".tmp")]
        for leftover in leftovers:
            with contextlib.suppress(OSError):
                leftover.unlink()

    def _why_read_only(self) -> str | None:
        """Why the database cannot be written where it is, or None when it can be."""
        if not can_write(self.path.parent):
            return f"its folder {self.path.parent} is read-only"
        if self.path.exists() and not can_write(self.path):
            return "the file is read-only"
        if self.folder.is_dir() and not can_write(self.folder):
            return f"its folder {self.folder} is read-only"
        return None

    def _open_read_only(self, reason: str) -> None:
        """Read the database without the lock; nothing will be written (not even a new one)."""
        self.read_only_reason = reason
        self._forget()
        self._sync()

    def _refuse_if_read_only(self) -> None:
        if self.read_only_reason is not None:
            raise StoreReadOnlyError(
                f"cannot save changes: the database {self.path} is read-only "
                f"({self.read_only_reason})"
            )

    def _initialise(self) -> None:
        # The default codebook is where a database starts, not something to undo.
        with self._change("create default codebook", undoable=False):
            for slot, (name, description) in enumerate(DEFAULT_TAGS, start=1):
                self._create_tag_path(name, description=description, hotkey=slot)

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

    def _forget(self) -> None:
        """Drop everything read, so the next sync reads the files again."""
        self._homes_complete = False
        self._home.clear()
        self._counts.clear()
        self._files.clear()
        self._signatures.clear()
        self._journal = None
        self._journal_signature = None
        self._invalidate()

    def _invalidate(self, document_id: str | None = None, *, catalogue: bool = True) -> None:
        """Drop indexes built from what changed: one document's passages, or everything (what
        the store holds changed: `revision` moves)."""
        if document_id is not None:
            self._sorted.pop(document_id, None)
            return
        self.revision += 1
        if catalogue:
            self._documents = None
            self._documents_sorted = None
            self._codebook = None
        self._sorted.clear()

    def _changed_on_disk(self) -> bool:
        if self._step is not None:
            return False  # inside a step the lock is held: nobody else writes
        if self._journal_signature != _file_signature(journal_path_for(self._real)):
            return True
        return any(
            _file_signature(self._file_path(key)) != signature
            for key, signature in self._signatures.items()
            if key != HISTORY_FILE
        )

    def _sync(self) -> bool:
        """Bring what is held up to date with the files (under the lock, unless read-only):
        recover damaged files, convert a single-file database, repair a step a crash cut short.
        Whether there was no database (a new one is to be made)."""
        entries_before = None if self._journal is None else self._journal
        seen = 0 if entries_before is None else len(entries_before.entries)
        self._read_journal()
        journal = self._journal
        if journal is not None and entries_before is not None and (
            journal.epoch == entries_before.epoch and len(journal.entries) >= seen
        ):
            written_since = {change[0] for entry in journal.entries[seen:]
                             for change in entry.get("changes", ())}
            # Another process's marks alone (its steps reached or were flushed to their files)
            # change nothing held here.
            self._changed_since_sync = any("changes" in entry
                                           for entry in journal.entries[seen:])
        else:
            written_since = None  # anything may have been written since
            self._changed_since_sync = journal is not entries_before
        if self._changed_since_sync:
            self._disk_generation += 1
        self._rebuild_written_in_place(opening=entries_before is None)
        is_new = self._sync_catalogue(
            written_since is not None and CATALOGUE_FILE not in written_since
        )
        if is_new:
            return True
        for key in list(self._files):
            if key in (CATALOGUE_FILE, HISTORY_FILE):
                continue
            if _file_signature(self._file_path(key)) != self._signatures.get(key):
                held = self._files.pop(key)
                for record in held.values(ANNOTATIONS):  # its passages are read again
                    self._home.pop(record["id"], None)
                # What is held is the newest copy only if no other process wrote it since.
                current = written_since is not None and key not in written_since
                self._load(key, held=held if current else None)
                self.revision += 1
        if journal is not None and (
            entries_before is None or entries_before.epoch != journal.epoch
            or len(entries_before.entries) != len(journal.entries)
        ):
            history = self._files.get(HISTORY_FILE)
            if history is not None:
                # Steps of other processes: the history holds them from the journal.
                same_epoch = entries_before is not None and entries_before.epoch == journal.epoch
                news = journal.entries[seen:] if same_epoch else None
                if news is None:
                    self._files.pop(HISTORY_FILE)
                else:
                    self._overlay_history(history, news)
        if entries_before is None:
            # Opening: a power cut may have kept a step's journal line and lost the files it
            # wrote before they were flushed. The steps since the last flush are applied again
            # (what the files have already changes nothing) and flushed, so that the next open
            # has none to look at (another process's next poll sees marks alone: no change).
            unflushed = self._unflushed_steps()
            self._finish_steps(unflushed)
            if unflushed and self.read_only_reason is None:
                self._checkpoint()
        else:
            self._finish_steps(self._unwritten_steps())  # a writer died before its files
        return False

    # ------------------------------------------------------------------ the journal

    def _read_journal(self) -> None:
        path = journal_path_for(self._real)
        signature = _file_signature(path)
        if self._journal is not None and signature == self._journal_signature:
            return
        try:
            raw = read_regular_file(path)
        except (FileNotFoundError, NotADirectoryError):
            self._journal = None  # made with the first change
            self._journal_signature = None
            return
        except OSError as error:
            raise StoreError(f"cannot read the journal {path}: {error.strerror}") from None
        try:
            contents = read_journal(raw)
        except JournalDamagedError as problem:
            contents = self._recover_journal(path, raw, problem)
        if contents.torn and self.read_only_reason is None:
            truncate_to(path, contents.good_length)  # a step whose writer died mid-append
            contents.torn = False
        self._journal = contents
        self._journal_signature = _file_signature(path)

    def _recover_journal(
        self, path: Path, raw: bytes, problem: JournalDamagedError
    ) -> JournalContents:
        """A journal damaged before its last line: its whole lines before the damage are used,
        the file is moved aside, and a new journal starts (the files themselves are whole)."""
        if self.read_only_reason is not None:
            raise StoreError(
                f"the journal {path} {problem}, and it cannot be repaired where it is "
                f"({self.read_only_reason})"
            ) from None
        lines = raw.splitlines(keepends=True)
        good = b""
        for line in lines:
            candidate = good + line
            try:
                read_journal(candidate)
            except JournalDamagedError:
                break
            good = candidate
        aside = path.with_name(f"journal.corrupt-{_timestamp_for_filename()}")
        os.replace(path, aside)
        self.notices.append(
            f"The journal of the database {self.path} {problem}. It was moved aside to {aside}; "
            "the database files are whole, and the steps before the damage were kept."
        )
        try:
            contents = read_journal(good)
        except JournalDamagedError:
            return JournalContents(epoch="", header={})
        atomic_write_bytes(path, good, private=True)
        contents.torn = False
        return contents

    def _ensure_journal(self) -> JournalContents:
        if self._journal is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._keep_gitignore_current()
            write_new_journal(journal_path_for(self._real), database=self._identity)
            self._journal = None
            self._read_journal()
            assert self._journal is not None
        return self._journal

    def _keep_gitignore_current(self) -> None:
        """Write the folder's .gitignore if it is missing or one an earlier version wrote (with
        each new journal: a database made then gets the files made since left out of git)."""
        gitignore = self.folder / ".gitignore"
        written: str | None
        try:
            written = gitignore.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            written = None if not gitignore.exists() else GITIGNORE  # (theirs: left alone)
        if written is None or written in _OLDER_GITIGNORES:
            atomic_write_bytes(gitignore, GITIGNORE.encode())

    def _overlay_history(self, history: _TableFile, entries: Iterable[dict[str, Any]]) -> None:
        for entry in entries:
            for key, table, record_id, record in entry.get("changes", ()):
                if key == HISTORY_FILE:
                    history.set(table, record_id, None if record is None else dict(record))

    def _steps_since(
        self, *marks: str, journal: JournalContents | None = None
    ) -> list[dict[str, Any]]:
        """The journal's steps (this store's, or `journal`'s) after its last line with one of
        these marks."""
        journal = self._journal if journal is None else journal
        if journal is None:
            return []
        steps: list[dict[str, Any]] = []
        for entry in reversed(journal.entries):
            if any(mark in entry for mark in marks):
                break
            if "changes" in entry:  # (not a mark of another kind)
                steps.append(entry)
        steps.reverse()
        return steps

    def _unwritten_steps(self) -> list[dict[str, Any]]:
        """Steps whose writer may have died between its commit and its file writes."""
        return self._steps_since(WRITTEN, DONE)

    def _unflushed_steps(self) -> list[dict[str, Any]]:
        """Steps whose files may not be flushed to disk yet (see CHECKPOINT_STEPS)."""
        return self._steps_since(DONE)

    def _finish_steps(self, steps: list[dict[str, Any]]) -> None:
        """Apply these steps of the journal to the files, in order (each holds whole records, so
        a step the files already have changes nothing), then mark them written. Documents read
        only for this are let go again."""
        if not steps:
            return
        held_before = set(self._files)
        touched: dict[str, None] = {}
        for entry in steps:
            for key, table, record_id, record in entry.get("changes", ()):
                if key == HISTORY_FILE:
                    continue
                file = self._file(key)
                if file.get(table, record_id) != record:
                    self._set_in_file(file, table, record_id,
                                      None if record is None else dict(record))
                    touched[key] = None
        if self.read_only_reason is None:
            unwritten = bool(self._unwritten_steps())
            self._write_files(touched, unflushed=self._files_of(self._unflushed_steps()))
            if unwritten:  # (no mark for steps already written: other processes would look)
                self._append_mark(WRITTEN)
            for key in self._files_of(steps) - held_before:
                if key.startswith(PASSAGES_PREFIX) and key in self._files:
                    self._let_go_of(key)

    def _let_go_of(self, key: str) -> None:
        """Forget one document's file and what was indexed from it (read again when asked)."""
        file = self._files.pop(key)
        self._signatures.pop(key, None)
        for record in file.values(ANNOTATIONS):
            self._home.pop(record["id"], None)
        document_id = key[len(PASSAGES_PREFIX):]
        self._counts.pop(document_id, None)
        self._sorted.pop(document_id, None)
        self._homes_complete = False

    def _checkpoint(self) -> None:
        """Flush the files of the steps not marked done to disk, then mark them done. Only once
        every step has reached its files: a step still to apply is not flushed by flushing."""
        if self._unwritten_steps():
            return
        keys = self._files_of(self._unflushed_steps())
        if not keys:
            return
        folders: dict[Path, None] = {}
        for key in sorted(keys):
            # The folder a rename happened in: a database reached through a link is written
            # where the link points.
            path = Path(os.path.realpath(self._file_path(key)))
            fsync_file(path)
            folders[path.parent] = None
        for folder in folders:
            fsync_directory(folder)
        self._append_mark(DONE)
        self._flushed_here.clear()
        for key in keys:
            with contextlib.suppress(FileNotFoundError):
                self._flushed_path(key).unlink()

    def _may_write_in_place(self, key: str) -> bool:
        """Whether the step being committed may write this file in place: one such file (the
        catalogue), whose `.flushed` copy this store kept since the last checkpoint (so that
        a write cut short can be made again from it and the journal) and which is still as
        this store last wrote it (so that its bytes on disk are those of the last dump)."""
        if key not in _WRITTEN_IN_PLACE:
            return False
        kept, journal = self._flushed_here.get(key), self._journal
        if kept is None or journal is None or kept[0] != journal.epoch:
            return False
        if any(DONE in entry for entry in journal.entries[kept[1]:]):
            return False  # another process's checkpoint let the copy go
        file = self._files.get(key)
        return file is not None and file.storage.written == (
            self._file_path(key), self._signatures.get(key)
        )

    def _written_in_place(self, steps: Iterable[dict[str, Any]]) -> set[str]:
        """The files these steps wrote in place that are still the files written (the inode
        the newest such step names; a file put in place since by another hand is not)."""
        inodes: dict[str, int | None] = {}
        for step in steps:
            recorded = step.get(IN_PLACE_FILES)
            for key in step.get(IN_PLACE, ()):
                inode = recorded.get(key) if isinstance(recorded, dict) else None
                inodes[key] = inode if isinstance(inode, int) else None
        still = set()
        for key, inode in inodes.items():
            signature = _file_signature(self._file_path(key))
            if inode is None or (signature is not None and signature[0] == inode):
                still.add(key)  # (no inode: a line of the version before, taken at its word)
        return still

    def _rebuild_written_in_place(self, *, opening: bool) -> None:
        """Make again, quietly, each file a step was writing in place when its writer died
        (cut anywhere: see `overwrite_from`), from its copy as of the last checkpoint and the
        journal's steps since. On opening, also check each file written in place since that
        checkpoint against that copy and the journal: a power cut may keep the "written"
        marks and tear the writes (their blocks are flushed in no order), so that the file is
        cut inside a string and still JSON, yet wrong. (A file found damaged once its step
        was marked written, by a power cut or a hand, is damage: moved aside, and restored
        from its copies.)"""
        if self.read_only_reason is not None:
            return  # nothing is written: a file found cut is made again in memory
        unwritten = self._written_in_place(self._unwritten_steps())
        for key in sorted(unwritten):
            rebuilt = self._from_flushed_copy(key)
            if rebuilt is not None:  # (else it is read as it is, and recovered if damaged)
                rebuilt.save(self._file_path(key), sync=False)
        if opening:
            for key in sorted(self._written_in_place(self._unflushed_steps()) - unwritten):
                self._check_written_in_place(key)

    def _check_written_in_place(self, key: str) -> None:
        """A file its steps marked written in place, as its copy and the journal make it: if it
        reads as other JSON, it was torn (see `_rebuild_written_in_place`), and it is moved
        aside and made again from them. (Not JSON: the damage is recovered as any other.)"""
        rebuilt = self._from_flushed_copy(key)
        if rebuilt is None:
            return
        path = self._file_path(key)
        try:
            found = _parse_file(key, read_regular_file(path))
        except (OSError, CorruptFileError, NewerSchemaError):
            return
        if _by_record_id(found) == _by_record_id(rebuilt.rows):
            return  # (numbered apart, maybe: the writer numbers on from the last it gave)
        aside = path.with_name(f"{path.name}.corrupt-{_timestamp_for_filename()}")
        os.replace(path, aside)
        rebuilt.save(path)
        self.notices.append(
            f"{self._describe(key)} differed from its last flushed copy and the journal's "
            "steps since (a power cut tore a write, or another hand changed it in place). It "
            "was moved aside to "
            f"{aside}, and made again from them: nothing is lost."
        )

    def _cut_by_a_writer_at_work(self, key: str) -> _TableFile | None:
        """For a store reading without the lock, a file found damaged: as its copy and the
        journal make it when the journal (read again, as it is now) shows another process
        writing it in place, else None."""
        try:
            journal = read_journal(read_regular_file(journal_path_for(self._real)))
        except (OSError, JournalDamagedError):
            return None
        if key not in self._written_in_place(self._steps_since(WRITTEN, DONE, journal=journal)):
            return None
        return self._from_flushed_copy(key, journal)

    def _from_flushed_copy(
        self, key: str, journal: JournalContents | None = None
    ) -> _TableFile | None:
        """A file as its copy from the last checkpoint and the journal's steps since make it,
        if that copy is there and good. Only for a file written in place since: while it
        is, that copy is kept, and it is as the last checkpoint flushed the file."""
        try:
            raw = read_regular_file(self._flushed_path(key))
            file = _TableFile(key, _parse_file(key, raw))
        except (OSError, CorruptFileError, NewerSchemaError):
            return None
        for step in self._steps_since(DONE, journal=journal):
            for change_key, table, record_id, record in step.get("changes", ()):
                if change_key == key:
                    file.set(table, record_id, None if record is None else dict(record))
        return file

    def _flushed_path(self, key: str) -> Path:
        return flushed_path_for(Path(os.path.realpath(self._file_path(key))))

    def checkpoint(self) -> None:
        """Flush what was written to disk and mark it done in the journal (at exit, so the next
        open has no step to look at again). Gives up quietly when another process holds the
        database: the next checkpoint, there or here, flushes the steps instead."""
        # Never waits long: at exit, a thread may have died holding the store.
        if not self._mutex.acquire(timeout=1):
            return
        try:
            if self.read_only_reason is not None or self._step is not None:
                return
            try:
                self._lock.acquire(timeout=1)
            except (Timeout, OSError):
                return
            try:
                self._sync()  # steps another process committed and did not write: applied
                self._checkpoint()
            except (OSError, StoreError):
                pass  # the next open finishes them
            finally:
                self._lock.release()
        finally:
            self._mutex.release()

    def _append_mark(self, mark: str) -> None:
        """Note in the journal that the steps before reached their files (WRITTEN), or were
        flushed there (DONE). Not fsynced: if a crash loses it, the steps are only looked at
        again on the next open."""
        journal = self._ensure_journal()
        path = journal_path_for(self._real)
        line = mark_line(mark)
        with open(path, "r+b") as handle:
            handle.truncate(journal.good_length)
            handle.seek(journal.good_length)
            handle.write(line)
        journal.entries.append({mark: 1})
        journal.good_length += len(line)
        journal.offsets.append(journal.good_length)
        self._journal_signature = _file_signature(path)

    # ------------------------------------------------------------------ the catalogue

    def _sync_catalogue(self, held_is_current: bool) -> bool:
        """Read the catalogue if it changed on disk; whether there is no database yet.
        `held_is_current`: no other process wrote it since this store last read it."""
        held = self._files.get(CATALOGUE_FILE)
        # Unchanged on disk, unless another process wrote it: a write in place keeps the file
        # and may keep its size, within one tick of the clock.
        if held is not None and held_is_current and _file_signature(self.path) == (
            self._signatures.get(CATALOGUE_FILE)
        ):
            return False
        if held is not None and held_is_current:
            # Changed by another hand (`git pull`): it holds what no journal line does, so its
            # `.flushed` copy and the journal no longer make it; it is written whole until the
            # next checkpoint starts again from it.
            self._flushed_here.pop(CATALOGUE_FILE, None)
        data = self._read_catalogue(held if held_is_current else None)
        if data is None:
            if self.read_only_reason is None:
                self._start_database()
                return True
            data = _new_catalogue()  # shown empty, never written
        elif _schema_version(data) < SCHEMA_VERSION:
            data = self._convert_single_file(data)
        else:
            check_schema(data)
        identity = database_identity(data)
        if held is not None and self._identity is not None and identity not in (
            None, self._identity
        ):
            self._keep_replaced(held)
        elif held is None and identity is not None and self.read_only_reason is None:
            self._check_folder_belongs(identity)
        if identity is not None:
            self._identity = identity
        self._adopt(CATALOGUE_FILE, _TableFile(CATALOGUE_FILE, data))
        return False

    def _adopt(self, key: str, file: _TableFile) -> None:
        self._files[key] = file
        if key != HISTORY_FILE:
            self._disk_generation += 1
            self._changed_since_sync = True  # (read during a sync: it changed on disk)
        self._signatures[key] = _file_signature(self._file_path(key))
        if key == CATALOGUE_FILE:
            self._invalidate()
        elif key.startswith(PASSAGES_PREFIX):
            document_id = key[len(PASSAGES_PREFIX):]
            self._invalidate(document_id)
            counts: Counter[str] = Counter()
            for record in file.values(ANNOTATIONS):
                self._home[record["id"]] = document_id
                counts.update(record["tags"])
            self._counts[document_id] = counts

    def _read_catalogue(self, held: _TableFile | None) -> dict[str, Any] | None:
        """The catalogue as it should be now (None: no database). `held` is what this store last
        read or wrote: when the file has gone or been damaged since, that is the newest copy."""
        before = self._journal  # (read by this sync, before the file)
        for attempt in range(3):
            try:
                raw = read_regular_file(self.path)
            except FileNotFoundError:
                return self._restore_missing(CATALOGUE_FILE, held)
            except OSError as error:
                raise StoreError(
                    f"cannot read the database {self.path}: {error.strerror}"
                ) from None
            damage: CorruptFileError | None = None
            try:
                data = _parse_file(CATALOGUE_FILE, raw)
            except CorruptFileError as problem:
                damage, data = problem, None
            if self.read_only_reason is None or attempt == 2:
                return data if damage is None else self._recover(CATALOGUE_FILE, damage, held)
            # Cut or not, a file read without the lock may have been read mid-write.
            after = self._journal_now()
            if not self._written_in_place_meanwhile(CATALOGUE_FILE, before, after):
                return data if damage is None else self._recover(CATALOGUE_FILE, damage, held)
            assert after is not None
            rebuilt = self._as_copy_and_journal_make_it(CATALOGUE_FILE, after)
            if rebuilt is not None:
                return rebuilt.rows
            before = after  # (its copy went with a checkpoint: the file is read again)
        raise AssertionError("unreachable")

    def _written_in_place_meanwhile(
        self, key: str, before: JournalContents | None, after: JournalContents | None
    ) -> bool:
        """For a store reading without the lock, whether a file read between the journal as
        `before` and as `after` may have been written in place meanwhile. A read does not wait
        for a write, so a file read mid-write can hold a block from before the write amid
        blocks after it; cut inside a long string it is still JSON, with the final size and
        time, yet wrong."""
        if after is None:
            return False
        if before is not None and before.epoch == after.epoch and (
            len(after.entries) >= len(before.entries)
        ):
            # A write that overlapped the read had its step not yet marked written in `before`.
            settled = max((number + 1 for number, entry in enumerate(before.entries)
                           if WRITTEN in entry or DONE in entry), default=0)
            return any(key in entry.get(IN_PLACE, ()) for entry in after.entries[settled:])
        # The journal started again meanwhile: a write of either may have overlapped the read.
        return any(key in entry.get(IN_PLACE, ())
                   for journal in (before, after) if journal is not None
                   for entry in journal.entries)

    def _as_copy_and_journal_make_it(
        self, key: str, journal: JournalContents
    ) -> _TableFile | None:
        """A file as its `.flushed` copy and `journal` make it, if that copy is still the one
        the journal counts from (no checkpoint let it go, or replaced it, since)."""
        rebuilt = self._from_flushed_copy(key, journal)
        now = self._journal_now()
        if rebuilt is None or now is None or now.epoch != journal.epoch or any(
            DONE in entry for entry in now.entries[len(journal.entries):]
        ):
            return None
        return rebuilt

    def _journal_now(self) -> JournalContents | None:
        """The journal as it is now, read apart from this store's (None: none, or unreadable)."""
        try:
            return read_journal(read_regular_file(journal_path_for(self._real)))
        except (OSError, JournalDamagedError):
            return None

    def _start_database(self) -> None:
        """A new database: its folder and journal first, the catalogue last (a crash before
        that leaves no database, so the next open starts again)."""
        data = _new_catalogue()
        self._identity = database_identity(data)
        if self.folder.exists() and any(self.folder.iterdir()):
            self._move_folder_aside("belonged to another database")
        self._journal = None
        self._ensure_journal()
        file = _TableFile(CATALOGUE_FILE, data)
        self._files[CATALOGUE_FILE] = file
        self._write(CATALOGUE_FILE)
        self._invalidate()

    def _let_go_of_files(self) -> None:
        """Forget every file but the catalogue (they belong to another database now)."""
        for key in [k for k in self._files if k != CATALOGUE_FILE]:
            del self._files[key]
            self._signatures.pop(key, None)
        self._homes_complete = False
        self._home.clear()
        self._counts.clear()
        self._sorted.clear()

    def _check_folder_belongs(self, identity: str) -> None:
        """The folder beside a catalogue read for the first time must be its own: a folder of
        another database (a catalogue copied without it) is moved aside, not mixed in."""
        journal = self._journal
        owner = None if journal is None else journal.header.get("database")
        if owner is not None and owner != identity:
            self._move_folder_aside("belongs to another database than the catalogue")

    def _move_folder_aside(self, why: str) -> Path:
        aside = self.folder.with_name(f"{self.folder.name}.other-{_timestamp_for_filename()}")
        os.replace(self.folder, aside)
        fsync_directory(self.folder.parent)
        self.notices.append(
            f"The folder {self.folder} {why}; it was moved aside to {aside}, and the database "
            "starts a folder of its own."
        )
        self._journal = None
        self._journal_signature = None
        self._let_go_of_files()
        return aside

    def _convert_single_file(self, data: dict[str, Any]) -> dict[str, Any]:
        """Convert a database of the single-file layout: the folder's files first, the
        catalogue last (the commit point: a crash before it leaves the original in place, and the
        next open converts it again). The original is kept beside it, and the user told."""
        split = split_single_file(data)
        if self.read_only_reason is not None:
            # Shown as converted, nothing written: the files stand in memory.
            for document, tables in split.passages.items():
                self._adopt(_passages_key(document), _TableFile(_passages_key(document), tables))
            self._adopt(HISTORY_FILE, _TableFile(HISTORY_FILE, split.history))
            return split.catalogue
        backup = single_file_backup_for(self._real)
        original = read_regular_file(self.path)
        if backup.exists() and read_regular_file(backup) != original:
            backup = backup.with_name(f"{backup.name}-{_timestamp_for_filename()}")
        if not backup.exists():
            atomic_write_bytes(backup, original, private=True)
        self._identity = database_identity(split.catalogue)
        if self.folder.exists():
            # What a conversion cut short left, or a folder of another database: set aside.
            self._move_folder_aside("was there before the conversion")
            self.notices.pop()
        self.folder.mkdir(parents=True, exist_ok=True)
        for document, tables in split.passages.items():
            key = _passages_key(document)
            _TableFile(key, tables).save(self._file_path(key))
        _TableFile(HISTORY_FILE, split.history).save(history_path_for(self._real))
        self._journal = None
        self._ensure_journal()
        _TableFile(CATALOGUE_FILE, split.catalogue).save(self.path)
        self.notices.append(
            f"The database {self.path} was converted to the folder layout (a catalogue, and "
            f"one file per document in {self.folder}); the original is kept as {backup}."
        )
        return split.catalogue

    def _keep_replaced(self, held: _TableFile) -> None:
        """Another database put in the catalogue's place (copied over it, restored from a backup
        of another one): keep the previous one, with every change saved up to then, and say so."""
        aside = self.path.with_name(f"{self.path.name}.replaced-{_timestamp_for_filename()}")
        journal = self._journal
        owner = None if journal is None else journal.header.get("database")
        if self.folder.exists() and owner in (None, self._identity):
            os.replace(self.folder, folder_for(aside))
        else:
            # The folder was replaced too: keep what this store read of the previous one.
            for key, file in self._files.items():
                if key != CATALOGUE_FILE:
                    target = folder_for(aside) / self._file_path(key).relative_to(self.folder)
                    file.save(target)
        held.save(aside)
        self._replaced = True
        self._journal = None
        self._journal_signature = None
        self._let_go_of_files()
        self._read_journal()
        self.notices.append(
            f"The database {self.path} was replaced by a different database while reader had it "
            f"open. The previous one, with every change saved up to then, was kept as {aside}; "
            "changes from now on go to the database now in its place."
        )

    # ------------------------------------------------------------------ reading any file

    def _file(self, key: str) -> _TableFile:
        """A file's tables, read (and recovered if need be) on first use."""
        file = self._files.get(key)
        if file is None:
            file = self._load(key, held=None)
        return file

    def _load(self, key: str, held: _TableFile | None) -> _TableFile:
        path = self._file_path(key)
        try:
            raw = read_regular_file(path)
        except (FileNotFoundError, NotADirectoryError):
            data = self._restore_missing(key, held)
        except OSError as error:
            raise StoreError(f"cannot read the database file {path}: {error.strerror}") from None
        else:
            try:
                data = _parse_file(key, raw)
            except CorruptFileError as problem:
                data = self._recover(key, problem, held)
        file = _TableFile(key, data if data is not None else {
            (HISTORY if key == HISTORY_FILE else ANNOTATIONS): {}
        })
        if key == HISTORY_FILE and self._journal is not None:
            self._overlay_history(file, self._journal.entries)
        self._adopt(key, file)
        return file

    def _describe(self, key: str) -> str:
        if key == CATALOGUE_FILE:
            return f"The database {self.path}"
        return f"The database file {self._file_path(key)}"

    def _backup(self, key: str) -> _Copy | None:
        """The copy of a file kept before its last write, if it is good; else its last flushed
        copy, if one is kept and good (a power cut can take both the file and its .bak)."""
        for copy in (backup_path_for(self._file_path(key)), self._flushed_path(key)):
            try:
                raw = read_regular_file(copy)
                return _Copy(copy, raw, _parse_file(key, raw))
            except (OSError, CorruptFileError, NewerSchemaError):
                continue
        return None

    def _write_back(self, key: str, held: _TableFile | None) -> bool:
        if held is None:
            return False
        held.save(self._file_path(key))
        return True

    def _recover(
        self, key: str, problem: CorruptFileError, held: _TableFile | None
    ) -> dict[str, Any] | None:
        path = self._file_path(key)
        if self.read_only_reason is not None:
            rebuilt = self._cut_by_a_writer_at_work(key)
            if rebuilt is not None:
                return rebuilt.rows
            raise StoreError(
                f"the database {path} {problem}, and it cannot be repaired where it is "
                f"({self.read_only_reason}): copy it and its .bak somewhere writable"
            ) from None
        aside = path.with_name(f"{path.name}.corrupt-{_timestamp_for_filename()}")
        os.replace(path, aside)
        message = f"{self._describe(key)} {problem}. It was moved aside to {aside}."
        backup = self._backup(key)
        if self._write_back(key, held):
            assert held is not None
            self.notices.append(
                message + " reader had the database open and wrote back every change saved up "
                "to then: nothing is lost."
            )
            return held.rows
        if backup is None:
            self.notices.append(
                message + (" No good earlier copy exists, so reader starts a new database; "
                           if key == CATALOGUE_FILE else
                           " No good earlier copy exists, so it starts empty; ")
                + "the damaged file is kept for you to inspect."
            )
            return None
        data, replayed = self._restore_backup(key, backup)
        self.notices.append(
            message + f" Its last good copy ({backup.path}) was restored"
            + (", and the steps the journal still held were replayed onto it: nothing is lost."
               if replayed else
               ": that last change is missing from it, and may still be read in the file "
               "moved aside.")
        )
        return data

    def _restore_backup(self, key: str, backup: _Copy) -> tuple[dict[str, Any], bool]:
        """Put a file's backup back, with the journal's steps replayed onto it (each holds
        whole records, so replaying steps the backup already has changes nothing): the restored
        file, and whether the journal covered the write the backup lacks."""
        raw, data = backup.raw, backup.tables
        file = _TableFile(key, data)
        journal = self._journal
        covered = False
        if journal is not None and key != HISTORY_FILE:
            for entry in journal.entries:
                for change_key, table, record_id, record in entry.get("changes", ()):
                    if change_key == key:
                        covered = True
                        file.set(table, record_id, None if record is None else dict(record))
        if covered:
            file.save(self._file_path(key))
        else:
            atomic_write_bytes(self._file_path(key), raw, private=True)
        return file.rows, covered

    def _restore_missing(self, key: str, held: _TableFile | None) -> dict[str, Any] | None:
        """No file: an empty one, unless this store holds it (deleted while open) or a good
        copy shows one was there (deleted by hand, or lost with a disk); then that comes back
        rather than being overwritten."""
        if key.startswith(PASSAGES_PREFIX) and (
            key[len(PASSAGES_PREFIX):] not in self._index_documents()
        ):
            return None  # the passages of a document removed: gone with it, not restored
        backup = self._backup(key)
        if self.read_only_reason is not None:
            shown = held.rows if held is not None else (None if backup is None else backup.tables)
            if shown is not None:
                self.notices.append(
                    f"{self._describe(key)} is missing; the last copy reader saw is shown. "
                    f"It cannot be restored where it is ({self.read_only_reason})."
                )
            return shown
        if self._write_back(key, held):
            assert held is not None
            self.notices.append(
                f"{self._describe(key)} was deleted while reader had it open; reader wrote "
                "back every change saved up to then: nothing is lost."
            )
            return held.rows
        if backup is None:
            return None
        data, _ = self._restore_backup(key, backup)
        self.notices.append(
            f"{self._describe(key)} was missing; its last good copy ({backup.path}) was "
            "restored. To start afresh instead, delete the file and its copies beside it."
        )
        return data

    # ------------------------------------------------------------------ public: identity, refresh

    def ensure_identity(self) -> None:
        """Give a database from before identities its own now (one write, once), so that a
        different database put in its place while this store is open is noticed."""
        with self._mutex, self._locked():
            self._sync()
            catalogue = self._files[CATALOGUE_FILE]
            if database_identity(catalogue.rows) is None and self.read_only_reason is None:
                record = _meta_record(catalogue.rows)
                if record is not None:
                    key = next(k for k, r in catalogue.rows[META].items() if r is record)
                    self._identity = self._identity or _new_id()
                    catalogue.set(META, key, {**record, "database": self._identity})
                    self._write(CATALOGUE_FILE)

    def take_notices(self) -> list[str]:
        """What the user must be told since this was last asked (a damaged file, say)."""
        notices, self.notices = self.notices, []
        return notices

    def take_replaced(self) -> bool:
        """Whether another database took the file's place since this was last asked."""
        replaced, self._replaced = self._replaced, False
        return replaced

    def refresh(self) -> bool:
        """Re-read what another process changed; whether anything was."""
        with self._mutex:
            if not self._changed_on_disk():
                return False
            with self._locked():
                self._sync()  # drops the indexes of what changed, and only those
            if not self._changed_since_sync:
                return False  # another process's marks alone
            self.revision += 1
            return True

    # ------------------------------------------------------------------ raw record access

    def _set_in_file(
        self, file: _TableFile, table: str, record_id: str, record: dict[str, Any] | None
    ) -> None:
        """Change a record in memory, keeping the indexes of its table right."""
        if table == ANNOTATIONS:
            document_id = file.key[len(PASSAGES_PREFIX):]
            before = file.get(table, record_id)
            counts = self._counts.setdefault(document_id, Counter())
            if before is not None:
                counts.subtract(before["tags"])
            if record is not None:
                counts.update(record["tags"])
                self._home[record_id] = document_id
            else:
                self._home.pop(record_id, None)
            self._invalidate(document_id)
            self.revision += 1
        elif table == DOCUMENTS:
            self._reindex_document(record_id, record)
            self.revision += 1
        elif table == TAGS:
            self._codebook = None
            self.revision += 1
        file.set(table, record_id, record)

    def _raw(
        self, table: str, record_id: str, document_hint: str | None = None
    ) -> dict[str, Any] | None:
        if table in _CATALOGUE_TABLES:
            record = self._file(CATALOGUE_FILE).get(table, record_id)
        elif table == HISTORY:
            record = self._file(HISTORY_FILE).get(table, record_id)
        else:
            if document_hint is not None and record_id not in self._home:
                self._file(_passages_key(document_hint))  # where it most likely is
            document_id = self._find_home(record_id)
            if document_id is None:
                return None
            record = self._file(_passages_key(document_id)).get(table, record_id)
        return dict(record) if record is not None else None

    def _find_home(self, annotation_id: str) -> str | None:
        """The document of a passage: known once its file is read, else looked for (the one
        lookup that reads every document's file, for an id given without its document)."""
        home = self._home.get(annotation_id)
        if home is not None or self._homes_complete:
            return home
        for document_id in self._index_documents():
            key = _passages_key(document_id)
            if key not in self._files:
                self._file(key)
                if annotation_id in self._home:
                    return self._home[annotation_id]
        # Every file is read now: `_home` knows every passage until one is let go.
        self._homes_complete = True
        return None

    def _raw_all(self, table: str) -> list[dict[str, Any]]:
        if table in _CATALOGUE_TABLES:
            return [dict(r) for r in self._file(CATALOGUE_FILE).values(table)]
        if table == HISTORY:
            return [dict(r) for r in self._file(HISTORY_FILE).values(table)]
        return [dict(r) for document_id in self._index_documents()
                for r in self._file(_passages_key(document_id)).values(table)]

    def _passages_of(self, document_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self._file(_passages_key(document_id)).values(ANNOTATIONS)]

    def _apply(self, table: str, record_id: str, record: dict[str, Any] | None,
               before: dict[str, Any] | None = None) -> None:
        """Make a record be `record` (None deletes) inside the step being made, for the journal,
        without touching the undo history. `before` finds a deleted passage's file."""
        if record is not None:
            refuse_non_finite(record)
        key = self._file_key(table, record if record is not None else before, record_id)
        if table == ANNOTATIONS and before is not None and record is not None and (
            before["document"] != record["document"]
        ):  # a passage given to another document: gone from the first one's file
            self._apply(table, record_id, None, before)
        file = self._file(key)
        self._set_in_file(file, table, record_id, None if record is None else dict(record))
        self._pending.append([key, table, record_id, record])
        self._touched[key] = None

    def _set(
        self, table: str, record_id: str, record: dict[str, Any] | None, *, new: bool = False
    ) -> None:
        """Change a record inside the current step, recording it for undo. `new`: the id was
        just made, so no record can have it (no need to look through every document for it)."""
        assert self._step is not None, "changes happen inside a step"
        before = None if new else self._raw(
            table, record_id, None if record is None else record.get("document")
        )
        if before == record:
            return
        self._apply(table, record_id, record, before)
        self._step.changes.append(
            {"table": table, "id": record_id, "before": before, "after": record}
        )

    # ------------------------------------------------------------------ writing

    def _write_files(self, keys: Iterable[str], unflushed: set[str],
                     in_place: Iterable[str] = ()) -> None:
        """Write the files a step touched, leaving them to be flushed to disk by the next
        checkpoint (an import touching a thousand documents flushes their folder once, not a
        thousand times; a step that registers a document does not flush the catalogue).

        `unflushed`: the files written since the last checkpoint by earlier steps. A file first
        written since keeps its flushed version under a second name until the checkpoint: a
        power cut may lose the versions written since (its .bak among them), and that version
        with the journal's steps rebuilds it.

        `in_place`: files the step's journal line says may be written in place (see
        `_may_write_in_place`)."""
        folder = self.folder / "passages"
        seen_before = _file_signature(folder) == self._passages_folder_seen
        for key in keys:
            if key == HISTORY_FILE:
                continue
            path = self._file_path(key)
            if key not in unflushed and path.exists():
                link_over(path, self._flushed_path(key))
                if self._journal is not None:
                    self._flushed_here[key] = (self._journal.epoch, len(self._journal.entries))
            self._write(key, sync=False, in_place=key in in_place)
        if seen_before:  # the folder changed by these writes alone
            self._passages_folder_seen = _file_signature(folder)

    @staticmethod
    def _files_of(steps: Iterable[dict[str, Any]]) -> set[str]:
        return {change[0] for step in steps for change in step.get("changes", ())
                if change[0] != HISTORY_FILE}

    def _write(self, key: str, *, sync: bool = True, in_place: bool = False) -> None:
        """Write one file whole, atomically, keeping its previous version as its .bak; or, with
        `in_place`, only its bytes from the step's first change on, where that can be done."""
        path = self._file_path(key)
        file = self._files[key]
        if key.startswith(PASSAGES_PREFIX) and not any(file.values(ANNOTATIONS)) and (
            key[len(PASSAGES_PREFIX):] not in self._index_documents()
        ):
            # A document forgotten with its passages: no file left behind in the folder.
            for gone in (path, backup_path_for(path), self._flushed_path(key)):
                with contextlib.suppress(FileNotFoundError):
                    gone.unlink()
            self._signatures[key] = None
            return
        file.save(path, keep_previous=backup_path_for(path), sync=sync, in_place=in_place)
        assert file.storage.written is not None
        self._signatures[key] = file.storage.written[1]

    def _commit(self) -> None:
        """The step's one commit point: its changes appended to the journal, fsynced. Then the
        files it touched are written; a checkpoint flushes them and marks the steps done."""
        journal = self._ensure_journal()
        entry: dict[str, Any] = {"changes": self._pending, "origin": self.origin}
        in_place = [key for key in self._touched if self._may_write_in_place(key)]
        if in_place:  # so that whoever finds the step unwritten makes the file again
            entry[IN_PLACE] = in_place
            entry[IN_PLACE_FILES] = {
                key: signature[0] for key in in_place
                if (signature := self._signatures.get(key)) is not None
            }
        path = journal_path_for(self._real)
        length = append_entry(path, entry, expected_length=journal.good_length)
        journal.entries.append(entry)
        journal.good_length = length
        journal.offsets.append(length)
        self._journal_signature = _file_signature(path)
        unflushed = self._unflushed_steps()
        self._write_files(self._touched, unflushed=self._files_of(unflushed[:-1]),
                          in_place=in_place)
        self._append_mark(WRITTEN)
        if len(unflushed) >= CHECKPOINT_STEPS:
            self._checkpoint()
        if journal.good_length > JOURNAL_COMPACT_BYTES:
            self.compact()

    def compact(self) -> None:
        """Write the history the journal holds to its file, and start a new journal."""
        with self._mutex, self._locked():
            if self.read_only_reason is not None:
                return
            self._sync()  # the steps other processes appended since belong in the history too
            if self._journal is None:
                return
            self._checkpoint()  # the new journal will not hold the steps: their files must
            self._back_up_catalogue_as_flushed()
            history = self._file(HISTORY_FILE)
            self._trim_history(history)
            history.save(history_path_for(self._real),
                         keep_previous=backup_path_for(history_path_for(self._real)))
            self._signatures[HISTORY_FILE] = _file_signature(history_path_for(self._real))
            self._keep_gitignore_current()
            write_new_journal(journal_path_for(self._real), database=self._identity)
            self._journal = None
            self._read_journal()

    def _back_up_catalogue_as_flushed(self) -> None:
        """Before the journal starts again: the catalogue's `.bak` made a copy of it as just
        flushed, when the journal changed it. Written in place since its last whole write, its
        `.bak` is from before a checkpoint interval's first change, and the new journal will
        not hold the steps since, so a catalogue damaged later would come back without them.
        A copy, not a link: damage done in place would reach a link too."""
        journal = self._journal
        if journal is None or CATALOGUE_FILE not in self._files_of(journal.entries):
            return
        path = self._file_path(CATALOGUE_FILE)
        try:
            atomic_write_bytes(backup_path_for(path), read_regular_file(path), private=True)
        except OSError:
            pass  # the older `.bak` stays: a copy, if an older one

    def _trim_history(self, history: _TableFile) -> None:
        """Keep the newest steps that fit in HISTORY_BYTES_LIMIT (and HISTORY_LIMIT)."""
        records = sorted(history.values(HISTORY), key=lambda r: r["seq"], reverse=True)
        total = 0
        for number, record in enumerate(records):
            total += len(orjson.dumps(record))
            if number >= HISTORY_LIMIT or total > HISTORY_BYTES_LIMIT:
                history.set(HISTORY, str(record["seq"]), None)

    # ------------------------------------------------------------------ steps and undo

    @contextlib.contextmanager
    def _change(self, label: str, *, undoable: bool = True) -> Iterator[None]:
        """One undoable step: everything inside is committed by one journal line, or nothing is.

        Inside a batch it joins the batch's step. `undoable=False` writes without a history step.
        """
        with self._mutex:
            if self._step is not None:  # inside a batch: join its step
                yield
                return
            with self._locked():
                self._sync()
                self._step = _PendingStep(label)
                self._pending, self._touched = [], {}
                try:
                    yield
                    if self._pending:
                        # Refused only now: a step that changes nothing (reopening a known
                        # document) works on read-only media too.
                        self._refuse_if_read_only()
                        if self._step.changes and undoable:
                            self._record_step(self._step)
                        self._commit()
                except BaseException:
                    self._forget()
                    self._sync()
                    raise
                finally:
                    self._step = None
                    self._pending, self._touched = [], {}

    @contextlib.contextmanager
    def batch(self, label: str) -> Iterator[None]:
        """Group several changes (an import, a merge) into one step and one commit."""
        with self._change(label):
            yield

    def _record_step(self, step: _PendingStep) -> None:
        history = self._file(HISTORY_FILE)
        records = list(history.values(HISTORY))
        # A new step of this origin ends its redo chain.
        for stale in records:
            if stale["origin"] == self.origin and stale["undone"]:
                self._apply(HISTORY, str(stale["seq"]), None)
        records = list(history.values(HISTORY))
        seq = max((r["seq"] for r in records), default=0) + 1
        record: dict[str, Any] = {
            "seq": seq,
            "origin": self.origin,
            "label": step.label,
            "time": utc_now(),
            "changes": step.changes,
            "undone": 0,
        }
        if len(orjson.dumps(step.changes)) > HISTORY_BYTES_LIMIT:
            # Too big to keep: undo stops at it rather than skipping over it.
            record["changes"] = []
            record["too_large"] = True
        self._apply(HISTORY, str(seq), record)
        if len(records) + 1 > HISTORY_LIMIT:
            oldest = sorted(records, key=lambda r: r["seq"])[: len(records) + 1 - HISTORY_LIMIT]
            for old in oldest:
                self._apply(HISTORY, str(old["seq"]), None)

    def history(self, origin: str | None = None) -> list[Step]:
        """Steps, oldest first, optionally of one origin ("tui" means every window's)."""
        self.refresh()
        steps = [
            Step(r["seq"], r["origin"], r["label"], r["time"], bool(r["undone"]))
            for r in self._file(HISTORY_FILE).values(HISTORY)
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
        """Undo (or redo) up to `count` steps of this origin in one commit, newest first: the
        steps taken, and the conflict that stopped it before `count` if one did (a run of key
        presses becomes one write instead of one each)."""
        self._refuse_if_read_only()
        with self._mutex, self._locked():
            self._sync()
            taken: list[Step] = []
            conflict: UndoConflictError | None = None
            self._pending, self._touched = [], {}
            try:
                for _ in range(count):
                    try:
                        step = self._travel_step(undo=undo)
                    except UndoConflictError as error:
                        conflict = error
                        break
                    if step is None:
                        break
                    taken.append(step)
                if self._pending:
                    self._commit()
            except BaseException:
                self._forget()
                self._sync()
                raise
            finally:
                self._pending, self._touched = [], {}
            return taken, conflict

    def _travel_step(self, *, undo: bool) -> Step | None:
        """One step back or forward, in memory; a conflict raises before anything changes."""
        history = self._file(HISTORY_FILE)
        mine = [r for r in history.values(HISTORY) if r["origin"] == self.origin]
        if undo:
            candidates = [r for r in mine if not r["undone"]]
            chosen = max(candidates, key=lambda r: r["seq"], default=None)
        else:
            candidates = [r for r in mine if r["undone"]]
            chosen = max(candidates, key=lambda r: r["undone"], default=None)
        if chosen is None:
            return None
        verb = "undo" if undo else "redo"
        if chosen.get("too_large"):
            raise UndoConflictError(
                f"cannot {verb} “{chosen['label']}”: it changed more than the history keeps "
                f"({HISTORY_BYTES_LIMIT // (1024 * 1024)} MB)"
            )
        changes = chosen["changes"]
        expected, wanted = ("after", "before") if undo else ("before", "after")
        for change in changes:
            if self._raw(change["table"], change["id"]) != change[expected]:
                raise UndoConflictError(
                    f"cannot {verb} “{chosen['label']}”: the {change['table'][:-1]} it "
                    "changed has been changed since (by another step or program)"
                )
        for change in reversed(changes) if undo else changes:
            self._apply(change["table"], change["id"], change[wanted], change[expected])
        marked = dict(chosen)
        if undo:
            marked["undone"] = max((r["undone"] for r in history.values(HISTORY)), default=0) + 1
        else:
            marked["undone"] = 0
        self._apply(HISTORY, str(chosen["seq"]), marked)
        return Step(chosen["seq"], chosen["origin"], chosen["label"], chosen["time"], undo)

    # ------------------------------------------------------------------ documents

    def _index_documents(self) -> dict[str, Document]:
        """Documents by id, and the indexes by path (and alias) and by content hash: built when
        the catalogue is read, then kept up to date one document at a time."""
        if self._documents is None:
            documents = sorted(
                (Document.from_record(r) for r in self._file(CATALOGUE_FILE).values(DOCUMENTS)),
                key=lambda d: (d.title.casefold(), d.path),
            )
            by_path: dict[str, Document] = {}
            by_hash: dict[str, list[Document]] = {}
            for document in documents:
                by_hash.setdefault(document.sha256, []).append(document)
                for alias in document.aliases:
                    by_path.setdefault(alias, document)
            for document in documents:  # a document's own path wins over another's alias
                by_path[document.path] = document
            self._by_path, self._by_hash = by_path, by_hash
            self._documents = {document.id: document for document in documents}
            self._documents_sorted = documents
        return self._documents

    def _reindex_document(self, document_id: str, record: dict[str, Any] | None) -> None:
        """Keep the indexes right as one document changes (rebuilding them for each document
        registered made registering a thousand one by one quadratic)."""
        if self._documents is None:
            return
        self._documents_sorted = None
        old = self._documents.pop(document_id, None)
        new = None if record is None else Document.from_record(record)
        if old is not None:
            same = self._by_hash.get(old.sha256, [])
            same[:] = [d for d in same if d.id != document_id]
            if not same:
                self._by_hash.pop(old.sha256, None)
            kept = set() if new is None else {new.path, *new.aliases}
            if any(self._by_path.get(path) is old and path not in kept
                   for path in (old.path, *old.aliases)):
                self._documents = None  # a path let go may be another document's alias
                return
        if new is None:
            return
        self._documents[document_id] = new
        self._by_hash.setdefault(new.sha256, []).append(new)
        for alias in new.aliases:
            if self._by_path.get(alias) is None or self._by_path[alias].id == document_id:
                self._by_path[alias] = new
        self._by_path[new.path] = new

    def documents(self) -> list[Document]:
        self.refresh()
        self._index_documents()
        if self._documents_sorted is None:
            self._documents_sorted = sorted(self._documents.values(),  # type: ignore[union-attr]
                                            key=lambda d: (d.title.casefold(), d.path))
        return list(self._documents_sorted)

    def documents_with_content(self, sha256: str) -> list[Document]:
        """The documents whose content has this hash, in the order of `documents()`."""
        self.refresh()
        self._index_documents()
        return sorted(self._by_hash.get(sha256, []), key=lambda d: (d.title.casefold(), d.path))

    def get_document(self, document_id: str) -> Document:
        self.refresh()
        document = self._index_documents().get(document_id)
        if document is None:
            raise StoreError(f"no document with id {document_id}")
        return document

    def document_by_path(self, path: str | os.PathLike[str]) -> Document | None:
        wanted = str(resolved_path(path))
        self.refresh()
        self._index_documents()
        return self._by_path.get(wanted)

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
            elif same := list(self._index_documents_now_by_hash(sha256)):
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

    def _index_documents_now_by_hash(self, sha256: str) -> list[Document]:
        self._index_documents()
        return self._by_hash.get(sha256, [])

    def _document_at(self, resolved: str) -> Document | None:
        self._index_documents()
        document = self._by_path.get(resolved)
        return document if document is not None and document.path == resolved else None

    def _mark_moved_quotes(self, document_id: str, text: DocumentText) -> list[str]:
        flagged = []
        for record in self._passages_of(document_id):
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
            for record in self._passages_of(document_id):
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
        return self._codebook_now()

    def tags(self) -> list[Tag]:
        return list(self.codebook())

    def _codebook_now(self) -> Codebook:
        """The codebook as held, rebuilt only after a tag changed (also inside a step)."""
        if self._codebook is None:
            self._codebook = Codebook(
                Tag.from_record(r) for r in self._file(CATALOGUE_FILE).values(TAGS)
            )
        return self._codebook

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
        if document is not None:
            if document not in self._index_documents():
                return []
            selected = self._sorted_passages(document)
        else:
            selected = [a for document_id in sorted(self._index_documents())
                        for a in self._sorted_passages(document_id)]
        if tag is not None:
            return [a for a in selected if tag in a.tags]
        return list(selected)

    def _sorted_passages(self, document_id: str) -> list[Annotation]:
        """One document's passages in text order, converted once per change of its file."""
        found = self._sorted.get(document_id)
        if found is None:
            found = [Annotation.from_record(r)
                     for r in self._file(_passages_key(document_id)).values(ANNOTATIONS)]
            found.sort(key=lambda a: (a.start, a.end, a.created))
            self._sorted[document_id] = found
        return found

    def get_annotation(self, annotation_id: str) -> Annotation:
        self.refresh()
        record = self._raw(ANNOTATIONS, annotation_id)
        if record is None:
            raise StoreError(f"no annotation with id {annotation_id}")
        return Annotation.from_record(record)

    def add_annotation(
        self,
        document_id: str,
        text: DocumentText,
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
            self._set(ANNOTATIONS, annotation.id, annotation.to_record(), new=True)
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
        span: tuple[DocumentText, int, int] | None = None,
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
        """How many passages each tag (id) has. Counts are kept per document as its passages
        change, and for the documents not read in this process, in a cache beside the files
        (`counts.json`, keyed by each file's signature and made of settled files only, as
        `facts.json` is), so the whole corpus's counts cost a look at each file, not a read."""
        self.refresh()
        # The documents not held change only on disk: their sum is kept until something there
        # may have changed (a tag key in the reader asks for the counts after every step).
        folder = _file_signature(self.folder / "passages")
        if folder != self._passages_folder_seen:  # a file put there by another hand (git)
            self._passages_folder_seen = folder
            self._disk_generation += 1
        basis = (self._disk_generation, frozenset(self._held_documents()),
                 frozenset(self._index_documents()))
        if self._unheld_counts is None or self._unheld_counts[0] != basis:
            self._unheld_counts = (basis, self._counts_not_held())
        total = Counter(self._unheld_counts[1])
        for document_id in self._held_documents():  # (one repaired while counting is too)
            if document_id in self._index_documents():
                total.update(self._counts.get(document_id, Counter()))
        return {tag: count for tag, count in total.items() if count > 0}

    def _held_documents(self) -> list[str]:
        return [key[len(PASSAGES_PREFIX):] for key in self._files
                if key.startswith(PASSAGES_PREFIX)]

    def _counts_not_held(self) -> Counter[str]:
        """The tag counts of the documents whose files this store does not hold, from the cache
        where it is current."""
        total: Counter[str] = Counter()
        cache = self._load_counts_cache()
        changed = False
        for document_id in self._index_documents():
            key = _passages_key(document_id)
            if key in self._files:
                continue
            signature = facts_file_signature(self._file_path(key))
            entry = cache.get(document_id)
            if signature is None:
                continue  # a document with no passages yet
            if entry is None or entry[0] != list(signature):
                counts = Counter(tag for annotation in self.passages_of(document_id, keep=False)
                                 for tag in annotation.tags)
                if key in self._files:  # it needed repair, so it was read: counted as held
                    continue
                entry = [list(signature), dict(counts)]
                if settled(signature):
                    cache[document_id] = entry
                    changed = True
            total.update(entry[1])
        if changed and self.read_only_reason is None:
            with contextlib.suppress(OSError, ValueError):  # a cache: it may fail to be saved
                atomic_write_bytes(self.folder / "counts.json",
                                   orjson.dumps(cache, option=orjson.OPT_SORT_KEYS),
                                   private=True)
        return total

    def _load_counts_cache(self) -> dict[str, list[Any]]:
        """The cache of tag counts per document file (anything odd in it: an empty cache)."""
        if self._counts_cache is None:
            try:
                data = orjson.loads(read_regular_file(self.folder / "counts.json"))
            except (OSError, orjson.JSONDecodeError):
                data = {}
            valid = isinstance(data, dict) and all(
                isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], dict)
                and all(isinstance(count, int) for count in entry[1].values())
                for entry in data.values()
            )
            self._counts_cache = data if valid else {}
        return self._counts_cache

    def passage_facts(self) -> list[PassageFacts]:
        """Every passage's document, span, tags and annotator (what statistics count), document
        by document. Files held here are current; of the others, only those changed since the
        cache beside them (`facts.json`, see `passage_facts.py`) was made are read, and checked
        (and recovered) as any read of them is."""
        self.refresh()
        with self._mutex:
            cache_path = self.folder / FACTS_CACHE_NAME
            try:
                cache = FactsCache.parse(read_regular_file(cache_path))
            except OSError:
                cache = FactsCache()
            found: list[PassageFacts] = []
            document_ids = sorted(self._index_documents())
            for document_id in document_ids:
                key = _passages_key(document_id)
                held = self._files.get(key)
                if held is not None:
                    found += facts_of(held.values(ANNOTATIONS))
                    continue
                # Taken before the read: a change after it makes the entry stale, never wrong.
                signature = facts_file_signature(self._file_path(key))
                cached = None if signature is None else cache.facts(document_id, signature)
                if cached is None:
                    cached = self._read_facts(key, signature)
                    if signature is not None and key not in self._files:
                        cache.put(document_id, signature, cached)
                found += cached
            cache.keep_only(document_ids)
            if cache.changed and self.read_only_reason is None:
                with contextlib.suppress(OSError):  # a cache: it may fail to be saved
                    atomic_write_bytes(cache_path, cache.dump(), private=True)
            return found

    def _read_facts(self, key: str, signature: Signature | None) -> list[PassageFacts]:
        """A file's facts read from it; a damaged or missing one goes the way of every read."""
        if signature is not None:
            try:
                return facts_of(_parse_file(key, read_regular_file(self._file_path(key)))
                                .get(ANNOTATIONS, {}).values())
            except (OSError, CorruptFileError):
                pass
        elif not backup_path_for(self._file_path(key)).exists():
            return []  # a document with no passages yet
        return facts_of(self._file(key).values(ANNOTATIONS))  # recovered the usual way

    def passages_of(self, document_id: str, *, keep: bool = True) -> list[Annotation]:
        """One document's passages in text order. `keep=False` reads them without keeping them
        in memory (an export streaming the corpus document by document)."""
        if keep or _passages_key(document_id) in self._files:
            return list(self._sorted_passages(document_id))
        with self._mutex:
            path = self._file_path(_passages_key(document_id))
            try:
                data = _parse_file(_passages_key(document_id), read_regular_file(path))
            except (FileNotFoundError, NotADirectoryError):
                return []
            except (OSError, CorruptFileError):
                return list(self._sorted_passages(document_id))  # recovered the usual way
            found = [Annotation.from_record(r) for r in data.get(ANNOTATIONS, {}).values()]
            found.sort(key=lambda a: (a.start, a.end, a.created))
            return found

    def read_model(self) -> ReadModel:
        """An immutable view of the documents, the codebook and the passages, for exporters."""
        self.refresh()
        return ReadModel.of(self)
