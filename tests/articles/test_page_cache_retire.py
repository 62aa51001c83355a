"""A change retires only the cached pages showing what changed (issue 24, articles/cache.py).

Pages carry the keys of their content; a publish, an archive, a topic rename or a profile
edit retires those keys and no others, so the rest of the site stays warm. A page retired
while many readers ask for it is rendered once.
"""

import http.server
import logging
import threading
import time
import uuid

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings

from articles import cache as page_cache
from articles import reads, upkeep, workflow
from articles.cache import article_key, page_key_for, topic_key
from articles.models import Topic
from hub import cache_purge
from tests.articles.workflow_helpers import approve
from tests.factories import (
    ArticleFactory,
    ClinicianFactory,
    PublishedArticleFactory,
    TopicFactory,
)
from tests.services import redis_up
from tests.threads import at_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


def body(response) -> str:
    return response.content.decode()


def from_cache(client, url: str) -> bool:
    return "Age" in client.get(url)


@pytest.fixture
def topics():
    return (
        TopicFactory(name="Asthma", slug="asthma", definition="A condition of the airways."),
        TopicFactory(name="Eczema", slug="eczema", definition="A condition of the skin."),
    )


@pytest.fixture
def site(topics):
    asthma, eczema = topics
    author = ClinicianFactory(username="writer", first_name="Ana", last_name="Ruiz")
    return {
        "inhaler": PublishedArticleFactory(
            title="Using an inhaler", slug="inhaler", author=author, topics=[asthma]
        ),
        "creams": PublishedArticleFactory(
            title="Moisturising creams", slug="creams", author=author, topics=[eczema]
        ),
        "author": author,
    }


def warm(client, *urls: str) -> None:
    for url in urls:
        client.get(url)
        assert from_cache(client, url), url


# --- what pages say they show ----------------------------------------------------------------


def test_a_page_names_the_content_in_it_in_its_key_headers(client, site, topics):
    asthma, _ = topics
    response = client.get(site["inhaler"].get_absolute_url())

    keys = set(response["xkey"].split())
    assert {
        article_key(site["inhaler"].pk),
        f"topic-name:{asthma.pk}",  # its topic's name and notice
        f"related:{asthma.pk}",  # its related list, which a publish in asthma may enter
        f"byline:{site['author'].pk}",
        "all",
    } <= keys
    assert topic_key(asthma.pk) not in keys  # a publish in asthma leaves the page itself
    assert response["Surrogate-Key"] == response["xkey"]
    assert set(client.get("/")["xkey"].split()) == {"home", "all"}


def test_odd_characters_in_a_key_are_encoded_and_never_break_the_header():
    odd = "a b,c\r\nxkey: all\tü/\"'<>"
    key = page_key_for("topic", odd)

    assert key.startswith("topic:")
    assert not any(ch.isspace() or ch in ',"\r\n' for ch in key)
    assert key.isascii()
    assert page_key_for("topic", odd) == key  # the same text, the same key
    assert page_key_for("topic", "x" * 5000) != page_key_for("topic", "x" * 4999)
    assert len(page_key_for("topic", "x" * 5000)) < 120


# --- a change retires what it touches, and nothing else -------------------------------------


def test_publish_in_one_topic_leaves_another_topics_page_cached_without_sql(
    client, site, topics, editor, on_commit, django_assert_num_queries
):
    asthma, eczema = topics
    warm(client, asthma.get_absolute_url(), eczema.get_absolute_url())
    author = site["author"]
    new = ArticleFactory(title="Peak flow diaries", author=author, topics=[asthma])
    workflow.submit_for_review(article=new, by=author)

    with on_commit():
        approve(article=new, by=editor)

    with django_assert_num_queries(0):
        response = client.get(eczema.get_absolute_url())
    assert "Age" in response and "Moisturising creams" in body(response)
    fresh = client.get(asthma.get_absolute_url())
    assert "Age" not in fresh
    assert "Peak flow diaries" in body(fresh)
    assert "Peak flow diaries" in body(client.get("/"))


