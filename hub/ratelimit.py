"""Who is asking, and how often: the client's address and a shared-cache rate limit.

Client address: behind N trusted proxies (TRUSTED_PROXY_COUNT), each appends the address it
received the request from to X-Forwarded-For, so the client is the Nth entry from the right.
Entries further left were written by the client and can be forged, so they are ignored. With
no trusted proxy the socket address is used and X-Forwarded-For is not read at all.
"""

import hashlib
import ipaddress
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.response import TemplateResponse


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


def too_many(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt by `who` in `scope`; True once more than `limit` fall in the window."""
    digest = hashlib.sha256(f"{scope}:{who}".encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}"
    if cache.add(key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
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
