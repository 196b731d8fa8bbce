"""Runs a command in a pseudo-terminal and times how long until given text is painted on screen."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from dataclasses import dataclass

import pyte


@dataclass
class Painted:
    """How long until the marker appeared, and the screen at that moment."""

    seconds: float
    screen: list[str]


def time_to_text(
    argv: list[str],
    marker: str,
    *,
    columns: int = 120,
    lines: int = 40,
    timeout: float = 20.0,
    env: dict[str, str] | None = None,
    quit_keys: bytes = b"\x11",
) -> Painted:
    """Start `argv` in a pty of the given size; return when `marker` is on the emulated screen."""
    screen = pyte.Screen(columns, lines)
    stream = pyte.ByteStream(screen)
    child_env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": str(columns),
        "LINES": str(lines),
        **(env or {}),
    }
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of the right size, then the command
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        os.execvpe(argv[0], argv, child_env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    try:
        deadline = start + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(
                    f"{marker!r} not painted within {timeout}s:\n" + "\n".join(screen.display)
                )
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.05))
            if ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise RuntimeError(
                        "the program exited before painting:\n" + "\n".join(screen.display)
                    )
                stream.feed(data)
                if any(marker in row for row in screen.display):
                    return Painted(time.perf_counter() - start, list(screen.display))
    finally:
        _stop(pid, fd, quit_keys)


def _stop(pid: int, fd: int, quit_keys: bytes) -> None:
    """Ask the program to quit with its own keys; kill it if it does not."""
    try:
        os.write(fd, quit_keys)
    except OSError:
        pass
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        # Drain output so the child never blocks writing to a full pty.
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
