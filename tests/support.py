"""Waiting in Pilot tests for what the app is to do, never for a fixed time: `until` and `settle`.

Importable from every test folder as `support`: pytest puts this folder on `sys.path` for the
`conftest.py` beside it (the tests are not a package).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot

POLL_SECONDS = 0.02
"""How often `until` looks at its condition: a tick between looks, not a wait for anything."""
TIMEOUT_SECONDS = 10.0
"""How long a test waits for the app before it fails: ample on a loaded machine."""


async def until(
    pilot: Pilot[Any],
    condition: Callable[[], object],
    timeout: float = TIMEOUT_SECONDS,
) -> None:
    """Let the app run until `condition()` is true; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for the app")
        await pilot.pause(POLL_SECONDS)


def is_busy(app: App[Any]) -> bool:
    """Whether a worker of `app` is still running or a widget on a screen has unread messages."""
    if any(not worker.is_finished for worker in app.workers):
        return True
    nodes = [app, *(node for screen in app.screen_stack for node in screen.walk_children(
        with_self=True))]
    return any(node.message_queue_size for node in nodes)


async def settle(app: App[Any], pilot: Pilot[Any], timeout: float = TIMEOUT_SECONDS) -> None:
    """Let the app finish what it started: every worker done, every queued message handled.

    Timers (a debounce, an incremental search) are not waited for: wait for their effect with
    `until`.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await app.workers.wait_for_complete()
    await pilot.pause()  # what the workers' results posted
    while True:
        await pilot.pause()  # what handling those posted in turn
        if not is_busy(app):
            return
        if loop.time() > deadline:
            raise AssertionError(f"the app was still busy after {timeout:g} s")
        await app.workers.wait_for_complete()
