"""The Redis cache, failing fast while Redis is down or hung.

Without this, every request that touches a hung Redis waits for its own timeout, and every web worker is soon
held. After one failure this process stops asking Redis for ``REDIS_RETRY_SECONDS`` and raises
``RedisUnavailable`` at once; the request then gets the "service unavailable" page (core.views.server_error).
A Redis that answers but refuses to write raises ``RedisRefusingWrites``, one of the ``OUTAGE_ERRORS`` too.
"""

import functools
import logging
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


class RedisRefusingWrites(RedisConnectionError):
    """Redis answers but refuses to write: it cannot save to disk (MISCONF), is full (OOM), or is a replica
    (READONLY). Each caller degrades as in an outage; reads go on, since Redis still answers them at once."""


OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)


class RedisUnavailable(RedisConnectionError):
    """Redis failed moments ago in this process; it is not asked again until the retry time."""


_down_until: dict[str, float] = {}
_refusing_writes: set[str] = set()


def _refused_write(error: ResponseError) -> bool:
    return isinstance(error, OutOfMemoryError | ReadOnlyError) or str(error).startswith("MISCONF")


def _failing_fast(method):
    @functools.wraps(method)
    def guarded(cache, *args, **kwargs):
        location = cache._location
        if _down_until.get(location, 0.0) > time.monotonic():
            raise RedisUnavailable(f"Redis at {cache._redacted} failed moments ago; not asked again yet.")
        try:
            answer = method(cache, *args, **kwargs)
        except OUTAGE_ERRORS:
            _down_until[location] = time.monotonic() + settings.REDIS_RETRY_SECONDS
            raise
        except ResponseError as error:
            if not _refused_write(error):
                raise
            # Not the breaker: Redis answered at once, and what it still holds can be read.
            if location not in _refusing_writes:
                _refusing_writes.add(location)
                logger.warning("Redis at %s refuses writes (%s): nothing is cached", cache._redacted, error)
            raise RedisRefusingWrites(str(error)) from error
        if method.__name__ in _WRITES:
            _refusing_writes.discard(location)  # it writes again: a later refusal is logged again
        return answer

    return guarded


class OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` for each connection pool. Django makes a
    new one for every cache operation, and making one fills its table of some 300 reply handlers: the greater
    part of a cache read's CPU. A ``redis.Redis`` over a pool is safe to share between threads (each command
    takes a connection from the pool) and holds no state of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:  # a pool is kept for the cache's life, so its client is too
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


class FailFastRedisCache(RedisCache):
    """Django's Redis cache with a circuit breaker (see the module's docstring), and one client per pool."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = OneClientPerPool
        self._location = server
        self._redacted = server.rsplit("@", 1)[-1]


_WRITES = {"add", "set", "touch", "incr", "set_many"}

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
