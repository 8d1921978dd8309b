"""The build locks: one holder across processes, a bounded wait, released when a holder dies."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph_service.errors import BackendUnavailable
from graph_service.services.file_locks import exclusive

HOLD = """
import fcntl, sys, time
handle = open(sys.argv[1], "a")
fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_another_process_holding_the_lock_makes_a_bounded_wait_fail_then_its_death_frees_it(
        tmp_path: Path) -> None:
    path = tmp_path / "locks" / "build.lock"
    path.parent.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        started = time.monotonic()
        with pytest.raises(BackendUnavailable) as info, \
                exclusive(path, wait=0.3, busy="being built elsewhere"):
            pass
        assert info.value.message == "being built elsewhere"
        assert 0.3 <= time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait(10)
    with exclusive(path, wait=5, busy="still held"):  # the kernel freed the dead holder's lock
        pass


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "build.lock"
    inside: list[int] = []
    overlap: list[int] = []

    def work(n: int) -> None:
        with exclusive(path, wait=10, busy="busy"):
            if inside:
                overlap.append(n)
            inside.append(n)
            time.sleep(0.05)
            inside.remove(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not overlap


def test_a_directory_that_cannot_hold_the_lock_file_raises_oserror(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError), exclusive(blocker / "x.lock", wait=1, busy="busy"):
        pass
