"""What /healthz/ reports: whether each service the app depends on answers, for a load balancer to act on."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

OK, DOWN, NOT_USED = "ok", "unavailable", "not used"
_PROBE_KEY = "svtoolkit:healthz"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Health check: the database does not answer.", exc_info=True)
        return DOWN
    return OK


def _cache() -> str:
    if not settings.REDIS_URL:
        return NOT_USED  # each process's own memory: nothing to fail
    try:
        cache.set(_PROBE_KEY, "ok", timeout=10)
        answered = cache.get(_PROBE_KEY) == "ok"
    except RedisError:
        logger.warning("Health check: the Redis cache does not answer.", exc_info=True)
        return DOWN
    return OK if answered else DOWN


def _task_queue(database: str) -> str:
    if settings.TASK_QUEUE == "database":
        return database  # tasks wait in the database: the queue is up exactly when the database is
    import django_rq

    try:
        django_rq.get_connection("default").ping()
    except RedisError:
        logger.warning("Health check: the task queue's Redis does not answer.", exc_info=True)
        return DOWN
    return OK


def dependencies() -> dict[str, str]:
    """Each dependency's state: "ok", "unavailable" or "not used"."""
    database = _database()
    return {"database": database, "cache": _cache(), "task_queue": _task_queue(database)}
