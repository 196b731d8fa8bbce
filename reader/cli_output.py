"""How the command line shows results: Rich tables on a terminal, tab-separated text in a pipe."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from reader.core.display import printable


def shorten(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters, for a table cell."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Output:
    """Writes tables and messages; document text is data, never markup or terminal controls."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    @property
    def is_terminal(self) -> bool:
        isatty = getattr(self.stdout, "isatty", None)
        return bool(isatty and isatty())

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        title: str | None = None,
        styles: Sequence[str | None] | None = None,
    ) -> None:
        cells = [[printable("" if value is None else str(value)) for value in row] for row in rows]
        if not self.is_terminal:
            print("\t".join(headers), file=self.stdout)
            for row in cells:
                print("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row),
                      file=self.stdout)
            return
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(printable(title)) if title else None, header_style="bold")
        for index, header in enumerate(headers):
            style = styles[index] if styles and index < len(styles) else None
            table.add_column(header, style=style or "", overflow="fold")
        for row in cells:
            table.add_row(*(Text(cell) for cell in row))
        Console(file=self.stdout, highlight=False).print(table)

    def say(self, message: str) -> None:
        print(printable(message), file=self.stdout)

    def warn(self, message: str) -> None:
        print(f"reader: warning: {printable(message)}", file=self.stderr)

    def error(self, message: str) -> None:
        print(f"reader: error: {printable(message)}", file=self.stderr)
