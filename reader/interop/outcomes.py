"""What exporters and importers raise and return, apart from the registry that runs them."""

from __future__ import annotations

from dataclasses import dataclass


class ExchangeError(ValueError):
    """An export or import that cannot be done; str() is one line for the user."""


class ExportError(ExchangeError):
    """An export that cannot be made or written."""


@dataclass(frozen=True)
class ExportOutcome:
    """What an export wrote: `count` items of a kind (`what`, singular), and what was left out."""

    count: int
    what: str
    warnings: tuple[str, ...] = ()
