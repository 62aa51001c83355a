"""Whole public pages for anonymous readers, from the cache, and never stale.

- Public views are marked with `@public_page`. `PageCacheMiddleware` (early in the stack)
  answers a GET or HEAD without a session cookie from the cache when it can: the stored
  body and headers (CSP, X-Frame-Options, ETag, ...) as first sent, with no view, session
  or SQL. Otherwise the request goes on, and a 200 answer of a marked view is stored
  unless something in it is personal: a cookie set, the CSRF token used, a Vary other than
  Accept-Encoding (Vary: Cookie means the session was read), or Cache-Control private or
  no-store.
- A page's key is its address with only the query parameters the public views read
  (`@public_page(query=...)`), and a page is stored only for the values the view used
  (`made_from()`): `?utm_source=...` is served the stored page, and junk such as
  `?page=007` or `?audience=x` is rendered but never stored, so no query string can add
  entries beyond the site's own pages (issue 23).
- Pages know what they show (issue 24). A view names the content in its page with
  `shows(response, *keys)` (`article:<id>`, `topic:<id>`, `author:<id>`, `home`, `feeds`,
  ...; see page_key_for()); a page that names nothing gets ANY. The keys are stored with
  the page and sent as `xkey` (Varnish) and `Surrogate-Key` (Fastly-style CDNs) headers.
  A change calls `retire(*keys)`: when the transaction commits, one atomic step adds one
  to a sequence number (`page:retired`) and records it as each key's version. A page
  entry holds the sequence number read before it was rendered; it is current while none
  of its keys has a newer version (one MGET, skipped while the sequence has not moved
  since this process last checked the page). So a publish in topic A leaves topic B's
  pages cached. A version that is missing (evicted) makes the page stale, never fresh:
  versions are (re)created at store time from the current sequence (_note_keys()).
  Retiring also purges the keys from the HTTP caches in front (hub/cache_purge.py).
- Parts kept apart (issue 24): a list on a page that changes far more often than the page
  around it is a part of its own (`PagePart`; the article page's related articles, which
  every publish in its topics changes). The page holds a mark where the part goes, and is
  stored with the mark; the part is stored once per scope (the related articles of a set
  of topics) under its own keys, and put in each time the page is served, current. So a
  publish re-renders one small list per topic set (one query) rather than every article
  page of its topics. The answer's keys for caches in front include the parts' keys.
- No stampede: a miss takes a short lock for its page key; others asking for that page
  meanwhile wait (up to PAGE_CACHE_WAIT_SECONDS) for the page it stores rather than all
  rendering it. A retired page is never served stale: a retracted article must go at once.
- Keys also carry a generation number: `page:<generation>:<hash of the address>`, for
  changes every page shows (templates, helplines, the footer's policy pages, the
  Markdown pipeline): `content_changed()` adds one to the generation when the transaction
  commits (one cache incr): every stored page is then out of reach at once, and the next
  request renders afresh (a bump the cache refused is retried, and owed until it
  succeeds: see _bump(); a retire the cache refused becomes an owed bump too). Who calls
  which for which change is the table in articles/upkeep.py. Unreachable pages expire by
  themselves.
- Time changes pages without any write: a scheduled article becomes public at its publish
  time, and review notices appear at midnight. So a page is kept at most
  PAGE_CACHE_SECONDS, never past the next scheduled publication (one query, itself cached
  per generation) and never past midnight.
- Each process also keeps the last PAGE_CACHE_LOCAL_PAGES pages it served, under the same
  keys: a hit then asks the shared cache only for the generation and the retirement
  sequence (one MGET, a few bytes), and for its keys' versions once after each retirement.
- HTTP: marked pages for anonymous readers get an ETag and Last-Modified (304s come from
  ConditionalGetMiddleware, placed just before this one so cached answers get them too)
  and `Cache-Control: public, max-age=0, s-maxage=N, must-revalidate`: browsers check
  back every time (a cheap 304), a CDN may keep the page N seconds (PAGE_CDN_SECONDS,
  capped like the cache). Only an answer the page cache stores under exactly the address
  asked for gets the s-maxage and the keys; `?page=007`, `?zz=1` or `?utm_source=x` get
  `private, max-age=0, must-revalidate` and no keys, so a cache in front keeps no copy per
  query string (Varnish also strips and sorts the query first: deploy/varnish/default.vcl).
  Anything for a request with a session, or that sets a cookie, is `private, no-store`.

The generation lives in the cache, so every process serving pages must share that cache
(Redis): with the per-process local-memory cache, a publish handled by one worker would
not reach another's pages. hub/settings.py therefore turns the page cache on by default
only with REDIS_URL.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import NamedTuple
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control, set_response_etag
from django.utils.http import http_date
from django.utils.safestring import SafeString, mark_safe

from hub import cache_purge
from hub.cache_backends import CACHE_ERRORS

from .models import Article, render_body

log = logging.getLogger(__name__)

# The shared cache being unreachable must cost readers the cache, never the page
# (CACHE_ERRORS: what it raises then).
GENERATION_KEY = "page:generation"
# The sequence of retirements; each retired key's version is the number of its last one.
RETIRED_KEY = "page:retired"
# On a page that named no keys: every retirement retires it too (correct, if not lean).
ANY = "any"
# On every page, never retired by key: lets a generation bump purge a whole HTTP cache.
ALL = "all"
# Longer page parameters are served but not stored: they are not links the site makes.
MAX_STORED_QUERY = 200
_NO_SCHEDULE = 0.0


# Every query parameter a public page reads; only these make a cache key. Listed here, not
# gathered from the views: the middleware keys a process's first request before the URLconf
# (and so the views) is imported. A view names those it reads in `@public_page(query=...)`.
# deploy/varnish/default.vcl keeps only these in a public page's query string: change both.
PAGE_PARAMETERS = frozenset({"audience", "letter", "p", "page", "q"})


def public_page(view=None, /, *, query: Iterable[str] = (), keys: Iterable[str] = ()):
    """Mark a view's answers as the same for every anonymous reader, so they may be cached.

    `query` names the query parameters the view reads. It sees no other (request.GET holds
    only those), so no other parameter can change a page, and none makes a cache key: a
    link with `?utm_source=...` is served the page stored for the link without it. A view
    that reads a parameter says, with `made_from()`, the values its page was made from.

    `keys` are what every page of the view shows (see shows(), for keys known only once
    the page is built).

    `@public_page` or `@public_page(query=(...))`; also works on a class-based view's
    dispatch() through method_decorator. A view may set `response.public_page` itself
    (search does, from a setting); otherwise its answers are public.
    """
    names = frozenset(query)
    shown = tuple(keys)
    if not names <= PAGE_PARAMETERS:
        # Else those parameters would change a page without changing its key.
        raise ImproperlyConfigured(
            f"Add {sorted(names - PAGE_PARAMETERS)} to articles.cache.PAGE_PARAMETERS."
        )

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.META.get("QUERY_STRING") and request.GET.keys() - names:
                request.GET = _only(request.GET, names)
            response = view(request, *args, **kwargs)
            if not hasattr(response, "public_page"):
                response.public_page = True
            return shows(response, *shown) if shown else response

        return wrapper

    return decorate if view is None else decorate(view)


def _only(params: QueryDict, names: frozenset[str]) -> QueryDict:
    kept = QueryDict(mutable=True)
    for name in names & params.keys():
        kept.setlist(name, params.getlist(name))
    kept._mutable = False
    return kept


def made_from(response: HttpResponse, **used: str | int | None) -> HttpResponse:
    """Say which query parameters this page was made from, with the values the view used
    (a number as a number, not as typed); None for a parameter it did not use.

    The page is stored only for a request that gave exactly these: `?page=02`, `?page=2&page=3`
    or `?audience=nonsense` get the page they ask for, rendered, and add nothing to the cache.
    """
    response.page_query = _query_string((k, str(v)) for k, v in used.items() if v is not None)
    return response


def _query_string(pairs: Iterable[tuple[str, str]]) -> str:
    return urlencode(sorted(pairs))


# --- the generation ------------------------------------------------------------------------


def _fresh_generation() -> int:
    # Microseconds: a generation started after the key was lost (evicted, flushed) can never
    # equal one that pages were stored under before.
    return time.time_ns() // 1000


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = _fresh_generation()
        if not cache.add(GENERATION_KEY, value, timeout=None):
            value = cache.get(GENERATION_KEY) or value
    return value


# Seconds to wait before each further attempt at a bump that failed (a dropped connection,
# a failover). Short: the change has committed and its author is waiting for the answer.
BUMP_RETRY_DELAYS = (0.05, 0.25)
# Set while a bump this process owes has not reached the cache: see _bump().
_bump_owed = threading.Event()


def _bump_once() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet, or it was evicted: start a new one
        cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)


def _bump() -> bool:
    """Move every process to a new generation; True once the cache has it.

    A change has committed, so cached pages must not outlive a cache that was briefly
    unreachable: the bump is tried again after each of BUMP_RETRY_DELAYS and, failing
    that, owed. While a bump is owed, this process serves and stores no cached page and
    tries it again on each request, so the pages go as soon as the cache answers. A
    command, which serves no request, fails instead (bump_owed()).
    """
    for delay in (0, *BUMP_RETRY_DELAYS):
        time.sleep(delay)
        try:
            _bump_once()
        except CACHE_ERRORS:
            continue
        _bump_owed.clear()
        return True
    _bump_owed.set()
    log.error("could not bump the page-cache generation; trying again on the next request")
    return False


def bump_owed() -> bool:
    """Whether this process could not tell the cache of a change (see _bump())."""
    return _bump_owed.is_set()


def forget_owed_bump() -> None:
    """Forget a bump this process owes, without paying it: for test isolation only.

    A test whose cache refused a bump must not leave the next test's process serving no
    cached page. Never call it elsewhere: pages cached before the change would stay.
    """
    _bump_owed.clear()


def check_no_bump_owed() -> None:
    """For management commands: fail loudly if a change of theirs did not reach the cache."""
    if bump_owed():
        raise CommandError(
            "The content changed, but the page cache (Redis) did not answer: pages cached "
            "before the change may still be served. Run this again once Redis answers."
        )


def _settle_owed_bump() -> bool:
    """Pay an owed bump now (one attempt); True when nothing is owed any more."""
    if not _bump_owed.is_set():
        return True
    try:
        _bump_once()
    except CACHE_ERRORS:
        return False
    _bump_owed.clear()
    log.warning("owed page-cache generation bump done")
    return True


def content_changed() -> None:
    """Call after any change readers could see: cached pages go when the transaction commits.

    Outside a transaction, at once. For what every page shows (templates, helplines, the
    footer, the Markdown pipeline); a change to some content calls retire() instead. The
    HTTP caches in front are emptied too (every page carries the key ALL).
    """
    transaction.on_commit(_bump)
    transaction.on_commit(lambda: cache_purge.purge([ALL]))


# --- what a page shows, and retiring it (issue 24) ------------------------------------------

# Longest key sent: Fastly refuses keys over 1 KB; ours are ids, this only bounds odd ones.
MAX_KEY = 100


def page_key_for(kind: str, ident: int | str | None = None) -> str:
    """The key of a piece of content, as pages and retire() name it: `article:12`, `home`.

    Safe in an `xkey` / `Surrogate-Key` header (space-separated) whatever `ident` holds:
    anything but letters, digits and `-_.` is percent-encoded, and a long one is hashed.
    Ids are preferred to slugs, which can change.
    """
    if ident is None:
        return quote(kind, safe="-_.")
    encoded = quote(str(ident), safe="-_.")
    if len(encoded) > MAX_KEY:
        encoded = hashlib.blake2b(encoded.encode(), digest_size=16).hexdigest()
    return f"{quote(kind, safe='-_.')}:{encoded}"


def article_key(pk: int) -> str:
    return page_key_for("article", pk)


def topic_key(pk: int) -> str:
    return page_key_for("topic", pk)


def topic_name_key(pk: int) -> str:
    """Pages showing a topic's own words (its name, its safety notice) but not its list of
    articles: apart from topic_key(), as byline_key() is from author_key(), so that a
    publish in a topic, which changes its lists, leaves its articles' pages cached (their
    related articles are a part of their own: PagePart, keyed by related_key())."""
    return page_key_for("topic-name", pk)


def related_key(topic_ids: Iterable[int]) -> str:
    """The related-article lists an article with all these topics would enter (see
    upkeep.related_list_keys())."""
    return page_key_for("related", "-".join(map(str, sorted(topic_ids))))


def author_key(pk: int) -> str:
    """A person's author page (the lists of what they wrote and reviewed)."""
    return page_key_for("author", pk)