def test_archived_article_is_gone_at_once_and_unrelated_pages_stay(
    client, site, topics, editor, on_commit
):
    asthma, eczema = topics
    inhaler = site["inhaler"].get_absolute_url()
    warm(client, inhaler, site["creams"].get_absolute_url(), eczema.get_absolute_url())

    with on_commit():
        workflow.archive(article=site["inhaler"], by=editor, comment="Retracted.")

    assert client.get(inhaler).status_code == 404
    assert "Using an inhaler" not in body(client.get(asthma.get_absolute_url()))
    assert from_cache(client, eczema.get_absolute_url())
    # Same author: the author page goes, but their other article's page stays cached.
    assert "Using an inhaler" not in body(client.get(site["author"].get_absolute_url()))
    assert from_cache(client, site["creams"].get_absolute_url())


def test_topic_rename_rerenders_the_pages_mentioning_it_and_no_others(client, topics, on_commit):
    asthma, eczema = topics
    mentions = PublishedArticleFactory(
        title="Hay fever", slug="hay-fever", topics=[eczema], body="Hay fever can set off asthma."
    )
    other = PublishedArticleFactory(
        title="Bath oils", slug="bath-oils", topics=[eczema], body="Nothing about lungs."
    )
    warm(client, mentions.get_absolute_url(), other.get_absolute_url())

    asthma = Topic.objects.get(pk=asthma.pk)  # as the admin loads it
    with on_commit():
        asthma.name = "Asthma (adult)"
        asthma.save()
        upkeep.topic_saved(topic=asthma)

    assert not from_cache(client, mentions.get_absolute_url())
    assert from_cache(client, other.get_absolute_url())


def test_author_profile_change_retires_their_pages_only(client, site, topics, on_commit):
    other_author = ClinicianFactory(username="other")
    theirs = PublishedArticleFactory(title="Other", slug="other", author=other_author)
    warm(client, site["inhaler"].get_absolute_url(), theirs.get_absolute_url())

    with on_commit():
        author = site["author"]
        author.professional_title = "Consultant chest physician"
        author.save()

    assert not from_cache(client, site["inhaler"].get_absolute_url())
    assert from_cache(client, theirs.get_absolute_url())


def test_a_page_rendered_while_its_content_changed_is_not_served_afterwards(
    client, site, monkeypatch
):
    url = site["inhaler"].get_absolute_url()
    real = reads.article_page

    def article_page_then_a_change(slug):
        found = real(slug)
        # The change commits while the page is still being rendered from the old rows.
        page_cache._retire(frozenset({article_key(site["inhaler"].pk)}))
        return found

    monkeypatch.setattr(reads, "article_page", article_page_then_a_change)
    client.get(url)
    monkeypatch.undo()

    assert not from_cache(client, url)  # stored as made before the change: stale at once
    assert from_cache(client, url)


def test_a_missing_version_makes_a_page_stale_never_fresh(client, site):
    url = site["inhaler"].get_absolute_url()
    warm(client, url)
    page_cache._retire(frozenset({article_key(site["inhaler"].pk)}))
    # The version is evicted: the old page must not look current again.
    cache.delete(page_cache._version_key(article_key(site["inhaler"].pk)))

    assert not from_cache(Client(), url)


# --- no stampede ------------------------------------------------------------------------------

READERS = 16


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_retired_popular_page_is_rendered_once_for_sixteen_readers_at_once(
    site, monkeypatch, settings
):
    url = site["inhaler"].get_absolute_url()
    Client().get(url)
    renders = []
    real = reads.article_page

    def slow_article_page(slug):
        renders.append(slug)
        time.sleep(0.3)  # long enough that every reader arrives while it renders
        return real(slug)

    monkeypatch.setattr(reads, "article_page", slow_article_page)
    page_cache._retire(frozenset({article_key(site["inhaler"].pk)}))

    answers = at_once([lambda: Client().get(url) for _ in range(READERS)])

    assert [a.status_code for a in answers] == [200] * READERS, answers
    assert all("Using an inhaler" in body(a) for a in answers)
    print(f"\n{READERS} readers of a retired page: {len(renders)} render(s)")
    assert len(renders) == 1


# --- the HTTP caches in front -----------------------------------------------------------------


