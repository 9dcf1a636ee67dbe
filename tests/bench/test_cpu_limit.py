"""The arithmetic of the scale-out run (bench/cpu_limit.py): quotas, the kernel's cpu.stat, and what a
server's cgroup used against its limit."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("cpu_limit", ROOT / "bench" / "cpu_limit.py")
cpu_limit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cpu_limit)


def test_a_share_of_a_core_is_that_share_of_each_100_ms_period():
    assert cpu_limit.quota_us(0.3) == 30_000
    assert cpu_limit.quota_us(2) == 200_000
    assert cpu_limit.quota_us(0.0001) == 1000  # the least the kernel takes
    with pytest.raises(ValueError):
        cpu_limit.quota_us(0)


def test_cpu_stat_is_read_as_the_kernel_writes_it():
    text = "nr_periods 33\nnr_throttled 30\nthrottled_time 1058718709\nnr_bursts 0\nburst_time 0\n"

    assert cpu_limit.parse_cpu_stat(text) == {
        "nr_periods": 33,
        "nr_throttled": 30,
        "throttled_time": 1058718709,
        "nr_bursts": 0,
        "burst_time": 0,
    }


def test_a_server_that_used_its_whole_quota_was_held_back_by_the_limit():
    before = cpu_limit.Reading(at=100.0, usage_ns=5_000_000_000, periods=1000, throttled=10, throttled_ns=0)
    # 60 s later: 17.4 s of CPU (0.29 cores of a 0.3 limit), throttled in 540 of 600 periods.
    after = cpu_limit.Reading(
        at=160.0, usage_ns=22_400_000_000, periods=1600, throttled=550, throttled_ns=30_000_000_000
    )

    usage = cpu_limit.usage_between(before, after, cores=0.3)

    assert usage == {
        "seconds": 60.0,
        "cores_used": 0.29,
        "share_of_limit": 0.967,
        "periods": 600,
        "throttled_periods": 540,
        "throttled_share": 0.9,
        "throttled_s": 30.0,
    }
    assert cpu_limit.limit_was_the_bottleneck(usage)


def test_a_server_that_used_far_less_than_its_quota_was_held_back_by_something_else():
    before = cpu_limit.Reading(at=0.0, usage_ns=0, periods=0, throttled=0, throttled_ns=0)
    after = cpu_limit.Reading(at=10.0, usage_ns=1_500_000_000, periods=100, throttled=5, throttled_ns=10**8)

    usage = cpu_limit.usage_between(before, after, cores=0.3)

    assert usage["cores_used"] == 0.15
    assert not cpu_limit.limit_was_the_bottleneck(usage)


def test_requests_per_core_counts_the_cores_the_servers_were_allowed():
    assert cpu_limit.requests_per_core(36.0, servers=2, cores_each=0.3) == 60.0
    assert cpu_limit.requests_per_core(18.0, servers=1, cores_each=0.3) == 60.0


def test_a_group_is_made_entered_and_read_in_both_hierarchies(tmp_path):
    """The files the kernel provides, stood in for by a directory tree: what is written where and read back.
    (Removing a group needs the kernel: a real cgroup directory is removed with its files in it.)"""
    for hierarchy in ("cpu", "cpuacct"):
        (tmp_path / hierarchy).mkdir()
        (tmp_path / hierarchy / "cgroup.procs").write_text("")
    limit = cpu_limit.CpuLimit("svt-test", 0.25, root=tmp_path, shares=2048)

    limit.create()
    limit.enter()
    cpu, cpuacct = tmp_path / "cpu" / "svt-test", tmp_path / "cpuacct" / "svt-test"
    assert (cpu / "cpu.cfs_period_us").read_text() == "100000"
    assert (cpu / "cpu.cfs_quota_us").read_text() == "25000"
    assert (cpu / "cpu.shares").read_text() == "2048"
    assert (cpu / "cgroup.procs").read_text() == (cpuacct / "cgroup.procs").read_text() != ""

    (cpu / "cpu.stat").write_text("nr_periods 7\nnr_throttled 3\nthrottled_time 900\n")
    (cpuacct / "cpuacct.usage").write_text("123456\n")
    reading = limit.reading()
    assert (reading.usage_ns, reading.periods, reading.throttled, reading.throttled_ns) == (123456, 7, 3, 900)
