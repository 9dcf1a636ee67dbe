"""The Redis cache, failing fast while Redis is down or hung.

Without this, every request that touches a hung Redis waits for its own timeout, and every web worker is soon
held. After one failure this process stops asking Redis for ``REDIS_RETRY_SECONDS`` and raises
``RedisUnavailable`` at once; the request then gets the "service unavailable" page (core.views.server_error).
"""

import functools
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)


class RedisUnavailable(RedisConnectionError):
    """Redis failed moments ago in this process; it is not asked again until the retry time."""


_down_until: dict[str, float] = {}


def _failing_fast(method):
    @functools.wraps(method)
    def guarded(cache, *args, **kwargs):
        location = cache._location
        if _down_until.get(location, 0.0) > time.monotonic():
            raise RedisUnavailable(f"Redis at {cache._redacted} failed moments ago; not asked again yet.")
        try:
            return method(cache, *args, **kwargs)
        except OUTAGE_ERRORS:
            _down_until[location] = time.monotonic() + settings.REDIS_RETRY_SECONDS
            raise

    return guarded


class FailFastRedisCache(RedisCache):
    """Django's Redis cache with a circuit breaker (see the module's docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server
        self._redacted = server.rsplit("@", 1)[-1]


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(FailFastRedisCache, _name, _failing_fast(getattr(RedisCache, _name)))
