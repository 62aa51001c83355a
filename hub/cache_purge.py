"""Purging the HTTP caches in front of the hub (Varnish, a CDN) by surrogate key.

Public pages carry their keys in `xkey` and `Surrogate-Key` headers (articles/cache.py);
when content changes, articles.cache.retire() calls purge() with the keys it retires,
after the transaction commits. Each cache in front is a Purger:

- VarnishPurger: `PURGE /` with an `xkey-purge: <keys>` header, which deploy/varnish/
  default.vcl hands to vmod xkey (only from the hub's own addresses, its ACL, and with
  the shared secret settings.CACHE_PURGE_TOKEN in `X-Purge-Token`).
- FastlyPurger: Fastly's surrogate-key purge, one POST for up to 256 keys.
- Others are a subclass with purge(keys): Cloudflare purges by cache tag (Enterprise, the
  `Cache-Tag` header: send the same keys there) or by URL; CloudFront by path only (an
  invalidation of each page's path; keys would have to be mapped to paths). See
  docs/performance.md.

settings.CACHE_PURGE_HOSTS lists the Varnish hosts ("http://127.0.0.1:6091"). A purge
that fails (a host down) never fails the change, nor waits for it: it is logged and owed,
and one background thread of this process tries again after PURGE_RETRY_DELAYS, then
every PURGE_RETRY_SECONDS, until the host answers (owed keys are merged, so a long outage
costs one purge of everything it missed, not one per change). A purge that succeeded is
sent once more PURGE_AGAIN_SECONDS later by the same thread: a fetch Varnish began before
the change committed may store the old page just after the first purge. A management
command that exits first loses what it owed: those pages leave the cache at their s-maxage.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections.abc import Collection
from urllib.parse import urlsplit

from django.conf import settings

log = logging.getLogger(__name__)

PURGE_TIMEOUT = 1.0
PURGE_RETRY_DELAYS = (0.05, 0.25)
PURGE_RETRY_SECONDS = 2.0
# A fetch already in flight when the change committed (a slow render of the old page) may
# be stored after the purge: the same keys are purged again this much later.
PURGE_AGAIN_SECONDS = 2.0
# Fastly takes up to 256 keys a request; Varnish's header is bounded by its
# http_req_hdr_len (8 KB by default): well under that.
KEYS_PER_REQUEST = 200


class PurgeFailed(Exception):
    pass


class Purger:
    """One cache in front of the hub, purged by key. purge() raises PurgeFailed (or an
    OSError) when the cache did not take the purge."""

    name = "cache"

    def purge(self, keys: Collection[str]) -> None:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.name


class VarnishPurger(Purger):
    """`PURGE /` with `xkey-purge: k1 k2 ...` (vmod xkey's softpurge-free purge)."""

    def __init__(self, base_url: str, token: str = ""):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.name = base_url
        self.headers = {"X-Purge-Token": token} if token else {}

    def purge(self, keys: Collection[str]) -> None:
        keys = sorted(keys)
        for begin in range(0, len(keys), KEYS_PER_REQUEST):
            chunk = " ".join(keys[begin : begin + KEYS_PER_REQUEST])
            connection = http.client.HTTPConnection(self.host, self.port, timeout=PURGE_TIMEOUT)
            try:
                connection.request("PURGE", "/", headers={"xkey-purge": chunk, **self.headers})
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            if response.status != 200:
                raise PurgeFailed(f"{self.name} answered {response.status} {response.reason}")


class FastlyPurger(Purger):
    """Fastly's purge by surrogate key (not run against the live service here)."""

    API_HOST = "api.fastly.com"

    def __init__(self, service_id: str, token: str):
        self.service_id, self.token = service_id, token
        self.name = f"fastly:{service_id}"

    def purge(self, keys: Collection[str]) -> None:
        keys = sorted(keys)
        for begin in range(0, len(keys), KEYS_PER_REQUEST):
            body = json.dumps({"surrogate_keys": keys[begin : begin + KEYS_PER_REQUEST]})
            connection = http.client.HTTPSConnection(self.API_HOST, timeout=PURGE_TIMEOUT)
            try:
                connection.request(
                    "POST",
                    f"/service/{self.service_id}/purge",
                    body=body,
                    headers={"Fastly-Key": self.token, "Content-Type": "application/json"},
                )
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            if response.status != 200:
                raise PurgeFailed(f"{self.name} answered {response.status} {response.reason}")


def purgers() -> list[Purger]:
    """The caches in front, from settings.CACHE_PURGE_HOSTS (Varnish base URLs)."""
    return [VarnishPurger(url, settings.CACHE_PURGE_TOKEN) for url in settings.CACHE_PURGE_HOSTS]


# Keys each cache still has to purge, by its name, each with the time.monotonic() from
# which it is tried (now for a failed purge, later for a repeat); the purger alongside.
_owed: dict[str, tuple[Purger, dict[str, float]]] = {}
_owed_lock = threading.Lock()
_retrying: threading.Thread | None = None


def _try(purger: Purger, keys: Collection[str]) -> bool:
    try:
        purger.purge(keys)
    except (PurgeFailed, OSError) as exc:
        log.error("could not purge %s from %s (%s); retrying", sorted(keys), purger, exc)
        return False
    return True


def purge(keys: Collection[str], *, to: list[Purger] | None = None) -> None:
    """Purge these keys from every cache in front; a cache that fails owes them.

    One attempt here (the change's author is waiting); the retries are a background
    thread's, so a host that is down costs the publish at most PURGE_TIMEOUT.
    """
    if not keys:
        return
    for purger in purgers() if to is None else to:
        # Done: once more a little later, for a fetch that was in flight. Failed: owed now.
        _owe(purger, keys, after=PURGE_AGAIN_SECONDS if _try(purger, keys) else 0.0)


def _owe(purger: Purger, keys: Collection[str], *, after: float = 0.0) -> None:
    global _retrying
    due = time.monotonic() + after
    with _owed_lock:
        # The latest purge decides: one that failed is retried now, even if a repeat was
        # planned; one that succeeded is repeated after its own PURGE_AGAIN_SECONDS.
        _owed.setdefault(purger.name, (purger, {}))[1].update(dict.fromkeys(keys, due))
        if _retrying is None or not _retrying.is_alive():
            _retrying = threading.Thread(target=_retry_owed, name="cache-purge", daemon=True)
            _retrying.start()


def _retry_owed() -> None:
    attempt = 0
    while True:
        # Soon after the failure first (a dropped connection), then every few seconds.
        delays = PURGE_RETRY_DELAYS
        time.sleep(delays[attempt] if attempt < len(delays) else PURGE_RETRY_SECONDS)
        attempt += 1
        now = time.monotonic()
        with _owed_lock:
            if not _owed:
                return
            pending = [
                (purger, {key for key, due in keys.items() if due <= now})
                for purger, keys in _owed.values()
            ]
        for purger, keys in pending:
            if keys and _try(purger, keys):
                log.info("owed purge of %d keys done at %s", len(keys), purger)
                with _owed_lock:
                    _, owed = _owed.get(purger.name, (purger, {}))
                    for key in keys:
                        if owed.get(key, now) <= now:  # not owed again since
                            owed.pop(key, None)
                    if not owed:
                        _owed.pop(purger.name, None)


def owed() -> dict[str, set[str]]:
    """The keys each cache still owes a purge of (for tests and the operator): those of a
    failed purge, and for PURGE_AGAIN_SECONDS those of one that succeeded (the repeat)."""
    with _owed_lock:
        return {name: set(keys) for name, (_, keys) in _owed.items()}


def forget_owed() -> None:
    """For test isolation only: owed purges of one test must not run in the next."""
    with _owed_lock:
        _owed.clear()
