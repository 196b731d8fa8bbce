"""The cyclic collector is paused around bulk work and restored as it was, however pauses nest."""

from __future__ import annotations

import gc
import threading

import pytest

from reader.core.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_on():
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_back_on_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_restores_the_collector():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the import failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_end_with_the_last_one():
    first = collector_paused()
    second = collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled(), "the second pause is still running"
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_pauses_in_two_threads_restore_the_collector():
    started = threading.Barrier(2)

    def bulk_work():
        with collector_paused():
            started.wait()

    threads = [threading.Thread(target=bulk_work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()
