"""/topics/<slug>/: the topic page, with its published articles newest first, 20 a page."""

import datetime

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains

from articles import reads
from articles.models import Topic
from tests.articles.public_helpers import (
    LARGE,
    SMALL,
    assert_same_queries_at_two_sizes,
    card_titles,
    published_articles,
)
from tests.factories import (
    HIDDEN_STATES,
    PublishedArticleFactory,
    ScheduledArticleFactory,
    TopicFactory,
    hidden_article,
)
from tests.html import parse

pytestmark = pytest.mark.django_db

# What the topic page shows of its topic (reads.topic_page loads at least these).
TOPIC_PAGE_SHOWS = (
    "id", "name", "slug", "headline", "definition", "aliases", "intro_html", "safety_notice",
    "updated_at",
)  # fmt: skip


@pytest.fixture
def topic():
    return TopicFactory(
        name="Ketamine for depression",
        headline="Ketamine for Depression: How It Works and What You Need to Know",
        definition="A medicine that can ease severe depression.",
        aliases="ketamine therapy\nketamine infusion",
        intro="Ketamine has been used for decades as an *anaesthetic*.",
        safety_notice="If you are thinking about suicide, call 116 123 now.",
    )


def titles_on(response) -> list[str]:
    return card_titles(response)


def test_page_shows_headline_when_topic_has_one(client, topic):
    response = client.get(topic.get_absolute_url())

    assertContains(
        response,
        "<h1>Ketamine for Depression: How It Works and What You Need to Know</h1>",
        html=True,
    )


def test_page_shows_name_as_heading_when_topic_has_no_headline(client):
    topic = TopicFactory(name="Esketamine", headline="")

    response = client.get(topic.get_absolute_url())

    assertContains(response, "<h1>Esketamine</h1>", html=True)


def test_page_shows_also_known_as_when_topic_has_aliases(client, topic):
    response = client.get(topic.get_absolute_url())

    aliases = parse(response).one(".aliases")
    assert aliases.text == "Also known as: ketamine therapy, ketamine infusion"
    assert aliases.one("strong").text == "Also known as:"


def test_page_shows_safety_notice_when_topic_has_one(client, topic):
    response = client.get(topic.get_absolute_url())

    assert "call 116 123 now" in parse(response).one("aside.safety-notice").text


def test_page_has_no_safety_notice_when_topic_has_none(client):
    topic = TopicFactory(safety_notice="")

    response = client.get(topic.get_absolute_url())

    assert "safety-notice" not in response.content.decode()


def test_page_shows_intro_when_topic_has_one(client, topic):
    response = client.get(topic.get_absolute_url())

    intro = parse(response).one("article.topic .prose")
    assert "used for decades as an anaesthetic" in intro.text
    assert [em.text for em in intro.select("em")] == ["anaesthetic"]


def test_page_links_related_topics_when_topic_has_them(client, topic, esketamine, trd):
    topic.related.set([esketamine, trd])

    response = client.get(topic.get_absolute_url())

    assert "Related topics" in response.content.decode()
    assertContains(response, f'<a href="{esketamine.get_absolute_url()}">Esketamine</a>', html=True)
    assertContains(
        response,
        f'<a href="{trd.get_absolute_url()}">Treatment-resistant depression</a>',
        html=True,
    )


def test_page_shows_exactly_its_published_articles_newest_first(client, topic):
    now = timezone.now()
    PublishedArticleFactory(
        title="Older", topics=[topic], published_at=now - datetime.timedelta(days=9)
    )
    PublishedArticleFactory(
        title="Newest", topics=[topic], published_at=now - datetime.timedelta(hours=1)
    )
    PublishedArticleFactory(
        title="Middle", topics=[topic], published_at=now - datetime.timedelta(days=2)
    )
    PublishedArticleFactory(title="On another topic", topics=[TopicFactory()])

    response = client.get(topic.get_absolute_url())

    assert titles_on(response) == ["Newest", "Middle", "Older"]


def test_page_shows_article_summary_and_link_when_article_is_listed(client, topic):
    article = PublishedArticleFactory(
        title="What a ketamine session is like", summary="You stay for two hours.", topics=[topic]
    )

    response = client.get(topic.get_absolute_url())

    assertContains(
        response,
        f'<a href="{article.get_absolute_url()}">What a ketamine session is like</a>',
        html=True,
    )
    assert "You stay for two hours." in response.content.decode()


