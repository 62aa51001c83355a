"""Twenty people creating the same topic at once (issue 23, finding 5): one topic, no 500.

Real transactions on PostgreSQL, one thread each, started together at a barrier.
"""

import pytest
from django.test import Client

from articles import workflow
from articles.models import ArticleTopic, Topic
from tests.factories import (
    ArticleFactory,
    EditorFactory,
    LayEditorFactory,
    MedicalReviewerFactory,
    TopicFactory,
)
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


def test_an_edit_racing_an_approval_never_publishes_text_nobody_signed_off():
    """A lay editor approves a signed-off version while its writer edits it again: either the
    signed text goes live and the edit waits as a new version, or the edit lands first and
    the approval is refused (the sign-off was voided). Never the unsigned edit live."""
    writer, approver = LayEditorFactory(username="writer"), LayEditorFactory(username="lay")
    for _ in range(5):
        topic = TopicFactory(intro="Old text.")
        content = workflow.approved_topic_content(topic)
        signed = workflow.TopicContent(**{**content.__dict__, "intro": "Signed text."})
        unsigned = workflow.TopicContent(**{**content.__dict__, "intro": "Unsigned text."})
        workflow.edit_topic(topic=topic, content=signed, by=writer)
        workflow.clinical_review_topic(topic=topic, by=MedicalReviewerFactory())

        outcomes = at_once(
            [
                lambda t=topic, c=unsigned: (
                    workflow.edit_topic(topic=t, content=c, by=writer) and "edited"
                ),
                lambda t=topic: workflow.approve_topic(topic=t, by=approver) and "approved",
            ],
            expected=(workflow.TransitionNotAllowed,),
        )

        topic.refresh_from_db()
        assert outcomes[0] == "edited", outcomes
        if outcomes[1] == "approved":
            assert topic.intro == "Signed text." and topic.has_pending_changes
        else:
            assert isinstance(outcomes[1], workflow.TransitionNotAllowed), outcomes
            assert topic.intro == "Old text."
        assert topic.intro != "Unsigned text."
