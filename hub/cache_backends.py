"""Django's Redis cache, keeping one client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and redis-py
(5 and later) fills a table of about 170 response callbacks in each: measured here, that
was a quarter of the time of a page served from the cache. A client is safe to share
between threads (its pool hands out the connections) and survives a fork (the pool
notices the new process), so one per pool is enough.
"""

from django.core.cache.backends import redis
from redis.exceptions import RedisError

# What the shared cache raises when it cannot be reached (a refused or timed-out socket):
# callers catch these to degrade (no cached page, no rate count), never to fail a request.
CACHE_ERRORS = (RedisError, OSError)


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

    def validate_key(self, key):
        """No check for memcached's key limits (250 characters, no spaces or control
        characters), as Django's documentation suggests for a backend that has none: Redis
        takes any key, and a page served from the cache reads some twenty (its keys'
        versions), which the check cost 9 µs each, a tenth of the hit's time."""

    def memory_limits(self) -> tuple[int, str]:
        """Redis's `maxmemory` in bytes (0: none) and `maxmemory-policy`.

        Read from INFO, which managed services that refuse CONFIG GET still answer.
        """
        info = self._cache.get_client(write=True).info("memory")
        return int(info["maxmemory"]), str(info["maxmemory_policy"])

    # Page keys' versions (articles/cache.py, retire()): the sequence number and the
    # versions it sets change in one step, so two retirements at once can never leave a
    # key at the older number. The sequence starts at ARGV[1] (a time) when it is missing.
    _RETIRE = """
    if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
    local seq = redis.call('INCR', KEYS[1])
    for i = 2, #KEYS do redis.call('SET', KEYS[i], seq) end
    return seq
    """
    # Keys a stored page shows that have no version yet get the current sequence number.
    _NOTE = """
    local seq = redis.call('GET', KEYS[1])
    if not seq then return 0 end
    for i = 2, #KEYS do redis.call('SET', KEYS[i], seq, 'NX') end
    return 1
    """

    def _script(self, source: str, keys: list[str], args: list) -> int:
        client = self._cache.get_client(write=True)
        names = [self.make_and_validate_key(key) for key in keys]
        return int(client.eval(source, len(names), *names, *args))

    def retire_keys(self, counter: str, version_keys: list[str], fresh: int) -> int:
        """Add one to `counter` and set each of `version_keys` to it, atomically."""
        return self._script(self._RETIRE, [counter, *version_keys], [fresh])

    def note_keys(self, counter: str, version_keys: list[str]) -> None:
        """Set each of `version_keys` that is missing to `counter`'s value, atomically."""
        self._script(self._NOTE, [counter, *version_keys], [])
