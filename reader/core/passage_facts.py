"""What counting needs of each passage (document, span, tags, annotator), and a cache of it per
passage file, so a corpus's statistics cost a look at each file rather than a read of it.

The cache (`facts.json` in the database's folder) is a hint, never a source: an entry is used only
while its file's signature (inode, size, modification and change times) is the one it was made
from, an entry is made only of a file that has not changed for a while (a file changed twice
within the file system's clock tick keeps its signature; one left alone that long cannot be
changed again without a new change time), and anything odd in the cache makes that entry, or the
whole cache, count as absent.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import orjson

FACTS_CACHE_NAME = "facts.json"
_FORMAT = 1
SETTLED_NANOSECONDS = 2_000_000_000
"""A file is cached only once unchanged for this long (see the module docstring)."""

Signature = tuple[int, int, int, int]


class PassageFacts(NamedTuple):
    """A passage as counting sees it: the fields of `Annotation` it reads, nothing else."""

    document: str
    start: int
    end: int
    tags: tuple[str, ...]
    annotator: str


_new_facts = partial(tuple.__new__, PassageFacts)  # PassageFacts from one tuple of its fields


def facts_of(records: Iterable[Mapping[str, Any]]) -> list[PassageFacts]:
    """The facts of checked passage records (fields as `Annotation.from_record` reads them)."""
    return [
        PassageFacts(record["document"], record["start"], record["end"],
                     tuple(record.get("tags", ())), record.get("annotator", ""))
        for record in records
    ]


def file_signature(path: Path) -> Signature | None:
    """What changes whenever a file does, even by hand (`touch` can set the modification time
    back, not the change time); None when there is no file."""
    try:
        found = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def settled(signature: Signature) -> bool:
    """Whether a file with this signature has been left alone long enough to be cached."""
    return max(signature[2], signature[3]) <= time.time_ns() - SETTLED_NANOSECONDS


class FactsCache:
    """The facts of each document's passage file, keyed by document id and file signature."""

    def __init__(self, entries: dict[str, Any] | None = None) -> None:
        self._entries: dict[str, Any] = entries if entries is not None else {}
        self.changed = False

    @classmethod
    def parse(cls, raw: bytes) -> FactsCache:
        """The cache in `raw`; an empty one if it is not a cache of this format."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return cls()
        if (type(data) is not dict or data.get("format") != _FORMAT
                or type(data.get("files")) is not dict):
            return cls()
        return cls(data["files"])

    def facts(self, document_id: str, signature: Signature) -> list[PassageFacts] | None:
        """The cached facts of a document's file with this signature, or None (not cached, made
        from another version of the file, or damaged)."""
        entry = self._entries.get(document_id)
        if type(entry) is not list or len(entry) != 4 or entry[0] != list(signature):
            return None
        _, combinations, annotators, flat = entry
        if not (
            type(combinations) is list and type(annotators) is list and type(flat) is list
            and all(type(tags) is list and set(map(type, tags)) <= {str} for tags in combinations)
            and set(map(type, annotators)) <= {str}
            and len(flat) % 4 == 0 and set(map(type, flat)) <= {int}
        ):
            return None
        chosen_tags, chosen_annotators = flat[2::4], flat[3::4]
        if chosen_tags and not (
            0 <= min(chosen_tags) and max(chosen_tags) < len(combinations)
            and 0 <= min(chosen_annotators) and max(chosen_annotators) < len(annotators)
        ):
            return None
        tag_tuples = [tuple(tags) for tags in combinations]
        # Built by `map` and `zip` alone (no Python-level loop): a corpus has many passages.
        return list(map(_new_facts, zip(
            repeat(document_id, len(chosen_tags)), flat[0::4], flat[1::4],
            map(tag_tuples.__getitem__, chosen_tags),
            map(annotators.__getitem__, chosen_annotators),
            strict=True,
        )))

    def put(self, document_id: str, signature: Signature, facts: list[PassageFacts]) -> None:
        """Remember a file's facts, if the file has settled and they are all of its document."""
        if not settled(signature) or any(fact.document != document_id for fact in facts):
            return
        combinations: dict[tuple[str, ...], int] = {}
        annotators: dict[str, int] = {}
        flat: list[int] = []
        for fact in facts:
            flat += (fact.start, fact.end,
                     combinations.setdefault(fact.tags, len(combinations)),
                     annotators.setdefault(fact.annotator, len(annotators)))
        self._entries[document_id] = [list(signature), [list(tags) for tags in combinations],
                                      list(annotators), flat]
        self.changed = True

    def keep_only(self, document_ids: Iterable[str]) -> None:
        """Forget the entries of documents no longer in the database."""
        wanted = set(document_ids)
        gone = [document_id for document_id in self._entries if document_id not in wanted]
        for document_id in gone:
            del self._entries[document_id]
        self.changed = self.changed or bool(gone)

    def dump(self) -> bytes:
        return orjson.dumps({"format": _FORMAT, "files": self._entries})
