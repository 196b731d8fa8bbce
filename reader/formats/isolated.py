"""Extraction in a child process with memory and time limits: a loader that crashes, loops or
eats memory on a hostile or odd file fails that one document, never the process that asked.

The parent waits on a pipe a tenth of a second at a time, so it can pass on progress, give up
when asked (`cancelled`), and kill a child past its time; the child limits its own address space
and CPU time with `resource.setrlimit` before it reads a byte.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from reader.formats.base import DocumentError, LoadedDocument, load_document

Extract = Callable[[Path], LoadedDocument]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExtractionLimits:
    """What one extraction may take: address space (bytes), CPU seconds, wall-clock seconds."""

    memory: int = 3 << 30
    cpu_seconds: int = 300
    wall_seconds: float = 600.0


DEFAULT_LIMITS = ExtractionLimits()


class ExtractionCancelled(DocumentError):
    """The user stopped the extraction."""


class ExtractionFailed(DocumentError):
    """The extractor crashed, ran out of memory or of time."""


# How often the parent looks up from the pipe to check for a cancel or a deadline.
_POLL_SECONDS = 0.1
# The child is a fresh interpreter (not a fork: it shares no lock, thread or open database with
# the app, and not multiprocessing's spawn, which would run the parent's main script again); it
# reads its request from stdin and answers on the pipe it is given.
_CHILD_CODE = "from reader.formats.isolated import _child_entry; _child_entry()"


@dataclass
class _Child:
    """A started child and the parent's end of the pipe it answers on."""

    process: subprocess.Popen[bytes]
    receiver: Connection


# After an extraction, the next child is started at once and imports the extractors while the
# user reads: the next extraction then skips the interpreter's start and the imports (about
# 0.15 s, a tenth of a 200-page Word file's extraction). One at most, taken by one extraction.
_spare: _Child | None = None
_spare_lock = threading.Lock()


def _start_child(*, spare: bool = False) -> _Child:
    """A child answering on a new pipe; a spare one imports every extractor while it waits."""
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, str(write_end), *(["spare"] * spare)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            # A crash's traceback must not scribble over the reader's screen.
            stderr=subprocess.DEVNULL,
            pass_fds=(write_end,), env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            start_new_session=True,  # a ctrl+c in the terminal is the app's to handle
        )
    except OSError:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)  # the child's end: EOF here once the child is gone
    return _Child(process, Connection(read_end, writable=False))


def _take_child() -> _Child:
    """The spare child if it is ready (alive, its extractors imported), else a new one: a spare
    still importing would make this extraction wait for libraries it may not need."""
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
    if child is not None:
        if child.process.poll() is None and _said_ready(child.receiver):
            return child
        child.receiver.close()
        if child.process.poll() is None:
            child.process.kill()
        child.process.wait()
    return _start_child()


def _said_ready(receiver: Connection) -> bool:
    try:
        return bool(receiver.poll(0)) and receiver.recv() == ("ready",)
    except (EOFError, OSError):
        return False


def _prepare_spare() -> None:
    """Start the spare child for the next extraction, unless one is waiting already."""
    global _spare
    with _spare_lock:
        if _spare is not None:
            return
        try:
            _spare = _start_child(spare=True)
        except OSError:
            _spare = None  # the next extraction starts its own (and reports why it cannot)


def extract_isolated(
    path: Path,
    *,
    extract: Extract = load_document,
    limits: ExtractionLimits = DEFAULT_LIMITS,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
) -> LoadedDocument:
    """`extract(path)` run in a child process within `limits`; `extract` must be a module-level
    function (the child imports it by name).

    Raises the extractor's own DocumentError (one line naming the file), ExtractionCancelled
    when `cancelled()` turns true, or ExtractionFailed when the child dies, runs out of memory
    or passes its time.
    """
    try:
        started = _take_child()
    except OSError as error:
        raise ExtractionFailed(f"cannot start the extractor ({error.strerror})", path) from None
    child, receiver = started.process, started.receiver
    deadline = time.monotonic() + limits.wall_seconds
    try:
        assert child.stdin is not None
        try:
            child.stdin.write(pickle.dumps((extract, path, limits)))
            child.stdin.close()
        except BrokenPipeError:
            pass  # the child is gone already: its exit status tells why
        while True:
            if cancelled():
                raise ExtractionCancelled("extraction cancelled", path)
            if time.monotonic() > deadline:
                raise ExtractionFailed(
                    f"took longer than {limits.wall_seconds:g} s to extract; stopped", path
                )
            if not receiver.poll(_POLL_SECONDS):
                continue
            try:
                kind, *payload = receiver.recv()
            except (EOFError, OSError):
                raise ExtractionFailed(_death(child.wait(5), limits), path) from None
            if kind == "progress":
                if progress is not None:
                    progress(*payload)
            elif kind == "done":
                document: LoadedDocument = payload[0]
                return document
            else:
                raise _error_from(payload[0], payload[1], path)
    finally:
        receiver.close()
        if child.poll() is None:
            child.kill()
        child.wait()
        _prepare_spare()


def _death(exitcode: int | None, limits: ExtractionLimits) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        number = -exitcode
        if number == signal.SIGXCPU:
            return f"used more than {limits.cpu_seconds} s of processor time to extract; stopped"
        if number == signal.SIGKILL:
            return ("was stopped while extracting (out of memory? it may take more than "
                    f"{limits.memory >> 20} MB)")
        return f"made the extractor crash ({signal.Signals(number).name})"
    return f"made the extractor stop without an answer (exit status {exitcode})"


def _error_from(kind: str, message: str, path: Path) -> DocumentError:
    if kind == "document":  # the loader's own line, naming the file already
        return DocumentError(message)
    return ExtractionFailed(message, path)


def _child_entry() -> None:
    """The child's main: the request from stdin, the answers on the pipe named by argv[1]."""
    sender = Connection(int(sys.argv[1]), readable=False)
    if sys.argv[2:] == ["spare"]:
        from reader.formats.base import warm_up_extractors

        # While it waits for a request (if its parent goes instead, stdin ends and so does it).
        warm_up_extractors()
        sender.send(("ready",))
    request = sys.stdin.buffer.read()
    if not request:
        return
    extract, path, limits = pickle.loads(request)
    _child_main(sender, extract, path, limits)


def _child_main(sender: Connection, extract: Extract, path: Path, limits: ExtractionLimits
                ) -> None:
    """In the child: limit itself, extract, send the document or what went wrong."""
    import resource

    for which, value in ((resource.RLIMIT_AS, limits.memory),
                         (resource.RLIMIT_CPU, limits.cpu_seconds)):
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))
    from reader.formats.progress import reporting_to

    last = [0.0]

    def send_progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.05 or done == total:  # a few reports a second are plenty
            last[0] = now
            sender.send(("progress", done, total))

    answer: tuple[Any, ...]
    try:
        with reporting_to(send_progress):
            answer = ("done", extract(path))
    except DocumentError as error:
        answer = ("error", "document", str(error))
    except MemoryError:
        answer = ("error", "memory",
                  f"needs more than {limits.memory >> 20} MB of memory to extract; stopped")
    except Exception as error:  # a loader bug: one line, not a traceback
        answer = ("error", "bug", f"unexpected {type(error).__name__} while extracting: {error}")
    try:
        sender.send(answer)
    except MemoryError:
        sender.send(("error", "memory", "the extracted text is too large to pass on"))
    finally:
        sender.close()
