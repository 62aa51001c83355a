"""/topics/: every topic A to Z, with how many published articles each has."""

import pytest

from tests.articles.public_helpers import (
    LARGE,
    SMALL,
    assert_same_queries_at_two_sizes,
    published_articles,
)
from tests.factories import HIDDEN_STATES, PublishedArticleFactory, TopicFactory, hidden_article

pytestmark = pytest.mark.django_db


def letters_on(response) -> dict[str, list[str]]:
    return {
        letter: [topic.name for topic in topics]
        for letter, topics in response.context["letters"].items()
    }


def test_index_groups_topics_by_first_letter_when_topics_exist(client):
    for name in ["Esketamine", "Depression", "electroconvulsive therapy", "Anxiety"]:
        TopicFactory(name=name)

    response = client.get("/topics/")

    assert letters_on(response) == {
        "A": ["Anxiety"],
        "D": ["Depression"],
        "E": ["electroconvulsive therapy", "Esketamine"],
    }


def test_index_files_topic_under_plain_letter_when_name_starts_with_an_accent(client):
    TopicFactory(name="Éclampsia")
    TopicFactory(name="Esketamine")
    TopicFactory(name="Depression")

    response = client.get("/topics/")

    assert letters_on(response) == {"D": ["Depression"], "E": ["Éclampsia", "Esketamine"]}


def test_index_puts_topic_under_hash_when_name_starts_with_a_digit_or_symbol(client):
    TopicFactory(name="5-HT3 antagonists")
    TopicFactory(name="$")

    response = client.get("/topics/")

    assert sorted(letters_on(response)["#"]) == ["$", "5-HT3 antagonists"]


def test_index_links_each_topic_when_topics_exist(client):
    topic = TopicFactory(name="Esketamine")

    response = client.get("/topics/")

    assert f'<a href="{topic.get_absolute_url()}">Esketamine</a>' in response.content.decode()


def test_index_counts_only_published_articles_when_topic_has_hidden_ones(client):
    topic = TopicFactory(name="Esketamine")
    PublishedArticleFactory.create_batch(2, topics=[topic])
    for state in HIDDEN_STATES:
        hidden_article(state, topics=[topic])

    response = client.get("/topics/")

    assert "(2 articles)" in response.content.decode()


def test_index_shows_aliases_when_topic_has_them(client):
    TopicFactory(name="Esketamine", aliases="Spravato")

    response = client.get("/topics/")

    assert "also called Spravato" in response.content.decode()


def test_index_says_there_are_no_topics_when_there_are_none(client):
    response = client.get("/topics/")

    assert "There are no topics yet." in response.content.decode()


def test_index_costs_the_same_queries_when_site_has_200_topics_and_articles(client):
    TopicFactory.create_batch(SMALL)
    published_articles(SMALL, topics=[TopicFactory()])

    def grow():
        topics = TopicFactory.create_batch(LARGE - SMALL)
        published_articles(LARGE - SMALL, topics=topics[:5])

    assert_same_queries_at_two_sizes(
        client,
        "/topics/",
        grow=grow,
        # 1. all topics, with their stored counts of live articles
        # 2. the scheduled articles per topic, not public yet: taken off those counts
        expected=2,
    )
