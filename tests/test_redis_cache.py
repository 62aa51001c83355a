"""The Redis cache backend (hub/cache_backends.py), against the real Redis on loopback."""

import socket
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")

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


def test_one_client_serves_every_call(redis_cache):
    client = redis_cache._cache
    assert client.get_client("a") is client.get_client("b")
    assert client.get_client("a", write=True) is client.get_client("b", write=True)