def byline_key(pk: int) -> str:
    """Pages showing a person's name or profile (bylines, reviewed-by lines): apart from
    author_key(), so that a publish, which changes the author page's lists, leaves every
    other page with their byline cached."""
    return page_key_for("byline", pk)


# Pages listing content broadly: each is retired by any change to what it lists.
HOME, INDEX, FEEDS, SITEMAP, SEARCH = "home", "index", "feeds", "sitemap", "search"
# Pages that change only with a deploy or a generation bump (robots.txt, contact...).
SITE = "site"


def shows(response: HttpResponse, *keys: str) -> HttpResponse:
    """Say what content this page shows (page_key_for() keys): it is retired with them."""
    response.page_keys = getattr(response, "page_keys", frozenset()) | frozenset(keys)
    return response


def _version_key(key: str) -> str:
    return f"page:v:{key}"


# Serialises retire() and _note_keys() for a cache without hub.cache_backends' atomic
# scripts (local memory: one process, so a lock of the process's own is enough).
_versions_lock = threading.Lock()


def _retire_once(keys: Iterable[str]) -> int:
    """Record a new retirement for these keys; returns its sequence number."""
    version_keys = [_version_key(k) for k in sorted(keys)]
    if hasattr(cache, "retire_keys"):  # hub.cache_backends.RedisCache: one atomic script
        return cache.retire_keys(RETIRED_KEY, version_keys, _fresh_generation())
    with _versions_lock:
        try:
            seq = cache.incr(RETIRED_KEY)
        except ValueError:
            seq = _fresh_generation()
            cache.set(RETIRED_KEY, seq, timeout=None)
        cache.set_many(dict.fromkeys(version_keys, seq), timeout=None)
        return seq


