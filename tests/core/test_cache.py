"""The Redis cache's own cost: one ``redis.Redis`` for the cache's life, not one for each operation."""

import os
import uuid

import redis
from django.core.cache import caches

from tests.core.outages import use_redis

# The health check's database (tests/core/test_outages.py); keys here are the test's own and removed after.
REDIS_URL = os.environ.get("SVTOOLKIT_TEST_REDIS_URL_HEALTHZ", "redis://127.0.0.1:6379/14")


def test_the_cache_makes_one_redis_client_for_all_its_reads_and_writes(settings, monkeypatch):
    use_redis(settings, REDIS_URL)
    cache = caches.create_connection("default")
    made = []
    make = redis.Redis.__init__

    def counted(client, *args, **kwargs):
        made.append(client)
        make(client, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counted)
    key = f"svt:test:one-client:{uuid.uuid4().hex}"
    try:
        cache.set(key, {"part": "<p>kept</p>"}, 30)
        assert cache.get(key) == {"part": "<p>kept</p>"}
        assert cache.get_many([key]) == {key: {"part": "<p>kept</p>"}}
        assert cache.has_key(key)
    finally:
        cache.delete(key)

    assert len(made) == 1
    assert cache.get(key) is None
