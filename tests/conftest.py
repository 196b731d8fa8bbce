"""Shared fixtures: every test gets its own database, config and data folders."""

from __future__ import annotations

from pathlib import Path

import pytest

# The waits Pilot tests share (`until` a condition holds, `settle` until the app is quiet) are in
# support.py beside this file; pytest puts this folder on sys.path, so `from support import until`.


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the real user's database, config and session."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.delenv("READER_DB", raising=False)
    monkeypatch.delenv("READER_CONFIG", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "annotations.json"
