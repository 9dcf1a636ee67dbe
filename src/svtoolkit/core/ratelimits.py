"""Rate limits (docs/security.md): how often one client, address or token may do something in a window.

django-ratelimit counts in the configured cache (Redis when REDIS_URL is set, so every server counts together;
otherwise each process keeps its own count). A limit is a setting holding "<count>/<period>", the period in
seconds, minutes, hours or days with an optional multiple: "20/h", "30/15m"; "off" switches it off. Past a
limit the person gets ``too_many``: HTTP 429 with Retry-After and a page that says when to try again.
"""

import logging
import math
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import get_usage

from svtoolkit.core.cache import OUTAGE_ERRORS

logger = logging.getLogger(__name__)

RATE = re.compile(r"(\d+)/(\d*)([smhd])")
SECONDS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


def parse_rate(text: str) -> tuple[int, int] | None:
    """How many in how many seconds: "30/15m" is (30, 900); "off" is None, no limit."""
    if str(text).strip().lower() == "off":
        return None
    matched = RATE.fullmatch(str(text).strip())
    if not matched or int(matched[1]) < 1 or matched[2] == "0":
        raise ImproperlyConfigured(
            f"A rate limit is <count>/<period> (such as 20/h or 30/15m) or off, not {text!r}"
        )
    count, multiple, unit = matched.groups()
    return int(count), int(multiple or 1) * SECONDS[unit]


def check_rate_settings(app_configs=None, **kwargs) -> list:
    """A system check: every SVTOOLKIT_RATE_* setting is a rate svtoolkit can read."""
    from django.core.checks import Error

    problems = []
    for name in dir(settings):
        if name.startswith("SVTOOLKIT_RATE_"):
            try:
                parse_rate(getattr(settings, name))
            except ImproperlyConfigured as error:
                problems.append(Error(f"{name}: {error}", id="svtoolkit.E101"))
    return problems


@dataclass(frozen=True)
class Usage:
    count: int  # what has been counted in this window, this time included when it was counted
    limit: int
    seconds_left: int  # until the window ends and the count starts again

    @property
    def reached(self) -> bool:
        return self.count >= self.limit

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


def usage(request, *, limit: str, key: str, count: bool) -> Usage | None:
    """The use of the limit named by the setting ``limit`` by ``key`` (a client's address, an email address),
    counting this request first when ``count``. None when the limit is off, or Redis is down: the limits then
    stand aside, so signing in still works in an outage (the per-account lockout, in the database, holds)."""
    try:
        found = get_usage(
            request,
            group=limit,
            key=lambda group, request: key,
            rate=parse_rate(getattr(settings, limit)),
            increment=count,
        )
    except OUTAGE_ERRORS:
        logger.warning("Rate limit %s not counted: the cache cannot be reached", limit, exc_info=True)
        return None
    if found is None or found["time_left"] < 0:
        return None
    return Usage(count=found["count"], limit=found["limit"], seconds_left=max(found["time_left"], 1))


def too_many(request, used: Usage, *, doing: str):
    """HTTP 429: the page says what was done too often and when to try again; Retry-After says it too."""
    again_at = timezone.localtime() + timedelta(seconds=used.seconds_left)
    response = render(
        request,
        "429.html",
        {"doing": doing, "minutes": math.ceil(used.seconds_left / 60), "again_at": again_at},
        status=429,
    )
    response["Retry-After"] = str(used.seconds_left)
    return response
