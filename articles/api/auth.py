"""Who is asking: a partner's key (`Authorization: Bearer <key>` or `X-API-Key: <key>`),
or nobody (API_ANONYMOUS: "limited" or "off"); and how often (per-key and anonymous rate
limits in the shared cache, hub/ratelimit.py, answered 429 with Retry-After).

A key is looked up by its SHA-256 (models.hash_api_key): one indexed query per keyed
request. Anonymous requests cost no query. Usage is counted per key per day in the cache
and added to the key's day (ApiKeyUsage) every API_USAGE_FLUSH_EVERY requests.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security.base import AuthBase

from hub.ratelimit import client_ip, too_many

from ..models import ApiKey, ApiKeyUsage, hash_api_key
from .errors import Problem

WINDOW_SECONDS = 60
# Longer than any key we issue: refused before hashing or a query.
MAX_KEY_LENGTH = 100


class Anonymous:
    """request.auth for a request without a key (truthy, so ninja lets it through)."""

    pk = None

    def __bool__(self) -> bool:
        return True


ANONYMOUS = Anonymous()


def presented_key(request: HttpRequest) -> str | None:
    """The key the request carries, or None: Authorization (Bearer) first, else X-API-Key."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if header and scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if header:
        raise Problem(
            401,
            "Unauthorized",
            "Use Authorization: Bearer <key> or X-API-Key.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    return request.headers.get("X-API-Key", "").strip() or None


def _too_many(retry_after: int = WINDOW_SECONDS) -> Problem:
    return Problem(
        429,
        "Too many requests",
        f"Rate limit reached; try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def count_usage(key_id: int) -> None:
    """One request with this key today: a cache increment; every API_USAGE_FLUSH_EVERY-th
    adds that many to the day's row (one UPDATE), so counting costs no write per request.
    A day's last few requests (fewer than the batch) stay in the cache only."""
    day = datetime.datetime.now(tz=datetime.UTC).date()
    counter = f"api-usage:{key_id}:{day.isoformat()}"
    batch = max(1, settings.API_USAGE_FLUSH_EVERY)
    cache.add(counter, 0, timeout=2 * 24 * 3600)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add() and incr()
        cache.add(counter, 1, timeout=2 * 24 * 3600)
        count = 1
    if count % batch == 0:
        ApiKeyUsage.add(key_id, day, batch)


class KeyAuth(AuthBase):
    """ninja's auth hook for every endpoint: returns the ApiKey, or ANONYMOUS, or raises a
    Problem (401 unknown key, 403 revoked key, 429 over the limit)."""

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = (
        "A partner key, as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Without a "
        "key, requests are limited per address (or refused, as the site is configured)."
    )

    def __call__(self, request: HttpRequest):
        raw = presented_key(request)
        if raw is None:
            return self.anonymous(request)
        if len(raw) > MAX_KEY_LENGTH or not raw.isascii() or not raw.isprintable():
            raise Problem(401, "Unauthorized", "Unknown API key.")
        key = (
            ApiKey.objects.filter(hashed=hash_api_key(raw))
            .only("pk", "revoked_at", "rate_limit_per_minute")
            .first()
        )
        if key is None:
            raise Problem(401, "Unauthorized", "Unknown API key.")
        if key.revoked_at is not None:
            raise Problem(403, "Forbidden", "This API key has been revoked.")
        if too_many(
            "api-key", str(key.pk), limit=key.rate_limit_per_minute, window_seconds=WINDOW_SECONDS
        ):
            raise _too_many()
        count_usage(key.pk)
        return key

    @staticmethod
    def anonymous(request: HttpRequest):
        if settings.API_ANONYMOUS == "off":
            raise Problem(
                401,
                "Unauthorized",
                "This API needs a key: Authorization: Bearer <key>.",
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        if too_many(
            "api-anonymous",
            client_ip(request) or "",
            limit=settings.API_ANONYMOUS_PER_MINUTE,
            window_seconds=WINDOW_SECONDS,
        ):
            raise _too_many()
        return ANONYMOUS
