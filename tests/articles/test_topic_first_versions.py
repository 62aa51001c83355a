"""Migrations 0023-0024: topics that were live before topics had versions become their approved
version 1, reviewed by nobody yet and due for review now (not back-filled)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = ("articles", "0022_media_images_in_topic_intros")
AFTER = ("articles", "0024_topicflow_first_topic_versions")


# Serialized rollback: the flush after it then leaves the content types to the next
# such test, which restores them, instead of creating them twice.
@pytest.fixture
def back_to_the_latest_schema():
    """Migrate forward to every app's last migration afterwards: tables that later
    migrations add must exist for the tests that follow."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_existing_topics_become_their_first_approved_version_due_now():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    OldTopic = old.get_model("articles", "Topic")
    ketamine = OldTopic.objects.create(
        name="Ketamine",
        slug="ketamine",
        headline="Ketamine",
        intro="An anaesthetic.",
        safety_notice="Call 116 123.",
        aliases="Spravato",
    )
    grief = OldTopic.objects.create(name="Grief", slug="grief")
    old.get_model("articles", "RelatedTopic").objects.create(
        from_topic=ketamine, to_topic=grief, position=0
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    new = executor.loader.project_state([AFTER]).apps
    Topic = new.get_model("articles", "Topic")
    topic = Topic.objects.get(name="Ketamine")
    version = new.get_model("articles", "Revision").objects.get(topic=topic)
    assert version.number == 1 and version.approved_at is not None
    assert version.created_by is None  # nobody wrote it through the workflow
    assert (version.body, version.extra["safety_notice"]) == ("An anaesthetic.", "Call 116 123.")
    assert version.topic_ids == [grief.pk]
    assert topic.medical_reviewer_id is None and topic.last_reviewed is None
    assert topic.next_review_due == timezone.now().date()
    assert not topic.has_pending_changes