def _note_keys(keys: Iterable[str]) -> None:
    """Give a version to each of a stored page's keys that has none (never retired, or
    evicted): the current sequence number, so no page rendered before now looks fresh."""
    version_keys = [_version_key(k) for k in sorted(keys)]
    if hasattr(cache, "note_keys"):
        cache.note_keys(RETIRED_KEY, version_keys)
        return
    with _versions_lock:
        seq = cache.get(RETIRED_KEY)
        if seq is None:
            return  # the next clock() starts a sequence above every version there is
        missing = [k for k in version_keys if cache.get(k) is None]
        cache.set_many(dict.fromkeys(missing, seq), timeout=None)


def clock() -> tuple[int, int]:
    """The generation and the retirement sequence number now: one round trip."""
    found = cache.get_many([GENERATION_KEY, RETIRED_KEY])
    gen, seq = found.get(GENERATION_KEY), found.get(RETIRED_KEY)
    if gen is None:
        gen = generation()
    if seq is None:
        seq = _fresh_generation()
        if not cache.add(RETIRED_KEY, seq, timeout=None):
            seq = cache.get(RETIRED_KEY) or seq
    return gen, seq


def _current(stored: tuple, known: dict | None = None) -> bool:
    """Whether none of the stored page's keys was retired after it was rendered. `known`:
    versions read already (None for one read and missing); asked again only if it lacks
    some."""
    if len(stored) < 6:
        return False  # stored by a release before pages had keys
    keys, made_at = stored[4], stored[5]
    version_keys = [_version_key(k) for k in keys]
    if known is not None and all(k in known for k in version_keys):
        versions = [known[k] for k in version_keys]
    else:
        found = cache.get_many(version_keys)
        versions = [found.get(k) for k in version_keys]
    return all(v is not None and v <= made_at for v in versions)


