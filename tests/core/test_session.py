"""The session model: round trip, validation, atomic save, recent list, no Textual import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reader.session import (
    DocumentState,
    PaneState,
    Session,
    SessionError,
    load_session,
    remember_recent,
    save_session,
)


def _session() -> Session:
    return Session(
        panes=[
            PaneState(
                documents=[
                    DocumentState("/docs/a.txt", cursor=120, view={"scroll_y": 4}),
                    DocumentState("/docs/b.md", cursor=0),
                ],
                active=1,
            ),
            PaneState(documents=[DocumentState("/docs/c.txt", cursor=7)]),
        ],
        focused_pane=1,
        layout="vertical",
        theme="nord",
        wrap=False,
        line_numbers=True,
        recent=["/docs/c.txt", "/docs/a.txt"],
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state" / "db.session.json"
    save_session(path, _session())
    assert load_session(path) == _session()
    assert json.loads(path.read_text("utf-8"))["version"] == 1


def test_missing_file_is_no_session(tmp_path: Path) -> None:
    assert load_session(tmp_path / "none.json") is None


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'{"version": 99}',
        b'{"version": 1, "layout": "diagonal"}',
        b'{"version": 1, "panes": [{"documents": [{"path": 3}]}]}',
        b'{"version": 1, "panes": [{"documents": [{"path": "a", "cursor": true}]}]}',
        b'{"version": 1, "wrap": "yes"}',
    ],
)
def test_corrupt_file_raises_session_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    with pytest.raises(SessionError) as error:
        load_session(path)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_out_of_range_indices_are_clamped() -> None:
    data = _session().to_dict()
    data["focused_pane"] = 9
    data["panes"][0]["active"] = 42
    data["panes"][1]["documents"][0]["cursor"] = -5
    session = Session.from_dict(data)
    assert session.focused_pane == 1
    assert session.panes[0].active == 1
    assert session.panes[1].documents[0].cursor == 0


def test_save_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "state" / "s.json"
    path.parent.mkdir()
    path.write_text("old", "utf-8")
    save_session(path, _session())
    assert [p.name for p in path.parent.iterdir()] == ["s.json"]
    assert load_session(path) == _session()


def test_failed_save_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "s.json"
    save_session(path, _session())
    bad = _session()
    bad.panes[0].documents[0].view = {"x": object()}
    with pytest.raises(TypeError):
        save_session(path, bad)
    assert load_session(path) == _session()
    assert [p.name for p in path.parent.iterdir()] == ["s.json"]


def test_remember_recent() -> None:
    assert remember_recent(["b", "a", "c"], "a") == ["a", "b", "c"]
    assert remember_recent([str(i) for i in range(5)], "new", limit=3) == ["new", "0", "1"]


def test_has_documents() -> None:
    assert _session().has_documents
    assert not Session(panes=[PaneState()]).has_documents


def test_session_module_does_not_import_textual() -> None:
    code = "import sys, reader.session; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
