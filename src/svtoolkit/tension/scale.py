"""The tension scale (data/scale.toml): levels with written meanings, indicators, the alert level."""

import tomllib
from functools import cache
from pathlib import Path

SCALE_PATH = Path(__file__).resolve().parent / "data" / "scale.toml"


@cache
def scale() -> dict:
    with SCALE_PATH.open("rb") as scale_file:
        data = tomllib.load(scale_file)
    data["levels"] = {int(level): entry for level, entry in data["levels"].items()}
    return data


def level_choices() -> list[tuple[int, str]]:
    return [
        (level, f"{level}: {entry['label']}. {entry['meaning']}")
        for level, entry in sorted(scale()["levels"].items())
    ]


def level_label(level: int) -> str:
    return scale()["levels"][level]["label"]