def _retire(keys: frozenset[str]) -> bool:
    """Retire pages showing these keys; True once the cache has it. Like _bump(): retried,
    and if the cache still refuses, a whole generation bump is owed instead (it retires a
    superset). The HTTP caches in front are purged either way."""
    # The page cache first: a proxy purged before it would fetch the old page from it again.
    for delay in (0, *BUMP_RETRY_DELAYS):
        time.sleep(delay)
        try:
            _retire_once(keys)
            # A change may schedule or cancel a publication: the next one is read again,
            # or pages rendered now would be kept past its time.
            cache.delete(_next_scheduled_key(generation()))
        except CACHE_ERRORS:
            continue
        cache_purge.purge(keys)
        return True
    _bump_owed.set()
    log.error("could not retire page keys %s; a generation bump is owed", sorted(keys))
    cache_purge.purge(keys)
    return False


def retire(*keys: str) -> None:
    """Call after a change readers could see on the pages showing `keys` (page_key_for()):
    those pages go when the transaction commits (outside one, at once). Pages that named
    no keys (ANY) go with any retirement."""
    retired = frozenset(keys) | {ANY}
    transaction.on_commit(lambda: _retire(retired))


# --- parts of a page kept apart ------------------------------------------------------------

# What renders each kind of part: scope -> ({variant: html}, keys of what it shows). The
# variant "" is for pages of no other variant. Registered with @page_part by the views.
PartRenderer = Callable[[str], tuple[dict[str, str], Iterable[str]]]
_PART_RENDERERS: dict[str, PartRenderer] = {}


