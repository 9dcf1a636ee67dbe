"""Where the server's CPU goes under the mixed load, by layer (`BENCH_PROFILE=1 make bench`).

py-spy samples gunicorn and its workers from outside the process (nothing in svtoolkit changes), 100 times a
second, while Locust runs. Each sample is a stack; it is counted against the layer of the innermost frame that
belongs to one, so a query run by an access rule counts as the database's, and the rule's own Python as the
access rules'. Idle samples (a thread waiting for a request) are left out by py-spy.
"""

import collections
import signal
import subprocess
import sys
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"  # installed with the bench extra, beside this Python

# Innermost first: the first layer whose pattern a frame's file matches takes the sample.
LAYERS = [
    ("queries and model building", ("/django/db/", "/psycopg", "sqlite3", "/django_tasks")),
    ("templates", ("/django/template/", "/jinja2/", "/templatetags/", "/django/forms/renderers")),
    ("serialisation (API, JSON)", ("/rest_framework/", "/drf_spectacular/", "/json/")),
    ("access rules", ("/svtoolkit/access.py", "/svtoolkit/accounts/principal.py")),
    (
        "middleware, session and sign-in",
        (
            "/django/contrib/sessions/",
            "/django/contrib/auth/",
            "/django/contrib/messages/",
            "/django/middleware/",
            "middleware.py",
            "/django_otp/",
            "/csp/",
            "/whitenoise/",
            "/axes/",
            "/django_htmx/",
        ),
    ),
    ("svtoolkit's views, services and selectors", ("/svtoolkit/",)),
    ("Django's request handling and URLs", ("/django/",)),
    ("the web server (gunicorn)", ("/gunicorn/",)),
]
OTHER = "other (Python itself, libraries)"


def start(server_pid: int, out: Path) -> subprocess.Popen:
    """Start sampling the server (and its workers) into ``out``, in py-spy's collapsed-stack format."""
    return subprocess.Popen(
        [
            str(PY_SPY),
            "record",
            "--pid",
            str(server_pid),
            "--subprocesses",
            "--rate",
            "100",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def stop(recorder: subprocess.Popen) -> None:
    recorder.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
    recorder.wait(timeout=60)


def layer_of(stack: str) -> str:
    for frame in reversed(stack.split(";")):
        # py-spy names a frame "function (path:line)", the path relative to site-packages or absolute.
        path = "/" + frame.rpartition(" (")[2].lstrip("/")
        for layer, patterns in LAYERS:
            if any(pattern in path for pattern in patterns):
                return layer
    return OTHER


def by_layer(collapsed: Path) -> dict[str, float]:
    """Share of the samples (0 to 1) that each layer took, largest first."""
    samples = collections.Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples[layer_of(stack)] += int(count)
    total = sum(samples.values()) or 1
    return {layer: round(count / total, 3) for layer, count in samples.most_common()}
