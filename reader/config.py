"""Typed user settings read from the TOML config file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reader.core.bidi import BIDI_SETTINGS, BidiSetting
from reader.paths import config_path


class ConfigError(Exception):
    """The config file exists but cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything the user can set in `config.toml`.

    ```toml
    [user]
    name = "Rania"          # the annotator recorded on every annotation

    [keys]                  # binding id = keys, as Textual writes them
    "coding.tag-picker" = "t,ctrl+t"

    [display]
    bidi = "auto"           # right-to-left text: "auto", "reader", "terminal" or "off"
    ```
    """

    annotator: str = ""
    keymap: dict[str, str] = field(default_factory=dict)
    bidi: BidiSetting = "auto"
    """Who puts right-to-left text in visual order (see reader.core.bidi.resolve_mode)."""
    source: Path | None = None

    @property
    def annotator_name(self) -> str:
        """The configured name, else the login name."""
        if self.annotator:
            return self.annotator
        import getpass  # (asked once the store opens, after the first frame: not at start-up)

        try:
            return getpass.getuser()
        except Exception:  # no login name in some containers
            return "unknown"


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file means the defaults."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from error
    import tomllib  # (only when there is a file: most start-ups have none)

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from error
    user = data.get("user", {})
    keys = data.get("keys", {})
    display = data.get("display", {})
    if not isinstance(user, dict) or not isinstance(keys, dict) or not isinstance(display, dict):
        raise ConfigError(f"config file {path}: [user], [keys] and [display] must be tables")
    bidi = display.get("bidi", "auto")
    if bidi not in BIDI_SETTINGS:
        choices = ", ".join(f'"{choice}"' for choice in BIDI_SETTINGS)
        raise ConfigError(f"config file {path}: display.bidi must be one of {choices}")
    name = user.get("name", "")
    if not isinstance(name, str):
        raise ConfigError(f"config file {path}: user.name must be a string")
    keymap = {str(k): str(v) for k, v in keys.items()}
    return Settings(annotator=name.strip(), keymap=keymap, bidi=bidi, source=path)
