"""Does the scale-out deployment add capacity in step with its servers? One app server against two, each held
to the same share of the CPU, under the mixed load of `make bench`, on one PostgreSQL and one Redis.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/scale_out.py   (as root, Linux)

On one machine two servers would otherwise share the same cores, so each gunicorn server (its master and the
workers it forks) runs in a cgroup of its own limited to BENCH_SERVER_CPU cores (bench/cpu_limit.py). With the
limit small enough, the limit, not the machine, is what holds each server back; the script reads each group's
CPU used and throttled periods to show it. Locust gives each simulated person the next server in turn, with
BENCH_USERS_PER_SERVER people per server, so that each server has the same load in both set-ups.

Settings (as well as DATABASE_URL, REDIS_URL, BENCH_INCIDENTS, BENCH_WORKERS, BENCH_THREADS, BENCH_SPAWN_RATE
and BENCH_DURATION, as for bench/run.py):
  BENCH_SERVER_CPU        cores each server may use (default 0.3)
  BENCH_SERVERS           the set-ups to run in turn, as numbers of servers (default "1,2"; "1,2,1" brackets
                          the two-server run with one-server runs, to see how much the machine's load moved)
  BENCH_USERS_PER_SERVER  simulated people per server (default 30: enough to keep a 0.3-core server busy)
  BENCH_CPU_SHARES        cpu.shares of each group (default: the kernel's 1024, every other process's weight)
The figures are printed and written to var/bench/scale-out-results.json. The groups are removed at the end.
"""

import json
import os
import tempfile
import time
from pathlib import Path

import cpu_limit  # bench/cpu_limit.py, beside this script
import psutil
import run  # bench/run.py: the database, the server and Locust, as `make bench` uses them
from django.conf import settings

CORES = float(os.environ.get("BENCH_SERVER_CPU", "0.3"))
SETUPS = [int(n) for n in os.environ.get("BENCH_SERVERS", "1,2").split(",")]
USERS_PER_SERVER = int(os.environ.get("BENCH_USERS_PER_SERVER", "30"))
SHARES = int(os.environ["BENCH_CPU_SHARES"]) if os.environ.get("BENCH_CPU_SHARES") else None
DATABASE = settings.DATABASES["default"]["NAME"]


def _machine_busy() -> float:
    times = psutil.cpu_times()
    return sum(getattr(times, name) for name in ("user", "system", "nice", "irq", "softirq"))


def _database_busy(name: str) -> float:
    """CPU seconds used so far by the PostgreSQL processes serving database ``name`` (on this machine)."""
    total = 0.0
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if command.startswith("postgres:") and f" {name} " in command:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


def measure(servers: int, targets: dict, workdir: Path) -> dict:
    """Start ``servers`` limited servers, run the mixed load across them, and read what each group used."""
    workdir.mkdir()
    limits = [
        cpu_limit.CpuLimit(f"svt-bench-{os.getpid()}-{servers}-{n}", CORES, shares=SHARES)
        for n in range(servers)
    ]
    processes, hosts = [], []
    users = USERS_PER_SERVER * servers
    try:
        for n, limit in enumerate(limits):
            limit.create()
            port = run.free_port()
            processes.append(run.start_server(port, workdir / f"gunicorn-{n}.log", preexec_fn=limit.enter))
            hosts.append(f"http://127.0.0.1:{port}")
        load_before = os.getloadavg()[0]
        run.log(f"{servers} server(s) at {CORES} cores each: {users} users for {run.DURATION}...")
        locust = run.start_locust(hosts, users, targets, workdir)
        # Count from once every user has started (when Locust resets its statistics) until Locust stops.
        counting_from = time.monotonic() + users / float(run.SPAWN_RATE) + 1
        first = last = None
        while locust.poll() is None:
            if time.monotonic() >= counting_from:
                readings = [limit.reading() for limit in limits]
                last = (readings, time.monotonic(), _machine_busy(), _database_busy(DATABASE))
                first = first or last
            time.sleep(0.5)
        load_after = os.getloadavg()[0]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        for limit in limits:
            limit.remove()
    if first is None or last is first:
        raise SystemExit(f"Locust stopped before it counted anything; see {workdir / 'locust.log'}")
    groups = [
        cpu_limit.usage_between(before, after, CORES) for before, after in zip(first[0], last[0], strict=True)
    ]
    figures = run.locust_figures(workdir)
    used = sum(group["cores_used"] for group in groups)
    return {
        "servers": servers,
        "cores_each": CORES,
        "users": users,
        **figures,
        "rps_per_core": cpu_limit.requests_per_core(figures["rps"], servers, CORES),
        "server_cpu_ms_per_request": round(1000 * used / max(0.1, figures["rps"]), 1),
        "groups": groups,
        "limit_was_the_bottleneck": all(cpu_limit.limit_was_the_bottleneck(group) for group in groups),
        "machine_cores_busy": round((last[2] - first[2]) / (last[1] - first[1]), 2),
        # PostgreSQL's processes for the bench database (one that closes during the count loses its share).
        "database_cpu_ms_per_request": round(
            1000 * (last[3] - first[3]) / (last[1] - first[1]) / max(0.1, figures["rps"]), 1
        ),
        "load_average": [round(load_before, 2), round(load_after, 2)],
    }


def print_table(results: list[dict]) -> None:
    print()
    print(
        f"Scale-out: each gunicorn server ({run.WORKERS} workers x {run.THREADS} threads) limited to {CORES} "
        f"cores by a cgroup, {USERS_PER_SERVER} users per server, {run.DURATION}, {os.cpu_count()} CPUs"
    )
    header = (
        f"{'servers':>7} {'users':>5} {'req/s':>6} {'req/s/core':>10} {'p50':>6} {'p95':>6} {'errors':>6} "
        f"{'CPU ms/req':>10} {'DB ms/req':>9} {'cores used (each)':>18} {'throttled':>10} "
        f"{'limit bound':>11} {'load':>11}"
    )
    print(header)
    print("-" * len(header))
    for row in results:
        used = " ".join(f"{group['cores_used']:.2f}" for group in row["groups"])
        throttled = " ".join(f"{group['throttled_share']:.0%}" for group in row["groups"])
        load = f"{row['load_average'][0]:.1f}-{row['load_average'][1]:.1f}"
        print(
            f"{row['servers']:>7} {row['users']:>5} {row['rps']:>6.1f} {row['rps_per_core']:>10.1f} "
            f"{row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f} {row['errors']:>6} "
            f"{row['server_cpu_ms_per_request']:>10.1f} {row['database_cpu_ms_per_request']:>9.1f} "
            f"{used:>18} {throttled:>10} "
            f"{'yes' if row['limit_was_the_bottleneck'] else 'NO':>11} {load:>11}"
        )
    print(
        "req/s/core: requests a second for each core the servers were allowed; CPU ms/req: the servers' "
        "CPU (their cgroups) per request; DB ms/req: PostgreSQL's processes for this database per request; "
        "throttled: the share of the scheduler's 100 ms periods in which a server used its whole quota; "
        "load: the 1-minute load average at the start and end."
    )


def main() -> None:
    run.prepare_database()
    targets = run.load_targets()
    workdir = Path(tempfile.mkdtemp(prefix="svtoolkit-scale-out-"))
    results = [measure(servers, targets, workdir / f"run-{n}") for n, servers in enumerate(SETUPS)]
    print_table(results)
    out = Path(settings.VAR_DIR) / "scale-out-results.json"
    out.write_text(json.dumps(results, indent=2))
    run.log(f"Figures also written to {out}; logs in {workdir}")


if __name__ == "__main__":
    main()
