"""The A–Z index's article counts come from a stored count: it must never drift.

Topic.live_article_count is kept by every way an article becomes live or stops being live,
or a live article's topics change; with_public_count() takes scheduled ones off.
"""

import datetime

import pytest
from django.utils import timezone

from articles import reads, workflow
from articles.models import Article, Topic
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import (
    ClinicianFactory,
    PublishedArticleFactory,
    ScheduledArticleFactory,
    TopicFactory,
    UserFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db


def shown(topic) -> int:
    """The count the home page (with_public_count()), the A–Z index and the topic page
    (reads.topic_page()) show, checked against counting the articles."""
    listed = Topic.objects.with_public_count().get(pk=topic.pk).num_articles
    assert listed == reads.topic_page(topic.slug).num_articles
    assert listed == Topic.objects.with_article_counts().get(pk=topic.pk).num_articles
    return listed


@pytest.fixture
def topic():
    return TopicFactory()


def test_count_rises_when_published_and_falls_when_archived(topic, editor):
    author = ClinicianFactory()
    article = article_in_state("in_review", author=author, topics=[topic])
    assert shown(topic) == 0
    approve(article=article, by=editor)
    assert shown(topic) == 1
    workflow.archive(article=article, by=editor)
    assert shown(topic) == 0


def test_scheduled_article_counts_only_from_its_publish_time(topic, monkeypatch):
    scheduled = ScheduledArticleFactory(topics=[topic])
    assert shown(topic) == 0

    later = scheduled.published_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert shown(topic) == 1


def test_count_moves_with_the_topics_of_an_approved_new_version(topic, editor):
    other = TopicFactory()
    author = ClinicianFactory()
    article = article_in_state("published", author=author, topics=[topic])
    content = workflow.Content(article.title, article.summary, article.body, [other.pk])
    workflow.edit_article(
        article=article, by=author, content=content, expected_version=article.version
    )
    assert (shown(topic), shown(other)) == (1, 0)  # readers still see the approved version
    workflow.submit_for_review(article=article, by=author)
    approve(article=Article.objects.get(pk=article.pk), by=editor)
    assert (shown(topic), shown(other)) == (0, 1)


def test_count_follows_topic_changes_of_a_live_article(topic):
    other = TopicFactory()
    article = PublishedArticleFactory(topics=[topic])
    article.topics.add(other)
    assert (shown(topic), shown(other)) == (1, 1)
    article.topics.remove(topic)
    assert (shown(topic), shown(other)) == (0, 1)
    article.topics.clear()
    assert shown(other) == 0


def test_count_falls_when_an_admin_deletes_a_live_article(client, topic):
    article = PublishedArticleFactory(topics=[topic])
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert shown(topic) == 0


def test_topic_index_shows_the_stored_counts(client, topic):
    PublishedArticleFactory.create_batch(2, topics=[topic])
    ScheduledArticleFactory(topics=[topic])
    link = parse(client.get("/topics/")).one(f'.topic-list a[href="{topic.get_absolute_url()}"]')
    assert link.text == topic.name
    assert link.parent.select("span.muted")[0].text == "(2 articles)"
