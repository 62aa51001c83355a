"""An article page's related articles are a part kept apart from the page (issue 24).

Every publish in a topic changes the related lists of that topic's articles. Stored whole,
each publish would retire every article page of the topic; instead the page is stored with
a mark, and the list of each topic set is stored once and put in when a page is served.
Readers still see every change at once: a new article in the list, a withdrawn one gone.
"""

import pytest
from django.db import OperationalError

from articles import reads, workflow
from articles.cache import topic_key
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


def test_the_page_names_its_lists_topics_for_caches_in_front(client, asthma, inhaler, spacers):
    url = inhaler.get_absolute_url()
    for response in (client.get(url), client.get(url)):  # rendered, then from the cache
        assert topic_key(asthma.pk) in response["xkey"].split()


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
