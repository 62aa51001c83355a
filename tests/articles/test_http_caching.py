"""HTTP caching: validators, 304s and Cache-Control for browsers and CDNs.

Public pages for anonymous readers: `public, max-age=0, s-maxage=30, must-revalidate`, so a
browser checks back on every view (a 304 costs next to nothing) and a CDN keeps a page at
most 30 seconds; with a session, or for the admin and previews: `private, no-store`.
"""

import pytest
from django.core.cache import cache

from tests.factories import ClinicianFactory, EditorFactory, PublishedArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE = True
    cache.clear()


@pytest.fixture
def article():
    return PublishedArticleFactory(
        slug="clinics", author=ClinicianFactory(username="writer"), topics=[TopicFactory()]
    )


def directives(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize("cached", [False, True], ids=["rendered", "from-cache"])
def test_public_page_may_be_kept_by_a_cdn_briefly_and_revalidated_by_browsers(
    client, article, cached
):
    if cached:
        client.get(article.get_absolute_url())
    response = client.get(article.get_absolute_url())
    assert ("Age" in response) is cached
    assert directives(response) == {"public", "max-age=0", "s-maxage=30", "must-revalidate"}
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")


def test_cdn_lifetime_follows_the_setting(client, article, settings):
    settings.PAGE_CDN_SECONDS = 5
    assert "s-maxage=5" in directives(client.get(article.get_absolute_url()))


@pytest.mark.parametrize("cached", [False, True], ids=["rendered", "from-cache"])
def test_conditional_get_answers_304_when_etag_matches(client, article, cached):
    first = client.get(article.get_absolute_url())
    if not cached:
        cache.clear()
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert "s-maxage=30" in response["Cache-Control"]


def test_conditional_get_answers_304_from_the_cache_without_a_query(
    client, article, django_assert_num_queries
):
    first = client.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        response = client.get(
            article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )
    assert response.status_code == 304


def test_conditional_get_answers_200_when_the_page_changed(client, article):
    first = client.get(article.get_absolute_url())
    response = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200


def test_conditional_get_works_with_the_page_cache_off(client, article, settings):
    settings.PAGE_CACHE = False
    first = client.get(article.get_absolute_url())
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304


@pytest.mark.parametrize("url", ["/feed/", "/sitemap.xml", "/robots.txt", "/topics/"])
def test_other_public_pages_are_public_too(client, article, url):
    assert "public" in directives(client.get(url))


def test_signed_in_staff_get_private_no_store_on_public_pages(client, article):
    client.force_login(EditorFactory())
    response = client.get(article.get_absolute_url())
    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)
    assert "s-maxage=30" not in directives(response)


def test_admin_and_previews_are_private_no_store(client, article):
    client.force_login(EditorFactory())
    for url in ("/admin/", f"/admin/articles/article/{article.pk}/preview/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= directives(response), url


def test_page_with_a_form_is_private_no_store(client, article):
    response = client.get("/report-a-problem/", {"article": article.slug})
    assert {"private", "no-store"} <= directives(response)


def test_not_found_is_not_marked_public(client):
    response = client.get("/articles/no-such-thing/")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")
