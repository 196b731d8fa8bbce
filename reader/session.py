"""The TUI session (documents, panes, positions, theme) as plain data, saved as JSON.

No Textual here: the app turns its widgets into a `Session` and back, and this module only
validates, serialises and writes it. A session file that cannot be read is reported through
`SessionError`, never by crashing the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SESSION_VERSION = 1
RECENT_LIMIT = 20

Layout = Literal["horizontal", "vertical"]
LAYOUTS: tuple[Layout, ...] = ("horizontal", "vertical")


class SessionError(Exception):
    """The session file exists but cannot be used; str() is one user-facing line."""


@dataclass
class DocumentState:
    """One open document: where it is and where the reader was in it."""

    path: str
    cursor: int = 0
    view: dict[str, Any] = field(default_factory=dict)


@dataclass
class PaneState:
    """One pane: its documents (tabs, in order) and which tab is showing."""

    documents: list[DocumentState] = field(default_factory=list)
    active: int = 0


@dataclass
class Session:
    """Everything `reader` with no arguments brings back."""

    panes: list[PaneState] = field(default_factory=list)
    focused_pane: int = 0
    layout: Layout = "horizontal"
    theme: str | None = None
    wrap: bool = True
    line_numbers: bool = False
    recent: list[str] = field(default_factory=list)

    @property
    def has_documents(self) -> bool:
        return any(pane.documents for pane in self.panes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SESSION_VERSION,
            "layout": self.layout,
            "theme": self.theme,
            "wrap": self.wrap,
            "line_numbers": self.line_numbers,
            "focused_pane": self.focused_pane,
            "panes": [
                {
                    "active": pane.active,
                    "documents": [
                        {"path": doc.path, "cursor": doc.cursor, "view": doc.view}
                        for doc in pane.documents
                    ],
                }
                for pane in self.panes
            ],
            "recent": list(self.recent),
        }

    @classmethod
    def from_dict(cls, data: object) -> Session:
        """Validate and build a session; raises `SessionError` on anything malformed."""
        if not isinstance(data, dict):
            raise SessionError("the session is not a JSON object")
        version = data.get("version")
        if version != SESSION_VERSION:
            raise SessionError(f"unsupported session version {version!r}")
        layout = data.get("layout", "horizontal")
        if layout not in LAYOUTS:
            raise SessionError(f"unknown layout {layout!r}")
        theme = data.get("theme")
        if theme is not None and not isinstance(theme, str):
            raise SessionError("theme must be a string")
        panes_raw = _expect(data.get("panes", []), list, "panes")
        panes = [_pane_from(raw) for raw in panes_raw]
        focused = _expect(data.get("focused_pane", 0), int, "focused_pane")
        recent_raw = _expect(data.get("recent", []), list, "recent")
        recent = [item for item in recent_raw if isinstance(item, str)]
        return cls(
            panes=panes,
            focused_pane=min(max(focused, 0), max(len(panes) - 1, 0)),
            layout=layout,
            theme=theme,
            wrap=_expect(data.get("wrap", True), bool, "wrap"),
            line_numbers=_expect(data.get("line_numbers", False), bool, "line_numbers"),
            recent=recent[:RECENT_LIMIT],
        )


def _expect(value: Any, kind: type, name: str) -> Any:
    # bool is an int subclass: a cursor of `true` is as malformed as one of "3".
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SessionError(f"{name} must be {kind.__name__}, not {type(value).__name__}")
    return value


def _pane_from(raw_pane: object) -> PaneState:
    raw: dict[str, Any] = _expect(raw_pane, dict, "pane")
    documents: list[DocumentState] = []
    for raw_doc in _expect(raw.get("documents", []), list, "pane documents"):
        doc: dict[str, Any] = _expect(raw_doc, dict, "document")
        path = _expect(doc.get("path"), str, "document path")
        cursor = _expect(doc.get("cursor", 0), int, "document cursor")
        view = _expect(doc.get("view", {}), dict, "document view")
        documents.append(DocumentState(path=path, cursor=max(cursor, 0), view=view))
    active = _expect(raw.get("active", 0), int, "pane active")
    return PaneState(documents=documents, active=min(max(active, 0), max(len(documents) - 1, 0)))


def load_session(path: Path) -> Session | None:
    """The saved session, or None when there is none; raises `SessionError` if it is unusable."""
    from reader.core.durable import read_regular_file

    try:
        raw = read_regular_file(path)  # a FIFO there must not hang the reader's start
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SessionError(f"cannot read session file {path}: {error.strerror}") from error
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SessionError(f"session file {path} is not valid JSON ({error})") from error
    try:
        return Session.from_dict(data)
    except SessionError as error:
        raise SessionError(f"session file {path} is unusable: {error}") from error


def save_session(path: Path, session: Session) -> None:
    """Write the session atomically: a temporary file in the same folder, fsync, then rename."""
    from reader.core.durable import atomic_write_bytes  # (not needed to read one at start-up)

    payload = json.dumps(session.to_dict(), indent=2, ensure_ascii=False).encode("utf-8")
    atomic_write_bytes(path, payload, private=True)  # which files a user reads is theirs


def remember_recent(recent: list[str], path: str, limit: int = RECENT_LIMIT) -> list[str]:
    """`recent` with `path` moved to the front, without duplicates, at most `limit` long."""
    return [path, *(item for item in recent if item != path)][:limit]
