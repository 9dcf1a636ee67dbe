"""Where the server's CPU goes under the mixed load, by layer (`BENCH_PROFILE=1 make bench`).

py-spy samples gunicorn and its workers from outside the process (nothing in svtoolkit changes), 100 times a
second, while Locust runs. Each sample is a stack. A sample taken in the middleware chain outside the view
(before the view is called or after it returns: the session, the person, two-factor checks, headers, saving
the session) counts against the middleware whatever it was doing, its queries and cache reads included. Any
other sample is counted against the layer of the innermost frame that belongs to one, so a query run by an
access rule counts as the database's, and the rule's own Python as the access rules'. Idle samples (a thread
waiting for a request) are left out by py-spy; for waits on the database, see WAITS.
"""

import collections
import signal
import subprocess
import sys
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"  # installed with the bench extra, beside this Python

# A sample whose innermost frame is one of these is a thread waiting: on PostgreSQL or Redis (sending a query
# and waiting for its answer), or, in gunicorn, for the next request. py-spy leaves out a thread asleep there,
# but counts one that has been woken and is waiting for a free core, so on a busy machine these samples are
# time spent queueing for the CPU more than work done; `by_layer` can leave them out (``waits=False``)
# to show how the work itself divides.
WAITS = "waiting on PostgreSQL, Redis or the next request"
WAIT_FRAMES = (
    ("Connection.wait ", "psycopg/connection.py"),
    ("ClientCursorMixin._execute_send ", "psycopg/client_cursor.py"),
    ("AbstractConnection.send_packed_command ", "redis/connection.py"),
    ("SocketBuffer._read_from_socket ", "redis/_parsers/socket.py"),
    ("EpollSelector.select ", "selectors.py"),
)

# Django's handler calls the view (and renders a template response) in this function, inside the middleware.
VIEW_CALL = "BaseHandler._get_response "
MIDDLEWARE_LAYER = "middleware, session and sign-in"
MIDDLEWARE = (
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
)

# Innermost first: the first layer whose pattern a frame's file matches takes the sample; the general layers
# (GENERAL) only when no frame belongs to a specific one, so that Django's helpers (lazy objects, translation,
# URL reversing) count against the template, query or rule that called them.
LAYERS = [
    ("queries and model building", ("/django/db/", "/psycopg", "sqlite3", "/django_tasks")),
    ("templates", ("/django/template/", "/jinja2/", "/templatetags/", "/django/forms/renderers")),
    ("serialisation (API, JSON)", ("/rest_framework/", "/drf_spectacular/", "/json/")),
    ("access rules", ("/svtoolkit/access.py", "/svtoolkit/accounts/principal.py")),
    (MIDDLEWARE_LAYER, MIDDLEWARE),
]
GENERAL = [
    ("svtoolkit's views, services and selectors", ("/svtoolkit/",)),
    ("Django's request handling and URLs", ("/django/",)),
    ("the web server (gunicorn)", ("/gunicorn/",)),
]
OTHER = "other (Python itself, libraries)"


def start(server_pid: int, out: Path, gil: bool = False) -> subprocess.Popen:
    """Start sampling the server (and its workers) into ``out``, in py-spy's collapsed-stack format. With
    ``gil``, only the thread holding each process's interpreter lock is sampled: Python's own work, never a
    thread waiting on the database or the network (those release the lock), however busy the machine."""
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
            *(["--gil"] if gil else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def stop(recorder: subprocess.Popen) -> None:
    recorder.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
    recorder.wait(timeout=60)


def layer_of(stack: str) -> str:
    frames = stack.split(";")
    if any(frames[-1].startswith(name) and path in frames[-1] for name, path in WAIT_FRAMES):
        return WAITS
    view = [n for n, frame in enumerate(frames) if frame.startswith(VIEW_CALL)]
    if view:  # the middleware around the view is not the view's work: look only inside the view's call
        frames = frames[view[-1] :]
    elif any(pattern in frame.rpartition(" (")[2] for frame in frames for pattern in MIDDLEWARE):
        return MIDDLEWARE_LAYER
    for layers in (LAYERS, GENERAL):
        for frame in reversed(frames):
            # py-spy names a frame "function (path:line)", the path relative to site-packages or absolute.
            path = "/" + frame.rpartition(" (")[2].lstrip("/")
            for layer, patterns in layers:
                if any(pattern in path for pattern in patterns):
                    return layer
    return OTHER


def by_layer(collapsed: Path, waits: bool = True) -> dict[str, float]:
    """Share of the samples (0 to 1) that each layer took, largest first; without the waits if ``waits`` is
    false."""
    samples = collections.Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            layer = layer_of(stack)
            if waits or layer != WAITS:
                samples[layer] += int(count)
    total = sum(samples.values()) or 1
    return {layer: round(count / total, 3) for layer, count in samples.most_common()}
