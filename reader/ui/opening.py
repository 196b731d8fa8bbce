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
    """
    from reader.formats.base import DocumentError
    from reader.formats.cached import load_for_database

    try:
        return load_for_database(path, db, cancelled=cancelled, progress=progress)
    except DocumentError as error:
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


def expand_folder(folder: Path) -> tuple[list[Path], Skipped]:
    """The documents in a folder to try (sorted by name) and the entries skipped up front, why.

    Hidden entries are left out silently; sub-folders and unsupported types are named.
    """
    from reader.formats.base import is_supported

    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name.casefold())
    except OSError as error:
        return [], [(folder, error.strerror or "cannot be listed")]
    files: list[Path] = []
    skipped: Skipped = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            skipped.append((entry, "a folder"))
        elif not is_supported(entry):
            skipped.append((entry, "not a supported document type"))
        else:
            files.append(entry)
    return files, skipped


def describe_skipped(skipped: Skipped, limit: int = REPORT_LINES) -> str:
    """One line per skipped entry, the first `limit` of them, then how many more there are."""
    lines = [describe(entry, why) for entry, why in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"... and {len(skipped) - limit:,} more")
    return "\n".join(lines)


def describe(path: Path, why: str) -> str:
    """One line naming the file and the reason, without naming the file twice."""
    return why if path.name in why else f"{path.name}: {why}"
