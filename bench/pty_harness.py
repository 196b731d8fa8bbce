"""A pseudo-terminal harness: run a command in a pty, emulate its screen with pyte, send keys, time.

Used by bench/bench_view.py and by tests/e2e/test_terminal_safety.py:

    with PtySession([sys.executable, "-m", "reader.ui.launch", path]) as session:
        painted = session.wait_for_text("BOOK ONE")        # seconds to first painted screen
        latency = session.time_key(KEYS["pagedown"])         # seconds until the screen changes
        session.peak_rss_kib()                               # VmHWM of the process

All bytes the program wrote are kept in `session.raw`, so a test can check what reached the
terminal, not only what an emulator made of it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType

import pyte

KEYS: dict[str, bytes] = {
    "enter": b"\r",
    "escape": b"\x1b",
    "pagedown": b"\x1b[6~",
    "pageup": b"\x1b[5~",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "ctrl+q": b"\x11",
    "ctrl+c": b"\x03",
}
"""Bytes a terminal sends for the keys the benchmarks and tests press."""

BURST_GAP = 0.002
"""Output arriving within this many seconds of the previous read belongs to the same burst."""
MAX_BURST = 0.25
"""How long past its deadline a read goes on draining a burst that does not pause."""


class PtySession:
    """A command running in a pseudo-terminal of `columns` x `lines`, its screen in pyte."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        columns: int = 120,
        lines: int = 40,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.argv = list(argv)
        self.columns = columns
        self.lines = lines
        self.env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(columns),
            "LINES": str(lines),
            **(env or {}),
        }
        self.cwd = cwd
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.pid = 0
        self.fd = -1
        self.started = 0.0
        self.last_output_at = 0.0
        """When the program last wrote (perf_counter); the timings below end there."""
        self._held: list[bytes] = []  # output collected but not emulated yet

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> PtySession:
        self.started = time.perf_counter()
        size = struct.pack("HHHH", self.lines, self.columns, 0, 0)
        pid, fd = pty.fork()
        if pid == 0:  # the child: a terminal of the right size, then the command
            try:
                fcntl.ioctl(1, termios.TIOCSWINSZ, size)
                if self.cwd:
                    os.chdir(self.cwd)
                os.execvpe(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, size)
        return self

    def close(self, quit_keys: bytes = KEYS["ctrl+q"], grace: float = 3.0) -> int | None:
        """Ask the program to quit, then end it; returns its exit status if it ended."""
        if self.pid <= 0:
            return None
        status: int | None = None
        try:
            if quit_keys:
                self.send(quit_keys)
            deadline = time.perf_counter() + grace
            while time.perf_counter() < deadline:
                self.read(0.05)
                done, raw_status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    status = os.waitstatus_to_exitcode(raw_status)
                    break
            else:
                os.kill(self.pid, signal.SIGTERM)
                _done, raw_status = os.waitpid(self.pid, 0)
                status = os.waitstatus_to_exitcode(raw_status)
        except (ChildProcessError, ProcessLookupError):
            pass
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.pid = 0
        return status

    def __enter__(self) -> PtySession:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ I/O

    def read(self, timeout: float) -> int:
        """Feed the program's next burst of output (waiting up to `timeout` for it) to the emulator.

        A burst of output (a frame is tens of kilobytes, and a pty passes 4 KiB at a time) is
        read to its end before any of it is emulated: pyte takes milliseconds per kilobyte, and
        emulating between reads would hold the program's writes back, timing pyte rather than
        the program. `last_output_at` is when the last byte of the burst arrived.
        """
        if self._held:
            self._emulate(self._held)
            self._held = []
        total = 0
        deadline = time.perf_counter() + timeout
        burst: list[bytes] = []
        while True:
            now = time.perf_counter()
            remaining = max(0.0, deadline - now)
            if burst and now > deadline + MAX_BURST:
                break  # output that never pauses: emulate what came so far
            wait = BURST_GAP if burst else remaining
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                break  # the burst is over (or nothing came before the deadline)
            data = self._take()
            if not data:
                break
            burst.append(data)
            total += len(data)
        self._emulate(burst)
        return total

    def collect(self, timeout: float) -> int:
        """Take what the program writes within `timeout` off the pty without emulating it.

        For a loop that watches something else (a file on disk) while the program paints:
        emulating a frame takes pyte tens of milliseconds, which that loop would then miss.
        The next `read` emulates the collected output first.
        """
        total = 0
        ready, _, _ = select.select([self.fd], [], [], timeout)
        while ready:
            data = self._take()
            if not data:
                break
            self._held.append(data)
            total += len(data)
            ready, _, _ = select.select([self.fd], [], [], 0)
        return total

    def _take(self) -> bytes:
        """What the pty holds now (b"" once the program exited and the pty closed)."""
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        if data:
            self.last_output_at = time.perf_counter()
        return data

    def _emulate(self, chunks: list[bytes]) -> None:
        for data in chunks:
            self.raw += data
            self.stream.feed(data)

    def send(self, data: bytes | str) -> None:
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def cells(self, rows: Iterable[int] | None = None) -> dict[int, tuple[object, ...]]:
        """Characters with their attributes, per screen row (all rows, or just `rows`)."""
        buffer = self.screen.buffer
        columns = range(self.columns)
        wanted = range(self.lines) if rows is None else sorted(rows)
        return {y: tuple(buffer[y][x] for x in columns) for y in wanted if y < self.lines}

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 20.0) -> float:
        """Seconds from start() until the output that made `predicate()` hold had arrived."""
        deadline = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; screen:\n{self.text}")
            self.read(0.01)
        return max(self.last_output_at, self.started) - self.started

    def wait_for_text(self, marker: str, timeout: float = 20.0) -> float:
        """Seconds since start() until `marker` is painted on the emulated screen."""
        return self.wait_until(lambda: marker in self.text, timeout)

    def settle(self, quiet: float = 0.15, timeout: float = 5.0) -> None:
        """Read until the program has written nothing for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.read(quiet):
                return

    def time_key(
        self,
        keys: bytes | str,
        *,
        until: Callable[[], bool] | None = None,
        timeout: float = 10.0,
    ) -> float:
        """Send `keys`; seconds until the screen changes (or until `until()` holds).

        A change counts characters and their attributes, so a cursor drawn in reverse video
        moving one cell is a change.
        """
        before = self.cells()
        self.screen.dirty.clear()
        sent = time.perf_counter()
        self.send(keys)

        def changed() -> bool:
            if not self.screen.dirty:
                return False
            now = self.cells(self.screen.dirty)
            return any(now[y] != before[y] for y in now)

        condition = until or changed
        deadline = sent + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no change within {timeout}s after {keys!r}")
            self.read(0.002)
        return max(self.last_output_at, sent) - sent

    # ------------------------------------------------------------------ process

    def _status_kib(self, field: str) -> int:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def peak_rss_kib(self) -> int:
        """The process's peak resident memory (VmHWM), in KiB."""
        return self._status_kib("VmHWM")

    def rss_kib(self) -> int:
        return self._status_kib("VmRSS")
