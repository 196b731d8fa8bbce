"""How the command line shows results: Rich tables on a terminal, tab-separated text in a pipe."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from reader.core.display import printable


def shorten(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters, for a table cell."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class TerminalText(io.TextIOBase):
    """A text stream onto a terminal that shows control characters as visible symbols.

    Exported text is data: an escape sequence in a document or memo must not retitle the
    terminal, set its clipboard (OSC 52) or clear the screen. Line breaks and tabs stay as they
    are, and so does a CRLF line end (a lone carriage return, which could hide what precedes it
    on the line, is shown as a symbol).
    """

    def __init__(self, terminal: TextIO) -> None:
        super().__init__()
        self._terminal = terminal
        self._carriage_return = False  # a write ended in "\r": it may start a CRLF pair

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        written = len(text)
        if self._carriage_return:
            text = "\r" + text
            self._carriage_return = False
        if text.endswith("\r"):
            text = text[:-1]
            self._carriage_return = True
        shown = printable(text.replace("\r\n", "\n"), keep_tabs=True, keep_newlines=True)
        self._terminal.write(shown)
        return written

    def flush(self) -> None:
        self._terminal.flush()

    def close(self) -> None:
        """Show a carriage return left at the very end; the terminal itself stays open."""
        if self._carriage_return:
            self._carriage_return = False
            self._terminal.write(printable("\r"))
        self.flush()
        super().close()


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

    @contextmanager
    def document_text(self) -> Iterator[TextIO]:
        """Where document text (an export, a listing as CSV or JSON) goes on standard output:
        exactly as it is to a file or pipe; on a terminal, with control characters and escape
        sequences shown as visible symbols."""
        if not self.is_terminal:
            yield self.stdout
            return
        shown = TerminalText(self.stdout)
        try:
            yield shown  # type: ignore[misc]  # a TextIOBase is a TextIO in all but name
        finally:
            shown.close()

    def say(self, message: str) -> None:
        print(printable(message), file=self.stdout)

    def warn(self, message: str) -> None:
        print(f"reader: warning: {printable(message)}", file=self.stderr)

    def error(self, message: str) -> None:
        print(f"reader: error: {printable(message)}", file=self.stderr)
