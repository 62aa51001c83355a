"""HTTP: ETag/Last-Modified/304, Cache-Control as the pages, CORS on /api/ GETs only,
Deprecation/Sunset from settings."""

import datetime

import pytest
from django.utils.http import http_date

from tests.api.helpers import API, get, issue_key
from tests.factories import PublishedArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(esketamine):
    return PublishedArticleFactory(topics=[esketamine])


def _paths(article):
    author = article.author.public_slug
    return [
        "/topics",
        f"/topics/{article.topics.get().slug}",
        "/articles",
        f"/articles/{article.slug}",
        f"/authors/{author}",
        "/lookup?system=icd10&code=F32.A",
    ]


def test_every_resource_answers_304_to_its_etag(client, article):
    for path in _paths(article):
        first = get(client, path)
        assert first.status_code == 200, path
        assert first["ETag"].startswith('W/"')
        assert "Last-Modified" in first or path.startswith("/lookup"), path
        again = get(client, path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, path
        assert again.content == b""
        assert get(client, path, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


def test_the_etag_changes_with_the_content(client, article):
    first = get(client, f"/articles/{article.slug}")
    article.title = "A better title"
    article.save()
    assert (
        get(client, f"/articles/{article.slug}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 200
    )


def test_an_article_answers_if_modified_since(client, article):
    first = get(client, f"/articles/{article.slug}")
    since = first["Last-Modified"]
    assert get(client, f"/articles/{article.slug}", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    earlier = http_date((article.updated_at - datetime.timedelta(hours=1)).timestamp())
    assert (
        get(client, f"/articles/{article.slug}", HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    )


def test_a_list_ignores_if_modified_since(client, article):
    # A list's newest change cannot show that an article left it: only its ETag is exact.
    first = get(client, "/articles")
    assert (
        get(client, "/articles", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200
    )


def test_cache_control_as_the_pages(client, article, settings):
    settings.PAGE_CDN_SECONDS = 30
    anonymous = get(client, "/topics")
    assert set(anonymous["Cache-Control"].split(", ")) == {
        "public", "max-age=0", "s-maxage=30", "must-revalidate",
    }  # fmt: skip
    _key, secret = issue_key()
    keyed = get(client, "/topics", key=secret)
    assert set(keyed["Cache-Control"].split(", ")) == {"private", "max-age=0", "must-revalidate"}
    assert "Authorization" in keyed["Vary"]
    assert get(client, "/articles/nope")["Cache-Control"] == "no-store"


def test_cors_for_gets_on_the_api_only(client, article):
    response = get(client, "/topics", HTTP_ORIGIN="https://portal.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"{API}/topics",
        HTTP_ORIGIN="https://portal.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    page = client.get("/topics/", HTTP_ORIGIN="https://portal.example")
    assert "Access-Control-Allow-Origin" not in page


def test_deprecation_and_sunset_from_settings(client, article, settings):
    assert "Deprecation" not in get(client, "/topics")
    settings.API_DEPRECATIONS = [
        {
            "path": r"^/api/v1/topics$",
            "deprecation": datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
            "sunset": datetime.datetime(2027, 7, 1, tzinfo=datetime.UTC),
            "link": "https://example.org/api-changes",
        }
    ]
    response = get(client, "/topics")
    assert response["Deprecation"] == "@1798761600"
    assert response["Sunset"] == "Thu, 01 Jul 2027 00:00:00 GMT"
    assert (
        response["Link"] == '<https://example.org/api-changes>; rel="deprecation"; type="text/html"'
    )
    assert "Deprecation" not in get(client, "/articles")
