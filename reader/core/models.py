"""The records reader keeps: documents, tags and annotations, and their JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Self


def utc_now() -> str:
    """The current time as UTC ISO 8601 with seconds, the form every record uses."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class _Record:
    """JSON round-trip shared by the record classes; unknown keys from newer files are ignored."""

    def to_record(self) -> dict[str, Any]:
        # Every field is a string, a number, None or a tuple of strings: no deep copy needed
        # (`dataclasses.asdict` made an import of 100,000 passages spend seconds here).
        names = self.__dataclass_fields__  # type: ignore[attr-defined]
        record = {name: getattr(self, name) for name in names}
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in record.items()}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        known = cls.__dataclass_fields__  # type: ignore[attr-defined]
        # A record of this version has only known keys: copied whole (an export builds a
        # hundred thousand passages here).
        if record.keys() <= known.keys():
            values = dict(record)
        else:
            values = {key: value for key, value in record.items() if key in known}
        for key, value in values.items():
            if type(value) is list:
                values[key] = tuple(value)
        return cls(**values)

    def evolve(self, **changes: Any) -> Self:
        return replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class Document(_Record):
    """A document reader knows: where it is and which content its annotations point into."""

    id: str
    path: str
    title: str
    size: int
    encoding: str
    sha256: str
    format: str = "text"
    # Other paths the same content was seen at (a copy, or where it lived before a move).
    aliases: tuple[str, ...] = ()
    version: int = 1
    added: str = field(default_factory=utc_now)
    updated: str = field(default_factory=utc_now)
    # For an extracted format (PDF, DOCX, ...): the SHA-256 of the file's bytes and what
    # extracted its text ("pdf: pypdf 6.1.1; reader 0.1.0"); "" for text read as it is.
    source_sha256: str = ""
    extractor: str = ""
    # The title was given by the user (`reader docs rename`): a new version keeps it.
    renamed: bool = False


@dataclass(frozen=True)
class Tag(_Record):
    """A code of the codebook. `parent` is another tag's id; `hotkey` a slot from 1 to 9."""

    id: str
    name: str
    colour: str
    description: str = ""
    parent: str | None = None
    hotkey: int | None = None
    created: str = field(default_factory=utc_now)


@dataclass(frozen=True)
class Annotation(_Record):
    """A coded passage: `text[start:end] == quote` in its document's canonical text.

    Offsets are Unicode code points, half-open. `prefix` and `suffix` are the context around the
    quote, kept so the passage can be found again when the document changes.
    """

    id: str
    document: str
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    tags: tuple[str, ...] = ()
    memo: str = ""
    annotator: str = ""
    created: str = field(default_factory=utc_now)
    updated: str = field(default_factory=utc_now)
    # The document changed and the quote is no longer at [start, end).
    needs_reanchor: bool = False
