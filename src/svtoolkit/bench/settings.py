"""svtoolkit's settings with the benchmark's measuring added: used only by `make bench` (bench/run.py).

Every request reports its server time and query count in headers; the bare page exists; and passwords use
a fast hasher, so a hundred simulated people signing in at the start of a load run do not use the CPU the
run is meant to measure (signing in is not one of the benchmarks).
"""

from django.conf import global_settings

from svtoolkit.settings import *  # noqa: F403
from svtoolkit.settings import MIDDLEWARE

MIDDLEWARE = ["svtoolkit.bench.middleware.ServerTimingMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "svtoolkit.bench.urls"
# The usual hashers still check passwords set before (a database generated without these settings).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *global_settings.PASSWORD_HASHERS]
