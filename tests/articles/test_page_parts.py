"""An article page's related articles are a part kept apart from the page (issue 24).

Every publish in a topic changes the related lists of that topic's articles. Stored whole,
each publish would retire every article page of the topic; instead the page is stored with
a mark, and the list of each topic set is stored once and put in when a page is served.
Readers still see every change at once: a new article in the list, a withdrawn one gone.
"""

import itertools
import random

import pytest
from django.db import OperationalError

from articles import reads, upkeep, views, workflow
from articles.cache import article_key, related_key
from tests.articles.public_helpers import card_titles
from tests.articles.workflow_helpers import approve
from tests.factories import ArticleFactory, ClinicianFactory, PublishedArticleFactory, TopicFactory
from tests.html import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def asthma():
    return TopicFactory(name="Asthma", slug="asthma")


@pytest.fixture
def author():
    return ClinicianFactory(username="writer")


@pytest.fixture
def inhaler(asthma, author):
    return PublishedArticleFactory(
        title="Using an inhaler", slug="inhaler", author=author, topics=[asthma]
    )


@pytest.fixture
def spacers(asthma, author):
    return PublishedArticleFactory(
        title="Spacers for children", slug="spacers", author=author, topics=[asthma]
    )


def related_titles(response) -> list[str]:
    """The titles in the page's "Related articles", in order ([] when it has none)."""
    sections = parse(response).select("section.related-articles")
    return card_titles([sections[0].inner_html]) if sections else []


def warm(client, url: str) -> None:
    client.get(url)
    assert "Age" in client.get(url), url


def publish(title: str, *, topics, author, editor):
    article = ArticleFactory(title=title, author=author, topics=topics)
    workflow.submit_for_review(article=article, by=author)
    approve(article=article, by=editor)
    return article


def test_a_publish_in_its_topic_keeps_an_article_page_cached_with_the_new_article_listed(
    client, asthma, author, editor, inhaler, spacers, on_commit, django_assert_max_num_queries
):
    url = inhaler.get_absolute_url()
    warm(client, url)
    assert related_titles(client.get(url)) == ["Spacers for children"]

    with on_commit():
        publish("Peak flow diaries", topics=[asthma], author=author, editor=editor)

    # The page is not rendered again: only its related list, in one query (and the time of
    # the next scheduled publication, which a publish makes the cache read again).
    with django_assert_max_num_queries(2):
        response = client.get(url)
    assert "Age" in response
    assert related_titles(response) == ["Peak flow diaries", "Spacers for children"]
    assert int(response["Content-Length"]) == len(response.content)


def test_a_withdrawn_article_leaves_the_other_pages_related_lists_at_once(
    client, editor, inhaler, spacers, on_commit
):
    url = inhaler.get_absolute_url()
    warm(client, url)

    with on_commit():
        workflow.archive(article=spacers, by=editor, comment="Retracted.")

    response = client.get(url)
    assert "Age" in response  # the page itself was not retired
    assert related_titles(response) == []
    assert "Spacers for children" not in response.content.decode()


