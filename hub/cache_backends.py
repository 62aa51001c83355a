"""Django's Redis cache, keeping one client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and redis-py
(5 and later) fills a table of about 170 response callbacks in each: measured here, that
was a quarter of the time of a page served from the cache. A client is safe to share
between threads (its pool hands out the connections) and survives a fork (the pool
notices the new process), so one per pool is enough.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # Keyed by the pool Django picked (a replica is chosen at random for each read).
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def memory_limits(self) -> tuple[int, str]:
        """Redis's `maxmemory` in bytes (0: none) and `maxmemory-policy`.

        Read from INFO, which managed services that refuse CONFIG GET still answer.
        """
        info = self._cache.get_client(write=True).info("memory")
        return int(info["maxmemory"]), str(info["maxmemory_policy"])
