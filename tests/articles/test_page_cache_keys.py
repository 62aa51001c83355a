"""Junk query strings cannot fill the page cache (issue 23, finding 10).

Only the parameters a public page reads make a cache key (articles/cache.py,
`@public_page(query=...)`), and only with the values the site's own links use: anything
else is served, and stores nothing new. Run against the local-memory cache and, when it is
up, the real Redis (database 13, keys under a prefix of the test's own).
"""

import random
import uuid

import pytest
import redis
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from articles import views
from tests.factories import PublishedArticleFactory, TopicFactory
from tests.services import redis_up

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

JUNK_REQUESTS = 10_000
# The same mix against Redis, shorter (the backend changes only where entries go): each
# junk request that is rendered costs a few milliseconds.
REDIS_JUNK_REQUESTS = 3_000
# Home, a topic, the A–Z (its canonical pages), the A–Z's first letter and its ?letter=
# twin, the clinicians' view of the topic; the generation and the next-scheduled stamp; the
# retirement sequence and the versions of those pages' keys (home, index, the topics: a
# few, however many requests).
HANDFUL = 16


@pytest.fixture
def site(monkeypatch):
    topics = [TopicFactory(name=name) for name in ("Anxiety", "Asthma", "Bipolar disorder")]
    for n in range(3):
        PublishedArticleFactory(title=f"Living with asthma {n}", topics=[topics[1]])
    PublishedArticleFactory(title="For clinicians", audience="clinicians", topics=[topics[1]])
    # One letter a page, as a large library has it: ?letter= and ?page= are then read.
    monkeypatch.setattr(views, "INDEX_ONE_PAGE", 1)
    return ["/", topics[1].get_absolute_url(), "/topics/"]


def junk_queries(count: int):
    """`count` query strings no link on the site makes: trackers, unknown names, page
    parameters with values a page does not use, repeated parameters."""
    rng = random.Random(23)
    shapes = [
        lambda i: f"utm_source=news{i}&utm_campaign=c{i}",
        lambda i: f"fbclid={uuid.UUID(int=rng.getrandbits(128)).hex}",
        lambda i: f"x{i}=1",
        lambda i: f"page={'0' * (i % 7 + 1)}1",
        lambda i: f"page={rng.randint(2, 10**9)}",
        lambda i: "page=abc",
        lambda i: f"page=+1&utm={i}",
        lambda i: "letter=%25%25",
        lambda i: f"letter=A{i}",
        lambda i: f"audience=junk{i}",
        lambda i: "audience=clinicians&audience=patients",
        lambda i: f"audience=clinicians&ref={i}",
        lambda i: f"page=1&page={i}",
        lambda i: f"q=flu{i}",
    ]
    for i in range(count):
        yield shapes[i % len(shapes)](i)


def _fill(urls: list[str], count: int) -> None:
    client = Client()
    for url in urls:  # the site's own links first: each stored once
        assert client.get(url).status_code == 200
    for i, query in enumerate(junk_queries(count)):
        response = client.get(f"{urls[i % len(urls)]}?{query}")
        assert response.status_code in (200, 404), (query, response.status_code)


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "junk-queries",
            # Not culled at 300, so every entry stored is counted.
            "OPTIONS": {"MAX_ENTRIES": 10 * JUNK_REQUESTS},
        }
    }
)
def test_junk_query_strings_store_a_handful_of_pages_when_cache_is_local(site):
    cache = caches["default"]
    cache.clear()
    _fill(site, JUNK_REQUESTS)
    entries = len(cache._cache)
    print(f"\nlocmem: {JUNK_REQUESTS} junk query strings -> {entries} cache entries")
    assert entries <= HANDFUL


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_junk_query_strings_store_a_handful_of_pages_when_cache_is_redis(site):
    prefix = f"junk-{uuid.uuid4().hex}"
    location = "redis://127.0.0.1:6379/13"
    settings = {
        "BACKEND": "hub.cache_backends.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
    }
    server = redis.Redis.from_url(location)
    try:
        with override_settings(CACHES={"default": settings}):
            _fill(site, REDIS_JUNK_REQUESTS)
        entries = sum(1 for _ in server.scan_iter(f"{prefix}:*", count=1000))
        print(f"\nredis: {REDIS_JUNK_REQUESTS} junk query strings -> {entries} cache entries")
        assert entries <= HANDFUL
    finally:
        keys = list(server.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            server.delete(*keys)
        server.close()


def test_tracking_parameters_are_served_the_stored_page(client, site):
    home = site[0]
    client.get(home)
    response = client.get(home, {"utm_source": "newsletter", "fbclid": "abc"})
    assert "Age" in response  # from the cache, not rendered again


def test_page_is_stored_when_its_own_parameters_are_as_the_site_links_them(client, site):
    topic = site[1]
    client.get(topic, {"audience": "clinicians"})
    assert "Age" in client.get(topic, {"audience": "clinicians", "ref": "x"})


@pytest.mark.parametrize("query", ["page=01", "audience=nonsense", "page=1&page=1"])
def test_page_asked_with_an_unusual_value_is_rendered_and_not_stored(client, site, query):
    topic = site[1]
    first = client.get(f"{topic}?{query}")
    assert first.status_code == 200
    assert "Living with asthma" in first.content.decode()
    assert "Age" not in client.get(f"{topic}?{query}")


def test_view_never_sees_a_parameter_it_does_not_declare(rf):
    seen = {}

    @views.public_page(query=("page",))
    def view(request):
        seen.update(request.GET.lists())
        return views.HttpResponse("ok")

    view(rf.get("/", {"page": "2", "sort": "new"}))
    assert seen == {"page": ["2"]}


def test_view_reading_a_parameter_no_cache_key_holds_is_refused():
    with pytest.raises(ImproperlyConfigured, match="PAGE_PARAMETERS"):
        views.public_page(query=("sort",))


# --- what an HTTP cache in front may keep (it files pages under their whole address) ------


def _shared_cacheable(response) -> bool:
    control = response["Cache-Control"]
    return "public" in control and "s-maxage=" in control and "private" not in control


@pytest.mark.parametrize("query", ["zz=xxx", "page=01", "utm_source=newsletter"])
def test_answer_to_a_query_string_not_the_pages_own_is_kept_by_no_cache_in_front(
    client, site, query
):
    topic = site[1]
    client.get(topic)  # the page itself is stored: the tracking link is served it

    for _ in range(2):  # rendered, or served from the app's cache: the same headers
        response = client.get(f"{topic}?{query}")
        assert response.status_code == 200
        assert "Living with asthma" in response.content.decode()
        assert "xkey" not in response
        assert "Surrogate-Key" not in response
        assert not _shared_cacheable(response)
        assert "private" in response["Cache-Control"]


def test_second_page_of_a_topic_is_still_kept_by_a_cache_in_front(client, site):
    asthma = TopicFactory(name="Asthma in adults")
    PublishedArticleFactory.create_batch(views.PAGE_SIZE + 1, topics=[asthma])
    url = f"{asthma.get_absolute_url()}?page=2"

    for _ in range(2):  # rendered, then from the app's cache
        response = client.get(url)
        assert response.status_code == 200
        assert _shared_cacheable(response)
        assert f"topic:{asthma.pk}" in response["xkey"].split()
    assert "Age" in response
