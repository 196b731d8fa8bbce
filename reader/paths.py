"""Where reader's bundled resources, database, config and session state live."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "reader"
DB_ENV_VAR = "READER_DB"
CONFIG_ENV_VAR = "READER_CONFIG"

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """A bundled top-level folder (`styles` or `sample_docs`), from a wheel or a source checkout.

    A wheel carries them inside the package as `reader/_data/<name>`; a source checkout or an
    editable install has them beside the package at the repository's top level.
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"reader's bundled folder {name!r} is missing from this installation")


def styles_dir() -> Path:
    return resource_dir("styles")


def sample_docs_dir() -> Path:
    return resource_dir("sample_docs")


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path(APP_NAME, appauthor=False)


def spool_dir() -> Path:
    """Where a huge document's text is kept while it is open (as files with no name): the
    user's cache, on disk, rather than a /tmp that may be memory (tmpfs)."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False) / "texts"


def default_db_path() -> Path:
    return data_dir() / "annotations.json"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database to use: `--db PATH`, else `READER_DB`, else the user data directory.

    An empty `explicit` path is an error, not "no path": `--db "$UNSET"` must not quietly open
    another database.
    """
    if explicit is not None:
        if not os.fspath(explicit):
            raise ValueError("the database path is empty")
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return default_db_path()


def extraction_cache_dir(db: Path) -> Path:
    """The folder beside the database where the texts and structure maps extracted from PDF,
    Word, e-book ... files are kept (see reader.core.extraction_cache): the one place that says
    where, so it can move with the database."""
    return db.with_name(db.stem + ".extracted")


def config_path() -> Path:
    """The config file: `READER_CONFIG`, else `config.toml` in the user config directory."""
    from_env = os.environ.get(CONFIG_ENV_VAR)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return config_dir() / "config.toml"


def session_path(db: Path) -> Path:
    """The TUI session state (open documents, panes, positions, theme) kept beside its database."""
    return db.with_name(db.stem + ".session.json")


def imported_texts_dir(db: Path) -> Path:
    """Where texts that came inside an imported project (a `.qdpx`'s sources) are kept as files
    beside their database, so they open and read like any text document."""
    return db.with_name(db.stem + ".texts")


def database_file_role(candidate: Path, db: Path) -> str | None:
    """What `candidate` is to the database `db` if it is one of the files reader keeps for it
    (the store's own, or the session beside it), else None: never a place to write output."""
    from reader.core.durable import same_file
    from reader.core.store import own_file_role

    if same_file(candidate, session_path(db)):
        return "the reader's session file"
    return own_file_role(candidate, db)
