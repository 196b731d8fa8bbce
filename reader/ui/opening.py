"""Which files to open and why others were skipped: folder listing, loading, one-line reasons.

No Textual here: the app runs `load_or_reason` in a thread and shows what comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.formats.base import LoadedDocument

Skipped = list[tuple[Path, str]]

FOLDER_TAB_LIMIT = 20
"""A folder given on the command line opens at most this many documents as tabs: a tab bar of
5,000 is of no use to anyone, and building it kept the app busy for minutes. The open dialog,
rooted in the folder, lists the rest."""

REPORT_LINES = 10
"""A report of skipped files names at most this many and counts the rest."""


def load_or_reason(
    path: Path,
    db: Path,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadedDocument | str:
    """The loaded document, or a one-line reason it could not be read (never raises).

    Extracted formats come from the cache beside the database `db`, or are extracted in a
    child process (see reader.formats.cached.load_for_database) that `cancelled` can stop.
    A huge plain text is kept on disk, as its pane keeps it when it opens it from its head
    (see `SpooledText`): a file read again after it changed, or one with no head to show.
    """
    from reader.formats import base
    from reader.formats.cached import load_for_database

    try:
        huge = path.stat().st_size > base.HEAD_FROM
    except OSError:
        huge = False  # (the load says why it cannot be read)
    try:
        return load_for_database(path, db, cancelled=cancelled, progress=progress, spool=huge)
    except base.DocumentError as error:
        return str(error)
    except Exception as error:  # a loader bug must not take the app down
        return f"unexpected {type(error).__name__}: {error}"


FileSignature = tuple[int, int, int]


def file_signature(path: Path) -> FileSignature | None:
    """What changes when a file is rewritten (modification time, size, inode); None if it
    cannot be read. Cheap enough to ask for every open document every few seconds."""
    from reader.formats.base import stat_signature

    try:
        return stat_signature(path.stat())
    except OSError:
        return None


FOLDER_SCAN_LIMIT = 20_000
"""A folder is listed (subfolders included) up to this many entries: `reader ~` must not spend
minutes walking a home folder before it shows anything."""


def expand_folder(folder: Path, *, first_only: bool = False) -> tuple[list[Path], Skipped]:
    """The documents in a folder and its subfolders to try, and the entries skipped, why
    (with `first_only`, the walk stops at the first document: all start-up needs).

    A folder's own documents (sorted by name) come before its subfolders' (each in turn, by
    name). Hidden entries are left out silently; unsupported types, folders that cannot be
    listed, and links to folders (which could lead back up the tree) are named.
    """
    from reader.formats.base import is_supported

    files: list[Path] = []
    skipped: Skipped = []
    scanned = 0

    def walk(current: Path) -> None:
        nonlocal scanned
        try:
            entries = sorted(current.iterdir(), key=lambda entry: entry.name.casefold())
        except OSError as error:
            skipped.append((current, error.strerror or "cannot be listed"))
            return
        subfolders: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            scanned += 1
            if scanned > FOLDER_SCAN_LIMIT:
                skipped.append((current, f"not listed further: more than "
                                         f"{FOLDER_SCAN_LIMIT:,} entries"))
                return
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir and entry.is_symlink():
                skipped.append((entry, "a link to a folder (not followed)"))
            elif is_dir:
                subfolders.append(entry)
            elif not is_supported(entry):
                skipped.append((entry, "not a supported document type"))
            else:
                files.append(entry)
                if first_only:
                    return
        for subfolder in subfolders:
            if scanned > FOLDER_SCAN_LIMIT or (first_only and files):
                return
            walk(subfolder)

    walk(folder)
    return files, skipped


def describe_skipped(skipped: Skipped, limit: int = REPORT_LINES, root: Path | None = None
                     ) -> str:
    """One line per skipped entry, the first `limit` of them, then how many more there are;
    entries inside `root` are named by their path from it (`2019/scan.tiff`)."""
    lines = [describe(entry, why, root) for entry, why in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"... and {len(skipped) - limit:,} more")
    return "\n".join(lines)


def describe(path: Path, why: str, root: Path | None = None) -> str:
    """One line naming the file (by its path from `root` if it is inside) and the reason,
    without naming the file twice."""
    if path.name in why:
        return why
    name = path.name
    if root is not None and path != root and path.is_relative_to(root):
        name = path.relative_to(root).as_posix()
    return f"{name}: {why}"
