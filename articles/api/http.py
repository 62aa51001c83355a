"""HTTP around every successful answer: ETag, Last-Modified and 304s, Cache-Control as the
HTML pages get it, Deprecation/Sunset from settings.API_DEPRECATIONS; and the shared
shapes of a request (a page number, a slug) and of a list ({count, items, next}).

Cache-Control: without a key, as a public page (articles/cache.py): `public, max-age=0,
s-maxage=PAGE_CDN_SECONDS, must-revalidate`, so a CDN may keep an answer briefly and
browsers always revalidate (a cheap 304). With a key, `private`: each keyed request must
reach the API, where it is counted against its key's limit.

Conditional requests: the ETag is a hash of the body, so If-None-Match is exact. A
Last-Modified is sent for every answer, but If-Modified-Since is honoured only where it
is exact (an article: `exact_modified()`): a list's newest change cannot show that an
item left it.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from .errors import Problem

PAGE_SIZE = 20
# No list has more pages than this would allow; a larger number is a 400, not a query.
MAX_PAGE = 100_000
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,220}")


def checked_slug(slug: str, what: str) -> str:
    """A slug as the site makes them, or 404 before any query (a 10,000-character one)."""
    if not _SLUG.fullmatch(slug):
        raise Problem(404, "Not found", f"No such {what}.")
    return slug


def last_modified(request: HttpRequest, *times: datetime.datetime | None, exact=False) -> None:
    """Say when what this answer shows last changed (the newest of `times` and of what was
    said before for this request); `exact` when
    no change to the answer can happen without one of them moving (If-Modified-Since is
    then honoured)."""
    known = [t for t in (*times, getattr(request, "api_last_modified", None)) if t is not None]
    if known:
        request.api_last_modified = max(known)
        request.api_modified_exact = exact


def page_of(request: HttpRequest, items, *, count: int, page: int) -> dict:
    """{count, items, next}: `items` is one page (PAGE_SIZE) of `count`; `next` the
    absolute address of the next page, or null. A page past the end is a 404."""
    if page > 1 and (page - 1) * PAGE_SIZE >= count:
        raise Problem(404, "Not found", "No such page.", count=count)
    following = None
    if page * PAGE_SIZE < count:
        query = request.GET.copy()
        query["page"] = str(page + 1)
        following = request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")
    return {"count": count, "items": items, "next": following}


def offset(page: int) -> slice:
    return slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)


def _deprecation(request: HttpRequest, response: HttpResponse) -> None:
    for entry in settings.API_DEPRECATIONS:
        if re.search(entry["path"], request.path):
            # RFC 9745: Deprecation is a date as "@<unix seconds>"; RFC 8594: Sunset.
            response["Deprecation"] = f"@{int(entry['deprecation'].timestamp())}"
            if entry.get("sunset"):
                response["Sunset"] = http_date(entry["sunset"].timestamp())
            if entry.get("link"):
                response["Link"] = f'<{entry["link"]}>; rel="deprecation"; type="text/html"'
            return


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Headers for a successful answer; a 304 instead when the client has it already."""
    _deprecation(request, response)
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    if getattr(request, "auth", None) is not None and request.auth.pk is not None:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    else:
        patch_cache_control(
            response,
            public=True,
            max_age=0,
            s_maxage=settings.PAGE_CDN_SECONDS,
            must_revalidate=True,
        )
    patch_vary_headers(response, ("Authorization", "X-API-Key"))
    # A weak validator, as Django's own (the body may be compressed on the way).
    etag = f'W/"{_digest(response.content)}"'
    response["ETag"] = etag
    modified = getattr(request, "api_last_modified", None)
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    exact = getattr(request, "api_modified_exact", False)
    if not exact:
        # Not a validator to trust: ConditionalGetMiddleware must not answer 304 from it.
        request.META.pop("HTTP_IF_MODIFIED_SINCE", None)
    return get_conditional_response(
        request,
        etag=etag,
        last_modified=int(modified.timestamp()) if modified is not None and exact else None,
        response=response,
    )


def _digest(content: bytes) -> str:
    # blake2b as articles/cache.py keys pages: fast, and collisions are not a concern here.
    return hashlib.blake2b(content, digest_size=16).hexdigest()
