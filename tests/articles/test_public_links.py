"""ArticleTopic.public_from, the copy of an article's publish time on its topic links.

Topic pages, topic feeds and related articles are read along it, so it must follow the
article through every change readers could see; and a stale copy must never show an
article the article row itself hides.
"""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from articles import reads, workflow
from articles.models import Article, ArticleTopic
from tests.articles.public_helpers import card_titles
from tests.articles.workflow_helpers import approve
from tests.factories import (
    ArticleFactory,
    ClinicianFactory,
    EditorFactory,
    PublishedArticleFactory,
    TopicFactory,
)


@pytest.fixture
def topic(esketamine):
    return esketamine


def copies(article) -> set:
    return set(ArticleTopic.objects.filter(content_object=article).values_list("public_from"))


def topic_titles(client, topic) -> list[str]:
    return card_titles(client.get(topic.get_absolute_url()))


def test_publishing_copies_the_publish_time_and_archiving_clears_it(client, topic):
    author, editor = ClinicianFactory(), EditorFactory()
    article = ArticleFactory(author=author, topics=[topic, TopicFactory(name="Sleep")])
    assert copies(article) == {(None,)}

    workflow.submit_for_review(article=article, by=author)
    approve(article=article, by=editor)
    article.refresh_from_db()
    assert copies(article) == {(article.published_at,)}
    assert topic_titles(client, topic) == [article.title]

    workflow.archive(article=article, by=editor, comment="Superseded.")
    assert copies(article) == {(None,)}
    assert topic_titles(client, topic) == []


def test_a_scheduled_article_joins_its_topic_page_at_its_time(client, topic, monkeypatch):
    author, editor = ClinicianFactory(), EditorFactory()
    article = ArticleFactory(author=author, topics=[topic])
    workflow.submit_for_review(article=article, by=author)
    at = timezone.now() + datetime.timedelta(hours=2)
    approve(article=article, by=editor, at=at)
    assert copies(article) == {(at,)}
    assert topic_titles(client, topic) == []

    later = at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert topic_titles(client, topic) == [article.title]


def test_a_topic_added_to_a_live_article_lists_it_at_once(client, topic):
    article = PublishedArticleFactory(topics=[topic])
    sleep = TopicFactory(name="Sleep")
    article.topics.add(sleep)
    assert copies(article) == {(article.published_at,)}
    assert topic_titles(client, sleep) == [article.title]

    article.topics.remove(topic)
    assert topic_titles(client, topic) == []


def test_topics_given_to_a_draft_carry_no_publish_time(topic):
    article = ArticleFactory(topics=[topic])
    article.topics.add(TopicFactory(name="Sleep"))
    assert copies(article) == {(None,)}


def test_a_topic_page_lists_newest_first_whatever_order_they_were_linked(client, topic):
    now = timezone.now()
    older = PublishedArticleFactory(title="Older", published_at=now - datetime.timedelta(days=5))
    newer = PublishedArticleFactory(title="Newer", published_at=now - datetime.timedelta(days=1))
    newer.topics.add(topic)
    older.topics.add(topic)
    assert topic_titles(client, topic) == ["Newer", "Older"]


def test_a_stale_copy_never_shows_a_hidden_article(client, topic):
    # Whatever a bug or a hand-made UPDATE leaves in the copy, the article row decides.
    shown = PublishedArticleFactory(title="Shown", topics=[topic])
    hidden = PublishedArticleFactory(title="Hidden", topics=[topic])
    Article.objects.filter(pk=hidden.pk).update(live=False, status="archived")
    assert copies(hidden) == {(hidden.published_at,)}  # stale, on purpose

    assert topic_titles(client, topic) == ["Shown"]
    assert [pk for pk, _, _ in reads.related([topic.pk], limit=5)] == [shown.pk]
    feed = client.get(f"{topic.get_absolute_url()}feed/").content.decode()
    assert "Hidden" not in feed


def test_a_bulk_insert_with_the_article_at_hand_copies_its_time(topic):
    live, draft = PublishedArticleFactory(), ArticleFactory()
    ArticleTopic.objects.bulk_create(
        [
            ArticleTopic(content_object=live, tag=topic),
            ArticleTopic(content_object=draft, tag=topic),
        ]
    )
    assert copies(live) == {(live.published_at,)}
    assert copies(draft) == {(None,)}


def test_the_migration_copies_every_existing_link(topic):
    live = PublishedArticleFactory(topics=[topic])
    draft = ArticleFactory(topics=[topic])
    ArticleTopic.objects.update(public_from=timezone.now())

    migration = importlib.import_module("articles.migrations.0009_articletopic_public_from")
    migration.copy_publish_times(apps, None)

    assert copies(live) == {(live.published_at,)}
    assert copies(draft) == {(None,)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seed_bulk: VACUUM
def test_seed_bulk_gives_every_link_its_publish_time(client):
    call_command("seed_bulk", articles=30, stdout=io.StringIO())
    links = ArticleTopic.objects.select_related("content_object")
    assert links.exists()
    assert all(link.public_from == link.content_object.published_at for link in links)
    topic = links.first().tag
    assert topic_titles(client, topic)