def test_the_page_revalidates_while_its_list_stands_and_changes_etag_when_it_moves(
    client, asthma, author, editor, inhaler, spacers, on_commit
):
    url = inhaler.get_absolute_url()
    first = client.get(url)
    again = client.get(url)
    assert again["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    with on_commit():
        publish("Peak flow diaries", topics=[asthma], author=author, editor=editor)

    moved = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert moved.status_code == 200
    assert moved["ETag"] != first["ETag"]
    assert "Peak flow diaries" in moved.content.decode()


def test_the_page_names_what_its_list_shows_for_caches_in_front(client, asthma, inhaler, spacers):
    url = inhaler.get_absolute_url()
    for response in (client.get(url), client.get(url)):  # rendered, then from the cache
        keys = response["xkey"].split()
        assert article_key(spacers.pk) in keys and related_key([asthma.pk]) in keys


def test_a_cached_page_names_what_its_list_shows_now_not_when_it_was_stored(
    client, asthma, author, editor, inhaler, spacers, on_commit
):
    url = inhaler.get_absolute_url()
    warm(client, url)
    with on_commit():
        new = publish("Peak flow diaries", topics=[asthma], author=author, editor=editor)

    response = client.get(url)
    assert "Age" in response
    # Withdrawing it must reach a cache in front that keeps this page.
    assert article_key(new.pk) in response["xkey"].split()
    assert response["Surrogate-Key"] == response["xkey"]


def test_a_cached_page_whose_list_cannot_be_read_is_served_without_it_and_kept_by_nobody(
    client, asthma, author, editor, inhaler, spacers, on_commit, monkeypatch
):
    url = inhaler.get_absolute_url()
    warm(client, url)
    with on_commit():
        publish("Peak flow diaries", topics=[asthma], author=author, editor=editor)

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(reads, "related", database_gone)
    response = client.get(url)

    assert response.status_code == 200
    assert "Using an inhaler" in response.content.decode()
    assert related_titles(response) == []
    assert "private" in response["Cache-Control"] and "xkey" not in response
    monkeypatch.undo()
    assert related_titles(client.get(url)) == ["Peak flow diaries", "Spacers for children"]


def test_a_cached_page_with_a_current_list_costs_no_query(
    client, inhaler, spacers, django_assert_num_queries
):
    url, other = inhaler.get_absolute_url(), spacers.get_absolute_url()
    warm(client, url)
    client.get(other)  # the same topic: the list is shared, stored once

    with django_assert_num_queries(0):
        assert related_titles(client.get(url)) == ["Spacers for children"]
        assert related_titles(client.get(other)) == ["Using an inhaler"]


# --- a publish re-renders only the lists it enters --------------------------------------------


def test_a_publish_in_one_topic_leaves_lists_whose_articles_share_two_topics(
    client, asthma, author, editor, on_commit, django_assert_max_num_queries
):
    eczema = TopicFactory(name="Eczema", slug="eczema")
    main, *both = [
        PublishedArticleFactory(title=f"Both {n}", author=author, topics=[asthma, eczema])
        for n in range(7)
    ]
    url = main.get_absolute_url()
    warm(client, url)
    listed = related_titles(client.get(url))

    with on_commit():
        publish("Asthma only", topics=[asthma], author=author, editor=editor)

    with django_assert_max_num_queries(1):  # the next scheduled publication, read again
        response = client.get(url)
    assert related_titles(response) == listed  # every listed article shares both topics

    with on_commit():
        publish("Asthma and eczema", topics=[asthma, eczema], author=author, editor=editor)

    assert related_titles(client.get(url))[0] == "Asthma and eczema"


def test_whatever_a_publish_changes_in_any_list_it_retires(author, editor, on_commit):
    """Every list whose text a publish changes names a key the publish retires, over
    random libraries (the retirements may be more than needed, never fewer)."""
    rng = random.Random(24)
    topics = [TopicFactory(name=f"T{n}") for n in range(4)]
    for n in range(16):
        PublishedArticleFactory(title=f"A{n}", topics=rng.sample(topics, rng.randint(1, 3)))
    scopes = [
        ",".join(str(t.pk) for t in sorted(combo, key=lambda t: t.pk))
        for size in (1, 2, 3, 4)
        for combo in itertools.combinations(topics, size)
    ]
    changed = unchanged = 0
    for n in range(6):
        before = {scope: views.related_articles(scope) for scope in scopes}
        new = publish(
            f"New {n}", topics=rng.sample(topics, rng.randint(1, 3)), author=author, editor=editor
        )
        retired = upkeep.article_keys(new)
        for scope in scopes:
            variants, keys = before[scope]
            if views.related_articles(scope)[0] != variants:
                assert set(keys) & retired, (scope, sorted(retired))
                changed += 1
            elif not set(keys) & retired:
                unchanged += 1
    assert changed and unchanged  # the test saw both: lists entered, and lists left warm
