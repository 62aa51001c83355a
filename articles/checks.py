"""System checks for `manage.py check --deploy`: stale stored HTML (with `--database default`), a
shared cache (Redis) that has no memory limit or evicts nothing at it, and a SITE_URL that
e-mails cannot link to safely."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.core.checks import Error
from django.core.checks import Warning as CheckWarning

from hub.cache_backends import RedisCache

from . import upkeep
from .cache import CACHE_ERRORS


def cards_rendered_current(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """The stored HTML (cards, bodies and intros) was rendered as it is rendered now
    (upkeep's fingerprints).

    `migrate` re-renders it itself; this catches a deploy that changed the card template,
    the URL prefix, the time zone or the Markdown pipeline and skipped `migrate`.
    """
    if not databases or "default" not in databases:
        return []
    if not upkeep.fingerprints_table_exists():
        return [
            Error(
                "The database is not migrated: stored HTML cannot be checked.",
                hint="Run `python manage.py migrate`.",
                id="articles.E002",
            )
        ]
    stale = []
    if not upkeep.cards_current():
        stale.append(
            Error(
                "Article cards were rendered with another card template, URL prefix or time zone.",
                hint="Run `python manage.py migrate` or `python manage.py rerender_content`.",
                id="articles.E001",
            )
        )
    if not upkeep.pages_current():
        stale.append(
            Error(
                "Article bodies and topic intros were rendered by another version of the "
                "Markdown pipeline.",
                hint="Run `python manage.py migrate` or `python manage.py rerender_content`.",
                id="articles.E003",
            )
        )
    return stale


# What Redis may do when full, for this cache (docs/operations.md, "Redis memory"): evict the
# least recently or least frequently used keys. Every key the site writes expires, except
# the page cache's generation, which the volatile-* policies therefore never evict.
EVICTING_POLICIES = frozenset({"volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu"})
MEMORY_DOCS = "See docs/operations.md, Redis memory."


def redis_memory_bounded(app_configs=None, **kwargs) -> list[CheckWarning]:
    """Redis, when it is the cache, has a memory limit and evicts the least used keys at it.

    Asks Redis (one INFO); a Redis that does not answer is a warning, never an error.
    """
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return []
    try:
        maxmemory, policy = cache.memory_limits()
    except (*CACHE_ERRORS, KeyError, ValueError):
        return [
            CheckWarning(
                "Redis did not say its memory limit, so it was not checked.",
                hint=f"Check that REDIS_URL answers INFO. {MEMORY_DOCS}",
                id="articles.W001",
            )
        ]
    return memory_warnings(maxmemory, policy)


def memory_warnings(maxmemory: int, policy: str) -> list[CheckWarning]:
    """What is wrong with Redis's `maxmemory` and `maxmemory-policy` for this cache."""
    warnings = []
    if maxmemory == 0:
        warnings.append(
            CheckWarning(
                "Redis has no memory limit (maxmemory 0): cached pages can take all the "
                "server's memory.",
                hint=f"Set maxmemory. {MEMORY_DOCS}",
                id="articles.W002",
            )
        )
    if policy not in EVICTING_POLICIES:
        warnings.append(
            CheckWarning(
                f"Redis's maxmemory-policy is {policy}: when it is full, it does not make room "
                "by evicting the least used keys (with noeviction, writes fail, and search, "
                "sign-in and the rate limits answer with errors).",
                hint=f"Set maxmemory-policy volatile-lru. {MEMORY_DOCS}",
                id="articles.W003",
            )
        )
    return warnings


def site_url_https(app_configs=None, **kwargs) -> list[Error]:
    """In production (DEBUG off) SITE_URL, which every e-mail's links start with, is the
    site's own https address: not the development default, nor plain http."""
    if settings.DEBUG:
        return []
    address = urlsplit(settings.SITE_URL)
    if address.scheme == "https" and address.hostname:
        return []
    return [
        Error(
            f"SITE_URL is {settings.SITE_URL!r}: e-mails to editors and readers link to it, "
            "so in production it must be the site's https address.",
            hint="Set SITE_URL in the environment, for example https://health.example.org.",
            id="articles.E004",
        )
    ]
