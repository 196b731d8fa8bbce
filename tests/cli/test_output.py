"""Document text on standard output: exact into files and pipes, harmless on a terminal."""

from __future__ import annotations

import io

from reader.cli_output import Output, TerminalText


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_the_text_unchanged() -> None:
    pipe = io.StringIO()
    text = "a\x1b]0;t\x07b\r\nc\x9bd\te\r"
    with Output(stdout=pipe).document_text() as stream:
        stream.write(text)
    assert pipe.getvalue() == text


def test_a_terminal_gets_visible_symbols_and_keeps_line_ends_and_tabs() -> None:
    screen = Terminal()
    with Output(stdout=screen).document_text() as stream:
        stream.write("a\x1b]0;t\x07b\r")  # a CRLF split across two writes is still a line end
        stream.write("\nc\x9bd\te\rf\r")
    assert screen.getvalue() == "a␛]0;t␇b\nc\ufffdd\te␍f␍"


def test_closing_the_filter_leaves_the_terminal_open() -> None:
    screen = Terminal()
    shown = TerminalText(screen)
    shown.write("x")
    shown.close()
    assert not screen.closed and screen.getvalue() == "x"
