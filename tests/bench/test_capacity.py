"""The capacity model's arithmetic (bench/capacity.py), worked by hand for the region."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("capacity", ROOT / "bench" / "capacity.py")
capacity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(capacity)


def test_the_peak_is_everyone_on_the_major_incident_and_a_tenth_of_the_rest():
    region = capacity.Scale("Region", 33, 3_000, 300)

    assert region.active_at_peak() == 300 + 270
    assert capacity.requests_per_second(region) == pytest.approx(570 * 5 / 60)  # 47.5


def test_cores_are_the_cpu_the_requests_need_with_headroom_left():
    # 47.5 requests/s at 16 ms each keep 0.76 cores busy; at most 60 % busy, that is 1.27 cores.
    assert capacity.cores(47.5, 16, 0.6) == pytest.approx(0.76 / 0.6)


def test_the_database_grows_with_the_partnerships_incidents():
    region = capacity.Scale("Region", 33, 3_000, 300)

    assert capacity.database_gb(region) == pytest.approx(33 * 5_000 * 48 / 1_000_000)  # 7.9 GB


def test_the_model_has_a_row_for_each_scale():
    rows = capacity.model(server_cpu_ms=16, database_cpu_ms=3)

    assert [row["scale"] for row in rows] == ["Partnership", "Region", "England"]
    region = rows[1]
    assert (region["rps"], region["app_cores"], region["database_cores"], region["database_gb"]) == (
        47.5,
        1.3,
        0.3,
        7.9,
    )
