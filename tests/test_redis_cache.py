"""The Redis cache backend (hub/cache_backends.py), against the real Redis on loopback."""

import uuid

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from tests.services import redis_up

pytestmark = pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")

REDIS = {
    "default": {"BACKEND": "hub.cache_backends.RedisCache", "LOCATION": "redis://127.0.0.1:6379/13"}
}


@pytest.fixture
def redis_cache():
    with override_settings(CACHES=REDIS):
        cache = caches.create_connection("default")
        yield cache
        cache.close()


def test_stores_reads_counts_and_deletes(redis_cache):
    key = f"test:{uuid.uuid4().hex}"
    assert redis_cache.get(key) is None
    assert redis_cache.add(key, 1, timeout=30)
    assert not redis_cache.add(key, 5, timeout=30)
    assert redis_cache.incr(key) == 2
    redis_cache.set(key + ":page", (b"<html>", [("ETag", '"x"')]), timeout=30)
    assert redis_cache.get(key + ":page") == (b"<html>", [("ETag", '"x"')])
    redis_cache.delete_many([key, key + ":page"])
    assert redis_cache.get(key) is None


def test_one_client_serves_every_call(redis_cache, monkeypatch):
    built = []
    build = redis.Redis.__init__

    def counting_build(client, *args, **kwargs):
        built.append(client)
        build(client, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_build)
    for n in range(3):
        key = f"test:{uuid.uuid4().hex}"
        redis_cache.set(key, n, timeout=30)
        assert redis_cache.get(key) == n
        redis_cache.delete(key)
    assert len(built) == 1  # Django's own backend builds one a call: nine
