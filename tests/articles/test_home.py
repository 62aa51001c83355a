"""/: featured topics, the latest published articles and a search box."""

import datetime

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains

from tests.articles.public_helpers import (
    LARGE,
    SMALL,
    assert_same_queries_at_two_sizes,
    card_titles,
    published_articles,
)
from tests.factories import (
    HIDDEN_STATES,
    EsketamineFactory,
    PublishedArticleFactory,
    TopicFactory,
    hidden_article,
)
from tests.html import parse

pytestmark = pytest.mark.django_db


def test_home_lists_latest_articles_newest_first_when_some_are_published(client):
    now = timezone.now()
    PublishedArticleFactory(title="Older", published_at=now - datetime.timedelta(days=3))
    PublishedArticleFactory(title="Newer", published_at=now - datetime.timedelta(hours=3))

    response = client.get("/")

    assert card_titles(response) == ["Newer", "Older"]


def test_home_lists_eight_articles_when_many_are_published(client):
    published_articles(12)

    response = client.get("/")

    assert len(card_titles(response)) == 8


@pytest.mark.parametrize("state", list(HIDDEN_STATES))
def test_home_hides_article_when_it_is_not_public(client, state):
    hidden_article(state, title="A hidden article")

    response = client.get("/")

    assert "A hidden article" not in response.content.decode()
    assert "No articles have been published yet." in response.content.decode()


def test_home_shows_featured_topic_with_published_count_when_topic_is_featured(client):
    topic = EsketamineFactory(is_featured=True)
    PublishedArticleFactory(topics=[topic])
    hidden_article("draft", topics=[topic])

    response = client.get("/")

    assertContains(response, f'<a href="{topic.get_absolute_url()}">Esketamine</a>', html=True)
    assert [p.text for p in parse(response).select(".topic-grid li p.muted")] == ["1 article"]


def test_home_leaves_out_topic_when_it_is_not_featured(client):
    TopicFactory(name="Rare condition", is_featured=False)

    response = client.get("/")

    assert "Rare condition" not in response.content.decode()


def test_home_has_a_search_box_when_visited(client):
    response = client.get("/")

    assert parse(response).select('form[action="/search/"] input[name=q]')


def test_home_costs_the_same_queries_when_site_has_200_articles(client):
    featured = [TopicFactory(is_featured=True) for _ in range(3)]
    published_articles(SMALL, topics=featured)

    assert_same_queries_at_two_sizes(
        client,
        "/",
        grow=lambda: published_articles(LARGE - SMALL, topics=featured),
        # 1. featured topics, with their article counts
        # 2. the latest articles' stored cards
        expected=2,
    )


def test_home_leaves_out_featured_topic_when_it_has_no_published_articles(client):
    empty = TopicFactory(name="Depression", is_featured=True)
    hidden_article("draft", topics=[empty])
    shown = EsketamineFactory(is_featured=True)
    PublishedArticleFactory(topics=[shown])

    response = client.get("/")

    names = [a.text for a in parse(response).select(".topic-grid li > a")]
    assert names == ["Esketamine"]
    assert "0 articles" not in response.content.decode()
