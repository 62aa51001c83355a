"""The header and footer link to the site's fixed pages on every page built on base.html."""

import pytest
from django.urls import reverse, set_script_prefix

from hub.context_processors import site_links
from hub.links import url_with
from tests.html import parse

# What every page has: an element, and the text of the link (None: no text to check).
LINKS = (
    ('a[href="/"]', "Health Hub"),
    ('a[href="/topics/"]', "Topics A–Z"),
    ('form[action="/search/"]', None),
    ('[href="/feed/"]', None),
    ('[href="/feed/atom/"]', None),
    ('a[href="/about/editorial-policy/"]', "How we write and review"),
    ('a[href="/about/funding/"]', "Funding and advertising"),
    ('a[href="/about/accessibility/"]', "Accessibility"),
)


@pytest.mark.parametrize("url", ["/", "/topics/", "/search/?q=x", "/no-such-page/"])
def test_pages_link_to_the_fixed_pages(client, esketamine, url):
    page = parse(client.get(url))
    for selector, text in LINKS:
        found = page.select(selector)
        assert found, selector
        assert text is None or text in [element.text for element in found], selector


def test_links_follow_a_site_mounted_under_a_prefix(rf):
    set_script_prefix("/health/")
    try:
        links = site_links(rf.get("/"))["links"]
    finally:
        set_script_prefix("/")
    assert links["topic_index"] == "/health/topics/"
    assert site_links(rf.get("/"))["links"]["topic_index"] == "/topics/"


@pytest.mark.parametrize(
    ("viewname", "kwarg", "value"),
    [
        ("articles:topic", "slug", "treatment-resistant-depression"),
        ("articles:detail", "slug", "what-to-expect_2"),
        ("articles:page", "slug", "funding"),
        ("articles:author_moved", "username", "ana.ruiz+md@clinic"),
        ("articles:author_moved", "username", "j.o~s_e-1"),  # all left as they are
        ("articles:author_moved", "username", "josé"),  # quoted, as reverse() quotes it
        ("articles:author_moved", "username", "a b&c'd"),
    ],
)
def test_addresses_with_a_value_are_what_reverse_gives(viewname, kwarg, value):
    assert url_with(viewname, kwarg, value) == reverse(viewname, kwargs={kwarg: value})


def test_addresses_with_a_value_follow_the_prefix(rf):
    set_script_prefix("/health/")
    try:
        assert url_with("articles:topic", "slug", "sleep") == "/health/topics/sleep/"
    finally:
        set_script_prefix("/")
    assert url_with("articles:topic", "slug", "sleep") == "/topics/sleep/"
