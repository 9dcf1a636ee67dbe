"""Processes a test starts and the processes they start in turn, found through /proc (Linux), so a test can
stop them all and check that none is left running."""

import contextlib
import os
import signal
import subprocess
from pathlib import Path


def children_of(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def descendants_of(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs, children first."""
    children = children_of(pid)
    return children + [grandchild for child in children for grandchild in descendants_of(child)]


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().rstrip("\0").split("\0")


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, stopped and waiting for its parent to read it, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def kill_with_descendants(process: subprocess.Popen) -> None:
    """Kill a process that did not stop, and whatever it started (in a process group of its own or not)."""
    descendants = descendants_of(process.pid)
    process.kill()
    process.wait()
    for pid in descendants:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
