"""Twenty people creating the same topic at once (issue 23, finding 5): one topic, no 500.

Real transactions on PostgreSQL, one thread each, started together at a barrier.
"""

import pytest
from django.test import Client

from articles.models import ArticleTopic, Topic
from tests.factories import ArticleFactory, EditorFactory
from tests.threads import at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 20
TOPIC_ADD = "/admin/articles/topic/add/"


def test_one_topic_is_made_when_twenty_articles_add_it_by_name_at_once():
    articles = [ArticleFactory() for _ in range(THREADS)]

    def add(article):
        return lambda: article.topics.add("Ketamine") or "ok"

    outcomes = at_once([add(article) for article in articles])

    assert outcomes == ["ok"] * THREADS
    topic = Topic.objects.get()
    assert topic.name == "Ketamine"
    assert ArticleTopic.objects.filter(tag=topic).count() == THREADS


def test_one_topic_is_made_when_twenty_editors_add_it_in_the_admin_at_once():
    editors = [EditorFactory() for _ in range(THREADS)]

    def post(editor):
        def call():
            client = Client()
            client.force_login(editor)
            response = client.post(TOPIC_ADD, {"name": "Ketamine"})
            if response.status_code == 200:
                return response.context["adminform"].form.errors["name"]
            return response.status_code

        return call

    outcomes = at_once([post(editor) for editor in editors])

    assert outcomes.count(302) == 1, outcomes
    assert [o for o in outcomes if o != 302] == [["A topic called “Ketamine” already exists."]] * (
        THREADS - 1
    )
    assert Topic.objects.get().name == "Ketamine"
