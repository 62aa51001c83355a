"""Who is asking, and how often: the client's address, a shared-cache rate limit, and a
shared-cache bound on how many of one kind of request one person has running at once.

Client address: behind N trusted proxies (TRUSTED_PROXY_COUNT), each appends the address it
received the request from to X-Forwarded-For, so the client is the Nth entry from the right.
Entries further left were written by the client and can be forged, so they are ignored. With
no trusted proxy the socket address is used and X-Forwarded-For is not read at all.
"""

import hashlib
import ipaddress
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.response import TemplateResponse

from .cache_backends import CACHE_ERRORS

log = logging.getLogger(__name__)

# A limit that cannot reach the shared cache (CACHE_ERRORS) lets the request through and
# says so in the log: refusing every reader's search, report or sign-in while Redis restarts
# would be worse than a few minutes without a count. Sign-in lockouts (django-axes) are kept
# in the database.


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when the request has none (a test or internal call)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _key(kind: str, scope: str, who) -> str:
    digest = hashlib.sha256(f"{scope}:{who}".encode()).hexdigest()[:32]
    return f"{kind}:{scope}:{digest}"


def too_many(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt by `who` in `scope`; True once more than `limit` fall in the window."""
    key = _key("ratelimit", scope, who)
    try:
        if cache.add(key, 1, timeout=window_seconds):
            return False
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window_seconds)
            return False
    except CACHE_ERRORS as error:
        log.warning("rate limit %s not counted, the cache is unavailable: %s", scope, error)
        return False
    return count > limit


def rate_limited(scope: str, *, limit: int, window_seconds: int, methods=("POST",)):
    """Decorate a view: past `limit` requests per client address in the window, answer 429."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and too_many(
                scope, client_ip(request), limit=limit, window_seconds=window_seconds
            ):
                response = TemplateResponse(request, "429.html", status=429)
                response["Retry-After"] = str(window_seconds)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@contextmanager
def running_slot(scope: str, who: str, *, limit: int, timeout_seconds: int) -> Iterator[bool]:
    """Hold one of `who`'s `limit` slots in `scope` for the block; yields False if all are taken.

    Each slot is a cache key taken with add() (atomic: SET NX on Redis), so two workers
    never hold the same one. It expires after `timeout_seconds`, so a worker that dies
    mid-request frees its slot by then: keep that above the longest request (gunicorn's
    timeout). Released with delete() only while it still holds this request's token.
    """
    token = uuid.uuid4().hex
    base = _key("running", scope, who)
    try:
        held = next(
            (
                f"{base}:{slot}"
                for slot in range(limit)
                if cache.add(f"{base}:{slot}", token, timeout=timeout_seconds)
            ),
            None,
        )
    except CACHE_ERRORS as error:
        log.warning("running slots for %s not held, the cache is unavailable: %s", scope, error)
        yield True
        return
    try:
        yield held is not None
    finally:
        # Not atomic with the get, but a slot only changes hands once it expired, which
        # it does only after timeout_seconds, longer than any request holds it.
        try:
            if held is not None and cache.get(held) == token:
                cache.delete(held)
        except CACHE_ERRORS as error:  # the slot expires by itself
            log.warning("running slot for %s not released: %s", scope, error)


def _who(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return client_ip(request)


def concurrency_limited(scope: str, *, limit: int = 2, timeout_seconds: int = 60, retry_after=5):
    """Decorate a view: while the same person (signed-in user, else client address) has
    `limit` requests of this `scope` running, answer 429 with Retry-After.

    For views that cost seconds of CPU each (previews rendering a long body): a rate limit
    counts requests over a minute, this bounds how many workers one person holds at once.
    A lazy TemplateResponse is rendered inside the slot, where its cost is.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            with running_slot(
                scope, _who(request), limit=limit, timeout_seconds=timeout_seconds
            ) as allowed:
                if not allowed:
                    response = TemplateResponse(
                        request,
                        "429.html",
                        {
                            "message": "You already have this page loading in other tabs or "
                            "windows. Wait for them to finish, then try again."
                        },
                        status=429,
                    )
                    response["Retry-After"] = str(retry_after)
                    return response
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
                return response

        return wrapper

    return decorator