def page_part(name: str) -> Callable[[PartRenderer], PartRenderer]:
    """Register the renderer of a kind of part (see PagePart)."""

    def register(render: PartRenderer) -> PartRenderer:
        _PART_RENDERERS[name] = render
        return render

    return register


@dataclass(frozen=True)
class PagePart:
    """A part of a page rendered and cached apart from it: `name` says which renderer,
    `scope` what it is rendered for (and cached under: every page of the same scope shares
    one rendering), `variant` which of the rendering's variants this page shows (an
    article's related list leaves the article itself out)."""

    name: str
    scope: str
    variant: str = ""

    @property
    def mark(self) -> SafeString:
        """What the page's template puts where the part goes."""
        return mark_safe(f"<!--hub-part {self.name} {self.scope} {self.variant}-->")  # noqa: S308 - ids only

    def key(self, gen: int) -> str:
        return f"part:{gen}:{self.name}:{self.scope}"


def with_parts(response: HttpResponse, *parts: PagePart) -> HttpResponse:
    """Say which parts the page's marks stand for: they are filled in before it is sent."""
    response.page_parts = getattr(response, "page_parts", ()) + parts
    return response


def _render_part(part: PagePart, now: float, expires: float, seq: int | None) -> tuple:
    """A part's stored form, shaped like a stored page for _RecentPages and _current():
    ({variant: (html, digest)}, None, stored at, expires, keys, sequence read before)."""
    variants, keys = _PART_RENDERERS[part.name](part.scope)
    rendered = {}
    for variant, html in variants.items():
        encoded = html.encode()
        rendered[variant] = (encoded, hashlib.blake2b(encoded, digest_size=8).digest())
    return (rendered, None, now, expires, tuple(sorted(keys)), seq)


def _part_text(stored: tuple, part: PagePart) -> tuple[bytes, bytes]:
    variants = stored[0]
    return variants.get(part.variant, variants[""])


def _stored_keys(stored: tuple) -> tuple[str, ...]:
    """The keys of a stored page or part (they are shaped alike)."""
    return stored[4]


# --- how long a page may be kept ------------------------------------------------------------


def _next_scheduled_key(gen: int) -> str:
    return f"page:{gen}:next-scheduled"


def next_scheduled_publication(gen: int) -> datetime.datetime | None:
    """When the next scheduled article goes public: one query, cached per generation until
    the next retirement."""
    key = _next_scheduled_key(gen)
    now = timezone.now()
    stamp = cache.get(key)
    if stamp is None or (stamp != _NO_SCHEDULE and stamp <= now.timestamp()):
        upcoming = (
            Article.objects.filter(live=True, published_at__gt=now)
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )
        stamp = upcoming.timestamp() if upcoming else _NO_SCHEDULE
        cache.set(key, stamp, timeout=settings.PAGE_CACHE_SECONDS)
    if stamp == _NO_SCHEDULE:
        return None
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)


