"""The capacity model of docs/performance.md: app-server cores and PostgreSQL size for a partnership, a region
and England, from the measured CPU per request.

    python bench/capacity.py SERVER_CPU_MS DATABASE_CPU_MS     e.g. python bench/capacity.py 16 3

SERVER_CPU_MS is the app server's CPU per request under the mixed load (`make bench` prints it, and so does
bench/scale_out.py); DATABASE_CPU_MS is PostgreSQL's (bench/scale_out.py's "DB ms/req"). The assumptions are
the constants below, each explained in docs/performance.md; change one and run it again.
"""

import math
import sys
from dataclasses import dataclass

# Requests a working person makes a minute: about three of their own (pages and form posts, one every 20 s)
# and two from the incident page's live panel, which asks the server again every 30 s while it is open.
REQUESTS_PER_ACTIVE_PERSON_PER_MINUTE = 5
# Of the people not on a major incident, the share working at the same moment at the busiest time of day.
BUSY_SHARE = 0.10
# Servers are sized to be at most this busy at the peak: beyond it, requests wait for a free thread (the
# mixed load's p95 of over a second is a server at 100 %).
APP_UTILISATION = 0.6
DATABASE_UTILISATION = 0.5
# The generator's data (docs/performance.md): 5.0 GB for 100,000 incidents and 48 GB for 1,000,000, indexes
# included; 5,000 incidents a partnership (the generator's partnership: six years of incidents).
GB_PER_INCIDENT = 48 / 1_000_000
INCIDENTS_PER_PARTNERSHIP = 5_000


@dataclass(frozen=True)
class Scale:
    name: str
    partnerships: int
    people: int
    on_major_incidents: int  # people on one incident page each, working it at the same time

    def active_at_peak(self) -> int:
        return self.on_major_incidents + math.ceil(BUSY_SHARE * (self.people - self.on_major_incidents))


SCALES = [
    # A partnership of 50 people: at its peak all of them are on one serious incident.
    Scale("Partnership", 1, 50, 50),
    # A region of 33 partnerships and 3,000 people, with a major incident: 300 people on one incident page.
    Scale("Region", 33, 3_000, 300),
    # England: 300 partnerships with people in the proportion of the region's, two major incidents at once.
    Scale("England", 300, round(3_000 / 33 * 300), 600),
]


def requests_per_second(scale: Scale) -> float:
    return scale.active_at_peak() * REQUESTS_PER_ACTIVE_PERSON_PER_MINUTE / 60


def cores(rps: float, cpu_ms: float, utilisation: float) -> float:
    return rps * cpu_ms / 1000 / utilisation


def database_gb(scale: Scale) -> float:
    return scale.partnerships * INCIDENTS_PER_PARTNERSHIP * GB_PER_INCIDENT


def model(server_cpu_ms: float, database_cpu_ms: float) -> list[dict]:
    rows = []
    for scale in SCALES:
        rps = requests_per_second(scale)
        rows.append(
            {
                "scale": scale.name,
                "people": scale.people,
                "active_at_peak": scale.active_at_peak(),
                "rps": round(rps, 1),
                "app_cores": round(cores(rps, server_cpu_ms, APP_UTILISATION), 1),
                "database_cores": round(cores(rps, database_cpu_ms, DATABASE_UTILISATION), 1),
                "database_gb": round(database_gb(scale), 1),
            }
        )
    return rows


def main() -> None:
    server_cpu_ms, database_cpu_ms = (float(value) for value in sys.argv[1:3])
    print(
        f"{'Scale':<12} {'people':>7} {'active':>7} {'req/s':>6} {'app cores':>9} {'DB cores':>8} "
        f"{'data GB':>7}"
    )
    for row in model(server_cpu_ms, database_cpu_ms):
        print(
            f"{row['scale']:<12} {row['people']:>7,} {row['active_at_peak']:>7,} {row['rps']:>6.1f} "
            f"{row['app_cores']:>9.1f} {row['database_cores']:>8.1f} {row['database_gb']:>7.1f}"
        )


if __name__ == "__main__":
    main()
