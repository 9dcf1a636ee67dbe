"""The lock files install exactly what was tested: every dependency pyproject.toml names is pinned in the lock
file that `make` installs from, at a version its range allows. A dependency added to pyproject.toml without
`make lock` fails here, not on a fresh clone."""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.MULTILINE)


def pinned(lock_name):
    text = (ROOT / "requirements" / f"{lock_name}.txt").read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def required(lock_name):
    names = PROJECT["dependencies"] + PROJECT["optional-dependencies"].get(lock_name, [])
    return [Requirement(line) for line in names]


@pytest.mark.parametrize("lock_name", ["base", "dev", "bench"])
def test_every_dependency_is_pinned_within_its_range(lock_name):
    pins = pinned(lock_name)
    for requirement in required(lock_name):
        version = pins.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} is not in requirements/{lock_name}.txt: run `make lock`"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock_name}.txt pins {requirement.name}=={version}, "
            f"outside {requirement.specifier}: run `make lock`"
        )


@pytest.mark.parametrize("lock_name", ["base", "dev", "bench"])
def test_every_pin_carries_hashes(lock_name):
    text = (ROOT / "requirements" / f"{lock_name}.txt").read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if PIN.match(block):
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_nothing_the_build_installs_is_committed():
    """`make` installs node_modules, .venv and build/ on each machine; a copy in git (even a symlink to one
    developer's node_modules, as a worktree's once was) would stand in a fresh clone for what `npm ci` should
    install. Outside a git checkout (an unpacked release) there is nothing to check."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--", "node_modules", ".venv", "build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert listed == []
