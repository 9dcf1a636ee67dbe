"""Hold a server to a share of the CPU with a cgroup of its own, and read what it used (bench/scale_out.py).

Linux cgroup v1, as root: a group in the `cpu` hierarchy caps the cores its processes may use together (the
scheduler's quota: `cores` x 100 ms of CPU in every 100 ms period, then the group waits for the next period,
which the kernel counts as a throttled period), and a group of the same name in the `cpuacct` hierarchy counts
the CPU they used. A process put in both before it starts the server (``enter``, run in the child) takes every
process it forks with it: gunicorn's workers. Nothing here needs Django, so the arithmetic is tested alone
(tests/bench/test_cpu_limit.py).
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


def quota_us(cores: float) -> int:
    """The scheduler's quota per 100 ms period for a share of the CPU (0.3 cores: 30 ms in every 100 ms)."""
    if cores <= 0:
        raise ValueError("A CPU limit must be above 0 cores.")
    return max(1000, round(cores * PERIOD_US))  # the kernel refuses a quota under 1 ms


def parse_cpu_stat(text: str) -> dict[str, int]:
    """The `cpu.stat` file: one 'name value' pair a line (nr_periods, nr_throttled, throttled_time, ...)."""
    figures = {}
    for line in text.splitlines():
        name, _, value = line.strip().partition(" ")
        if value.strip().isdigit():
            figures[name] = int(value)
    return figures


@dataclass(frozen=True)
class Reading:
    """A group's counters at one moment: the CPU its processes used, and the scheduler's periods."""

    at: float  # time.monotonic(), seconds
    usage_ns: int  # cpuacct.usage: CPU used, nanoseconds
    periods: int  # periods in which the group wanted to run
    throttled: int  # of those, the periods in which it used its whole quota and had to wait
    throttled_ns: int  # the time it spent waiting


def usage_between(before: Reading, after: Reading, cores: float) -> dict:
    """What a group used between two readings, against its limit."""
    seconds = after.at - before.at
    if seconds <= 0:
        raise ValueError("The second reading must come after the first.")
    used = (after.usage_ns - before.usage_ns) / 1e9 / seconds
    periods = after.periods - before.periods
    throttled = after.throttled - before.throttled
    return {
        "seconds": round(seconds, 1),
        "cores_used": round(used, 3),
        "share_of_limit": round(used / cores, 3),
        "periods": periods,
        "throttled_periods": throttled,
        "throttled_share": round(throttled / periods, 3) if periods else 0.0,
        "throttled_s": round((after.throttled_ns - before.throttled_ns) / 1e9, 1),
    }


# The limit was what held the server back if it used nearly all of it and the scheduler had to stop it in most
# periods; a server that used much less was held back by something else (the shared machine, the load tool).
LIMIT_BOUND_SHARE = 0.9


def limit_was_the_bottleneck(usage: dict) -> bool:
    return usage["share_of_limit"] >= LIMIT_BOUND_SHARE and usage["throttled_share"] >= 0.5


def requests_per_core(requests_per_second: float, servers: int, cores_each: float) -> float:
    """Requests a second for each core the servers were allowed (their limits, not what they used)."""
    return round(requests_per_second / (servers * cores_each), 1)


@dataclass
class CpuLimit:
    """A cgroup named ``name`` in the cpu and cpuacct hierarchies, limited to ``cores``."""

    name: str
    cores: float
    root: Path = CGROUP_ROOT
    shares: int | None = None  # cpu.shares (1024 by default: the same weight as every other process)
    groups: list[Path] = field(init=False)

    def __post_init__(self):
        self.groups = [self.root / "cpu" / self.name, self.root / "cpuacct" / self.name]

    def create(self) -> None:
        cpu, _ = self.groups
        for group in self.groups:
            group.mkdir()
        (cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(quota_us(self.cores)))
        if self.shares:
            (cpu / "cpu.shares").write_text(str(self.shares))

    def enter(self) -> None:
        """Put the calling process in the group (its children follow): give it as a Popen's preexec_fn."""
        for group in self.groups:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    def reading(self) -> Reading:
        cpu, cpuacct = self.groups
        stat = parse_cpu_stat((cpu / "cpu.stat").read_text())
        return Reading(
            at=time.monotonic(),
            usage_ns=int((cpuacct / "cpuacct.usage").read_text()),
            periods=stat.get("nr_periods", 0),
            throttled=stat.get("nr_throttled", 0),
            throttled_ns=stat.get("throttled_time", 0),
        )

    def remove(self) -> None:
        """Move anything left in the group back to the top and remove it."""
        for group in self.groups:
            if not group.exists():
                continue
            for pid in (group / "cgroup.procs").read_text().split():
                try:
                    (group.parent / "cgroup.procs").write_text(pid)
                except OSError:  # it has exited meanwhile
                    pass
            group.rmdir()