def page_timeout(gen: int) -> int:
    """Whole seconds a page rendered now may be kept: 0 means do not keep it."""
    now = timezone.now()
    seconds = float(settings.PAGE_CACHE_SECONDS)
    tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
    midnight = datetime.datetime.combine(
        tomorrow, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    seconds = min(seconds, (midnight - now).total_seconds())
    upcoming = next_scheduled_publication(gen)
    if upcoming is not None:
        seconds = min(seconds, (upcoming - now).total_seconds())
    return max(0, math.floor(seconds))


# --- the middleware -----------------------------------------------------------------------


def page_query(request: HttpRequest) -> str | None:
    """The part of this request's query string that may make a page: the page parameters,
    in order; None when one of them is given twice (no link the site makes does that)."""
    if not request.META.get("QUERY_STRING"):
        return ""
    pairs = []
    for name, values in request.GET.lists():
        if name in PAGE_PARAMETERS:
            if len(values) > 1:
                return None
            pairs.append((name, values[0]))
    return _query_string(pairs)


def page_key(gen: int, request: HttpRequest, *, by_encoding: bool = False) -> str | None:
    """The cache key of this request's page in generation `gen`; None if it has none.

    Parameters no public page reads are left out: they cannot change a page.
    """
    return _key(gen, request, page_query(request), by_encoding=by_encoding)


def _key(gen: int, request: HttpRequest, query: str | None, *, by_encoding: bool) -> str | None:
    if query is None or len(query) > MAX_STORED_QUERY:
        return None
    # What build_absolute_uri() holds, without its quoting work (a tenth of a hit's time).
    address = "\n".join((request.scheme, request.get_host(), request.path, query))
    if by_encoding:
        gzip = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
        address += "\n" + ("gzip" if gzip else "identity")
    digest = hashlib.blake2b(address.encode(), digest_size=16).hexdigest()
    return f"page:{gen}:{digest}"


def _has_session(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether anything in this answer belongs to one reader rather than to everybody."""
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return True
    if request.META.get("CSRF_COOKIE_USED") or b"csrfmiddlewaretoken" in response.content:
        return True
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if vary - {"accept-encoding"}:
        return True
    cache_control = response.get("Cache-Control", "").lower()
    return "private" in cache_control or "no-store" in cache_control


class _RecentPages:
    """The pages this process served last, in front of the shared cache.

    Keyed like the shared cache (generation included), so a bump reaches them exactly as
    it reaches the shared cache; each entry also keeps its own expiry, and the retirement
    sequence number at which its keys' versions were last checked: while the sequence has
    not moved, a hit costs one small round trip (clock()) and no version check.
    """

    def __init__(self, size: int):
        self.size = size
        self.pages: OrderedDict[str, tuple[tuple, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[tuple, int] | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is None:
                return None
            if entry[0][3] <= time.time():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return entry

    def put(self, key: str, stored: tuple, checked_at: int) -> None:
        with self.lock:
            self.pages[key] = (stored, checked_at)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def drop(self, key: str) -> None:
        with self.lock:
            self.pages.pop(key, None)


def _restore(stored: tuple) -> HttpResponse:
    content, headers, stored_at = stored[:3]
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    response.headers["Age"] = str(max(0, int(time.time() - stored_at)))
    return response


def _lock_key(key: str) -> str:
    return key + ":rendering"


def _key_header(keys: Iterable[str]) -> str:
    return " ".join(sorted({*keys, ALL}))


def _exact_address(request: HttpRequest, query: str | None) -> bool:
    """Whether the request's query string is exactly the page's own (`?page=2`, not
    `?page=2&utm_source=x`, `?page=007` or `?zz=1`): only then may an HTTP cache in front,
    which keys pages by their whole address, keep the answer (deploy/varnish/default.vcl
    strips and sorts the rest before asking)."""
    return query is not None and request.META.get("QUERY_STRING", "") == query


def _not_shared(response: HttpResponse) -> None:
    """No cache in front keeps this answer, nor can purge it: no keys, no s-maxage."""
    response.headers.pop("xkey", None)
    response.headers.pop("Surrogate-Key", None)
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"


class _MarkedPage(NamedTuple):
    """A page with parts, as the view made it: stored like this, filled in when served."""

    content: bytes
    parts: tuple[PagePart, ...]
    digest: bytes
    part_keys: frozenset[str]
    made_at: float  # stored as the page's time, so its Last-Modified is the same when served


class PageCacheMiddleware:
    """Serve and store public pages for anonymous readers; see the module's docstring.

    Place it right after WhiteNoise and ConditionalGetMiddleware, before the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.by_encoding = "django.middleware.gzip.GZipMiddleware" in settings.MIDDLEWARE
        self.recent = _RecentPages(settings.PAGE_CACHE_LOCAL_PAGES)
        self.recent_parts = _RecentPages(settings.PAGE_CACHE_LOCAL_PAGES)

    def _lookup(
        self, key: str, seq: int, gen: int | None = None, recent: _RecentPages | None = None
    ) -> tuple | None:
        """The current page (or part) stored under `key`, or None."""
        recent = recent or self.recent
        entry = recent.get(key)
        if entry is not None:
            stored, checked_at = entry
            if checked_at == seq:
                return stored  # nothing retired since its keys were last checked
            if self._check(stored, seq, gen):
                recent.put(key, stored, seq)
                return stored
            recent.drop(key)
        # Another process may have stored it afresh.
        stored = cache.get(key)
        if stored is None or not self._check(stored, seq, gen):
            return None
        recent.put(key, stored, seq)
        return stored

    def _check(self, stored: tuple, seq: int, gen: int | None) -> bool:
        """Whether a stored page is current: one MGET of its keys' versions. For a page with
        parts, the same MGET fetches the parts and their keys' versions (the keys they had
        when the page was stored; a part whose keys changed since asks for its own), so
        that putting them in costs no further round trip: they are kept for _part()."""
        parts = stored[6] if gen is not None and len(stored) > 6 else ()
        if not parts:
            return _current(stored)
        part_keys = stored[8] if len(stored) > 8 else ()
        asked = [_version_key(k) for k in (*stored[4], *part_keys)]
        asked += [part.key(gen) for part in parts]
        found = cache.get_many(asked)
        known = {k: found.get(k) for k in asked}
        if not _current(stored, known):
            return False
        for part in parts:
            entry = known[part.key(gen)]
            if entry is not None and _current(entry, known):
                self.recent_parts.put(part.key(gen), entry, seq)
        return True

    def _part(self, part: PagePart, gen: int | None, seq: int | None) -> tuple:
        """A part as it stands now: kept by this process or the shared cache, or rendered
        (and stored for the other pages of its scope). No stampede lock: a part is one
        small query, not a page."""
        now = time.time()
        if gen is None:  # no page cache for this request
            return _render_part(part, now, now, None)
        key = part.key(gen)
        try:
            stored = self._lookup(key, seq, recent=self.recent_parts)
            if stored is not None:
                return stored
            timeout = page_timeout(gen)
        except (DatabaseError, *CACHE_ERRORS):
            log.warning("part rendered, not stored: its lifetime is unknown", exc_info=True)
            return _render_part(part, now, now, None)
        stored = _render_part(part, now, now + timeout, seq)
        if timeout >= 1:
            self._keep(key, stored, timeout, seq, self.recent_parts)
        return stored

    @staticmethod
    def _keep(key: str, stored: tuple, timeout: int, seq: int, recent: _RecentPages) -> None:
        """Store a page or a part in the shared cache and this process's recent ones."""
        try:
            _note_keys(_stored_keys(stored))
            cache.set(key, stored, timeout)
        except CACHE_ERRORS:
            log.warning("page cache unreachable; %s not stored", key, exc_info=True)
        else:
            recent.put(key, stored, seq)

    def _fill(self, response, parts, gen, seq, *, digest: bytes, made_at: float) -> tuple:
        """Put each part's current text where its mark is, in a page whose own content
        (marks included) has `digest` and was rendered at `made_at`. The ETag and
        Last-Modified follow what was put in. Returns the parts' keys, or None when one
        could not be rendered (the database is down): it is left out, and the answer is
        then neither stored nor kept by a cache in front."""
        content, keys, etag = response.content, set(), hashlib.blake2b(digest, digest_size=16)
        complete = True
        for part in parts:
            try:
                stored = self._part(part, gen, seq)
            except DatabaseError:
                log.warning("page part %s not rendered", part.name, exc_info=True)
                content, complete = content.replace(part.mark.encode(), b""), False
                continue
            html, part_digest = _part_text(stored, part)
            content = content.replace(part.mark.encode(), html)
            keys.update(_stored_keys(stored))
            etag.update(part_digest)
            made_at = max(made_at, stored[2])
        response.content = content
        response.headers["Content-Length"] = str(len(content))
        response.headers["ETag"] = f'"{etag.hexdigest()}"'
        response.headers["Last-Modified"] = http_date(made_at)
        return keys if complete else None

    def _wait_or_lock(self, key: str, seq: int) -> tuple[tuple | None, str | None]:
        """On a miss: (None, lock) when this request renders the page; (page, None) when
        another request rendering it stored it meanwhile; (None, None) when it did not in
        time, or could not store it (an error page, say): then this one renders too."""
        lock = _lock_key(key)
        if cache.add(lock, 1, timeout=settings.PAGE_CACHE_LOCK_SECONDS):
            return None, lock
        deadline = time.monotonic() + settings.PAGE_CACHE_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.01)
            found = cache.get_many([key, lock])
            stored = found.get(key)
            if stored is not None and _current(stored):
                self.recent.put(key, stored, seq)
                return stored, None
            if lock not in found:
                break
        return None, None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        anonymous = not _has_session(request)
        gen = key = query = seq = lock = None
        # Any request pays an owed bump, staff's too: other processes may be serving the
        # pages it should have retired.
        settled = _settle_owed_bump()
        if settings.PAGE_CACHE and anonymous and request.method in ("GET", "HEAD") and settled:
            # The clock is read before rendering: a page that was being rendered while
            # content changed is stored as made before the change, so it is stale at once.
            try:
                gen, seq = clock()
                # Taken before the view, which sees only its own parameters.
                query = page_query(request)
                key = _key(gen, request, query, by_encoding=self.by_encoding)
                stored = None if key is None else self._lookup(key, seq, gen)
                if stored is None and key is not None:
                    stored, lock = self._wait_or_lock(key, seq)
            except CACHE_ERRORS:
                log.warning("page cache unreachable; rendering", exc_info=True)
                gen = key = stored = lock = None
            if stored is not None:
                response = _restore(stored)
                parts = stored[6] if len(stored) > 6 else ()
                if parts:
                    filled = self._fill(
                        response, parts, gen, seq, digest=stored[7], made_at=stored[2]
                    )
                    if filled is None:
                        _not_shared(response)
                    elif "xkey" in response:  # what the parts show now, for a purge to reach
                        header = _key_header({*stored[4], *filled})
                        response.headers["xkey"] = response.headers["Surrogate-Key"] = header
                if not _exact_address(request, query):
                    _not_shared(response)  # ?utm_source=...: the page, but not for a CDN
                return response
        try:
            response = self.get_response(request)
            parts = () if response.streaming else getattr(response, "page_parts", ())
            if not parts:
                return self._answer(request, response, anonymous, gen, seq, key, query)
            blank, made_at = response.content, time.time()
            digest = hashlib.blake2b(blank, digest_size=16).digest()
            part_keys = self._fill(response, parts, gen, seq, digest=digest, made_at=made_at)
            if part_keys is None:  # a part is missing: this answer is for now only
                _not_shared(response)
                return response
            marked = _MarkedPage(blank, parts, digest, frozenset(part_keys), made_at)
            return self._answer(request, response, anonymous, gen, seq, key, query, marked)
        finally:
            if lock is not None:
                # If the cache refuses, the lock expires (PAGE_CACHE_LOCK_SECONDS).
                with contextlib.suppress(*CACHE_ERRORS):
                    cache.delete(lock)

    def _answer(
        self, request, response, anonymous, gen, seq, key, query, marked=None
    ) -> HttpResponse:
        if not anonymous or response.cookies:
            # Staff pages, previews, forms: never kept by a browser's or a CDN's cache.
            patch_cache_control(response, private=True, no_store=True)
            return response
        if not (
            gen is not None
            and getattr(response, "public_page", False)
            and response.status_code == 200
            and not response.streaming
        ):
            return response
        if _personal(request, response):
            return response
        try:
            timeout = page_timeout(gen)
        except (DatabaseError, *CACHE_ERRORS):
            # The page was rendered, but when it would go stale cannot be known now.
            log.warning("page not cached: its lifetime is unknown", exc_info=True)
            patch_cache_control(response, no_cache=True)
            return response
        now = marked.made_at if marked else time.time()
        if not response.has_header("ETag"):
            set_response_etag(response)
        if not response.has_header("Last-Modified"):
            response.headers["Last-Modified"] = http_date(now)
        keys = getattr(response, "page_keys", frozenset()) or frozenset({ANY})
        # Only the page asked for in the words the site uses: junk values of a page's own
        # parameters (?page=02) would otherwise each store a copy.
        made_for_this = query == getattr(response, "page_query", "")
        stored_here = timeout >= 1 and key is not None and made_for_this
        if not (stored_here and _exact_address(request, query)):
            # An HTTP cache in front would file it under its own address, one copy per
            # junk query string: kept by the reader's browser only.
            _not_shared(response)
        else:
            cdn_seconds = min(settings.PAGE_CDN_SECONDS, timeout)
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=cdn_seconds, must_revalidate=True
            )
            # What a cache in front files the page under, to purge it by (hub/cache_purge.py):
            # the keys of its parts too, as it keeps the page with them put in.
            shown = keys | marked.part_keys if marked else keys
            response.headers["xkey"] = response.headers["Surrogate-Key"] = _key_header(shown)
        if stored_here:
            keys = tuple(sorted(keys))
            content = marked.content if marked else response.content
            stored = (content, list(response.items()), now, now + timeout, keys, seq)
            if marked:  # the page with its marks: the parts, its digest, the parts' keys
                stored += (marked.parts, marked.digest, tuple(sorted(marked.part_keys)))
            self._keep(key, stored, timeout, seq, self.recent)
        return response


# How long a rendered preview of a version is kept (it is keyed by version, so never stale).
PREVIEW_SECONDS = 600


def preview_html(article, version: str) -> str:
    """A version's body rendered once per state of the topics it may link (the page cache's
    clock: a topic's rename or new definition retires keys, not the generation), not once
    per view: previews are opened again and again, by several people, and a long body
    costs a worker up to a third of a second."""
    gen, seq = clock()
    key = f"preview:{article.pk}:{version}:{gen}:{seq}"
    html = cache.get(key)
    if html is None:
        html = str(render_body(article.body, author_id=article.author_id))
        cache.set(key, html, timeout=PREVIEW_SECONDS)
    return html
