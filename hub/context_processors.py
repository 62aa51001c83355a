"""Template context every page needs."""

from functools import cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


@cache
def _links(urlconf, prefix: str) -> dict[str, str]:
    # Reversed once per URLconf and prefix rather than by {% url %} on every page: the
    # header and footer's eight links were half the base template's rendering time.
    return {
        "home": reverse("articles:home"),
        "topic_index": reverse("articles:topic_index"),
        "search": reverse("articles:search"),
        "report": reverse("articles:report"),
        "feed": reverse("articles:feed"),
        "feed_atom": reverse("articles:feed_atom"),
        "editorial_policy": reverse("articles:page", args=["editorial-policy"]),
        "funding": reverse("articles:page", args=["funding"]),
        "accessibility": reverse("articles:page", args=["accessibility"]),
    }


@receiver(setting_changed)
def _forget_links(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):  # tests that change the URLs
        _links.cache_clear()


def site_links(request) -> dict:
    """`links`: the addresses of the site's fixed pages, for the header, footer and forms."""
    return {"links": _links(get_urlconf(), get_script_prefix())}
