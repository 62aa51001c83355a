"""The site's addresses, reversed once per URLconf and script prefix rather than per use.

reverse() walks the URL patterns on every call, about 25 µs each; a topic or article page
made a dozen of them (header, footer, breadcrumbs, topic chips, bylines, structured data).
The fixed pages' addresses are reversed once; an address with one slug or username in it
is reversed once with a marker, and the marker is replaced with the value, quoted as
reverse() quotes it.
"""

import re
from collections.abc import Callable
from functools import cache
from urllib.parse import quote

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# Matches the slug and username converters' patterns, and appears in no route's text.
_MARKER = "0hub0marker0"
# What reverse() leaves unquoted in an argument (django.urls.resolvers._reverse_with_prefix).
_SAFE = RFC3986_SUBDELIMS + "/~:@"
# What quote() never changes: a value made only of these (any slug or username in ASCII)
# is its own quoted form, found at a tenth of quote()'s cost.
_UNCHANGED = re.compile(r"[-\w.~]*\Z", re.ASCII).match


@cache
def _fixed(urlconf, prefix: str) -> dict[str, str]:
    return {
        "home": reverse("articles:home"),
        "topic_index": reverse("articles:topic_index"),
        "search": reverse("articles:search"),
        "report": reverse("articles:report"),
        "contact": reverse("articles:contact"),
        "web_manifest": reverse("articles:web_manifest"),
        "favicon": reverse("articles:favicon"),
        "feed": reverse("articles:feed"),
        "feed_atom": reverse("articles:feed_atom"),
        "editorial_policy": reverse("articles:page", args=["editorial-policy"]),
        "funding": reverse("articles:page", args=["funding"]),
        "accessibility": reverse("articles:page", args=["accessibility"]),
    }


@cache
def _around(urlconf, prefix: str, viewname: str, kwarg: str) -> tuple[str, str]:
    before, after = reverse(viewname, kwargs={kwarg: _MARKER}).split(_MARKER)
    return before, after


def fixed_links() -> dict[str, str]:
    """The addresses of the site's fixed pages (home, search, feeds, policy pages...)."""
    return _fixed(get_urlconf(), get_script_prefix())


def url_with(viewname: str, kwarg: str, value: str) -> str:
    """reverse(viewname, kwargs={kwarg: value}) for a route with that one argument."""
    return urls_with(viewname, kwarg)(value)


def urls_with(viewname: str, kwarg: str) -> Callable[[str], str]:
    """url_with() as a function of the value, for a list of addresses: the URLconf and
    script prefix (request-local, so not free to read) are read once for all of them."""
    before, after = _around(get_urlconf(), get_script_prefix(), viewname, kwarg)

    def url(value: str) -> str:
        value = str(value)
        return before + (value if _UNCHANGED(value) else quote(value, safe=_SAFE)) + after

    return url


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):  # tests that change the URLs
        _fixed.cache_clear()
        _around.cache_clear()