@pytest.mark.parametrize("state", list(HIDDEN_STATES))
def test_page_hides_article_when_it_is_not_public(client, topic, state):
    PublishedArticleFactory(title="A public article", topics=[topic])
    hidden_article(state, title="A hidden article", topics=[topic])

    response = client.get(topic.get_absolute_url())

    assert titles_on(response) == ["A public article"]
    assert "A hidden article" not in response.content.decode()


def test_page_says_nothing_is_published_yet_when_topic_has_only_drafts(client, topic):
    hidden_article("draft", topics=[topic])

    response = client.get(topic.get_absolute_url())

    assert "No articles on this topic have been published yet." in response.content.decode()


def test_first_page_has_20_articles_when_topic_has_21(client, topic):
    published_articles(21, topics=[topic])

    response = client.get(topic.get_absolute_url())

    assert len(titles_on(response)) == 20
    assert "Page 1 of 2" in response.content.decode()


def test_second_page_has_the_21st_article_when_topic_has_21(client, topic):
    articles = published_articles(21, topics=[topic])  # newest first

    response = client.get(topic.get_absolute_url() + "?page=2")

    assert titles_on(response) == [articles[-1].title]
    assert "Page 2 of 2" in response.content.decode()


def test_page_links_to_next_page_when_there_is_one(client, topic):
    published_articles(21, topics=[topic])

    response = client.get(topic.get_absolute_url())

    assert parse(response).one("a[rel=next]").get("href") == "?page=2"


@pytest.mark.parametrize("page", ["abc", "99999", "0", "-1", "1.5"])
def test_page_is_not_found_when_page_number_is_bad(client, topic, page):
    published_articles(3, topics=[topic])

    response = client.get(f"{topic.get_absolute_url()}?page={page}")

    assertContains(response, "<h1>Page not found</h1>", status_code=404, html=True)


def test_page_is_not_found_when_topic_does_not_exist(client):
    response = client.get("/topics/no-such-topic/")

    assertContains(response, "<h1>Page not found</h1>", status_code=404, html=True)


def test_page_is_reachable_when_topic_name_has_no_letters(client):
    topic = TopicFactory(name="$", headline="")

    response = client.get(topic.get_absolute_url())

    assertContains(response, "<h1>$</h1>", html=True)


def test_page_shows_topic_name_as_text_when_it_contains_html(client):
    topic = TopicFactory(name="<b>x</b>", headline="")

    response = client.get(topic.get_absolute_url())

    assertContains(response, "<h1>&lt;b&gt;x&lt;/b&gt;</h1>", html=True)
    assert "<b>x</b>" not in response.content.decode()


def test_page_costs_the_same_queries_when_topic_has_200_articles(client, topic):
    topic.related.set([TopicFactory(), TopicFactory()])
    others = [TopicFactory(), TopicFactory()]
    published_articles(SMALL, topics=[topic, *others])

    assert_same_queries_at_two_sizes(
        client,
        topic.get_absolute_url(),
        grow=lambda: published_articles(LARGE - SMALL, topics=[topic, *others]),
        # 1. the topic by slug, with its stored count of live articles less scheduled ones
        # 2. the page of articles' stored cards
        # 3. the related topics  4. the care cards attached to the topic
        expected=4,
    )


def test_pages_count_only_public_articles_when_some_are_scheduled(client, topic):
    published_articles(20, topics=[topic])
    ScheduledArticleFactory(title="Coming soon", topics=[topic])

    response = client.get(topic.get_absolute_url())

    assert len(titles_on(response)) == 20
    assert "Coming soon" not in response.content.decode()
    assert "Page 1 of" not in response.content.decode()  # twenty fit on one page
    assert client.get(topic.get_absolute_url() + "?page=2").status_code == 404


def test_page_read_gives_the_values_the_orm_gives_on_any_database():
    topic = TopicFactory(name="Esketamine", aliases="Spravato", safety_notice="Call 116 123.")
    PublishedArticleFactory.create_batch(2, topics=[topic])
    PublishedArticleFactory(topics=[topic], published_at=timezone.now() + datetime.timedelta(1))

    read = reads.topic_page(topic.slug)
    stored = Topic.objects.get(pk=topic.pk)
    loaded = [f for f in Topic._meta.concrete_fields if f.attname not in read.get_deferred_fields()]
    assert {f.name for f in loaded} >= set(TOPIC_PAGE_SHOWS)
    for field in loaded:
        assert getattr(read, field.attname) == getattr(stored, field.attname), field.name
    assert isinstance(read.updated_at, datetime.datetime) and read.updated_at.tzinfo
    assert read.num_articles == 2  # the scheduled one is not public yet
    assert reads.topic_page("no-such-topic") is None