class _PurgeTaker(http.server.BaseHTTPRequestHandler):
    taken: list[str] = []
    tokens: list[str | None] = []

    def do_PURGE(self):  # noqa: N802 (http.server's naming)
        type(self).taken.append(self.headers["xkey-purge"])
        type(self).tokens.append(self.headers["X-Purge-Token"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with http.server.HTTPServer(("127.0.0.1", 0), _PurgeTaker) as probe:
        return probe.server_address[1]


def test_a_cache_host_that_is_down_costs_the_publish_nothing_and_is_purged_later(
    client, site, editor, on_commit, settings, monkeypatch, caplog
):
    port = _free_port()  # nothing listens there yet: the cache host is down
    settings.CACHE_PURGE_HOSTS = [f"http://127.0.0.1:{port}"]
    monkeypatch.setattr(cache_purge, "PURGE_RETRY_DELAYS", (0, 0))
    monkeypatch.setattr(cache_purge, "PURGE_RETRY_SECONDS", 0.1)
    _PurgeTaker.taken = []
    inhaler = site["inhaler"]

    with caplog.at_level(logging.ERROR, logger="hub.cache_purge"), on_commit():
        workflow.archive(article=inhaler, by=editor, comment="Retracted.")

    inhaler.refresh_from_db()
    assert not inhaler.live  # the change stands
    assert client.get(inhaler.get_absolute_url()).status_code == 404
    assert "could not purge" in caplog.text
    owed = cache_purge.owed()[f"http://127.0.0.1:{port}"]
    assert article_key(inhaler.pk) in owed

    server = http.server.HTTPServer(("127.0.0.1", port), _PurgeTaker)  # the host is back
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 5
        while cache_purge.owed() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()
        cache_purge.forget_owed()
    assert not cache_purge.owed()
    assert any(article_key(inhaler.pk) in taken.split() for taken in _PurgeTaker.taken)


def test_a_purge_is_sent_again_a_little_later_for_a_fetch_that_was_in_flight(settings, monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), _PurgeTaker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CACHE_PURGE_HOSTS = [f"http://127.0.0.1:{server.server_address[1]}"]
    settings.CACHE_PURGE_TOKEN = "the-shared-purge-secret"
    monkeypatch.setattr(cache_purge, "PURGE_AGAIN_SECONDS", 0.3)
    monkeypatch.setattr(cache_purge, "PURGE_RETRY_SECONDS", 0.05)
    _PurgeTaker.taken, _PurgeTaker.tokens = [], []
    try:
        started = time.monotonic()
        cache_purge.purge(["article:7", "topic:3"])
        assert _PurgeTaker.taken == ["article:7 topic:3"]  # at once

        deadline = time.monotonic() + 5
        while len(_PurgeTaker.taken) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        again_after = time.monotonic() - started
        while cache_purge.owed() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.shutdown()
        server.server_close()
    assert _PurgeTaker.taken == ["article:7 topic:3"] * 2  # the same keys, once more
    assert again_after >= 0.3
    assert _PurgeTaker.tokens == ["the-shared-purge-secret"] * 2
    assert not cache_purge.owed()  # and not a third time


# --- the same on Redis (the atomic scripts of hub/cache_backends.py) -----------------------


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_on_redis_an_archive_retires_its_pages_and_no_others(site, topics, editor, on_commit):
    asthma, eczema = topics
    prefix = f"retire-{uuid.uuid4().hex}"
    location = "redis://127.0.0.1:6379/8"
    shared = {"BACKEND": "hub.cache_backends.RedisCache", "LOCATION": location}
    try:
        with override_settings(CACHES={"default": {**shared, "KEY_PREFIX": prefix}}):
            client = Client()
            warm(client, site["inhaler"].get_absolute_url(), eczema.get_absolute_url())
            _, before = page_cache.clock()

            with on_commit():
                workflow.archive(article=site["inhaler"], by=editor, comment="Retracted.")

            assert page_cache.clock()[1] == before + 1
            assert client.get(site["inhaler"].get_absolute_url()).status_code == 404
            assert "Using an inhaler" not in body(client.get(asthma.get_absolute_url()))
            assert from_cache(Client(), eczema.get_absolute_url())  # another process's view
    finally:
        server = redis.Redis.from_url(location)
        keys = list(server.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            server.delete(*keys)
        server.close()


def test_an_editors_preview_shows_a_topics_new_definition_once_it_is_approved(
    django_capture_on_commit_callbacks,
):
    topic = TopicFactory(name="Esketamine", definition="A nasal spray form of ketamine.")
    article = ArticleFactory(body="Ask about esketamine.")
    assert "A nasal spray form of ketamine." in page_cache.preview_html(article, "1")

    with django_capture_on_commit_callbacks(execute=True):
        topic.definition = "A spray used in clinic."  # as an approval saves it
        topic.save()
        upkeep.topic_saved(topic=topic)

    assert "A spray used in clinic." in page_cache.preview_html(article, "1")
