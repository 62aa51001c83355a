# Apart from 0023: on PostgreSQL, rows written in the migration that builds a table's
# indexes would leave "pending trigger events" and stop it.

from django.db import migrations
from django.utils import timezone


def first_versions(apps, schema_editor):
    """Each topic as it stands becomes its approved version 1: reviewed by nobody yet and
    due for review today, so that it heads "Due for review" instead of claiming a review
    that never happened."""
    Topic = apps.get_model("articles", "Topic")
    Revision = apps.get_model("articles", "Revision")
    RelatedTopic = apps.get_model("articles", "RelatedTopic")
    now = timezone.now()
    for topic in Topic.objects.order_by("pk").iterator():
        links = RelatedTopic.objects.filter(from_topic=topic).order_by("position", "pk")
        related = list(links.values_list("to_topic_id", "to_topic__name"))
        Revision.objects.create(
            topic=topic,
            number=1,
            title=topic.headline,
            summary=topic.definition,
            body=topic.intro,
            topic_ids=[pk for pk, _ in related],
            topic_names=[name for _, name in related],
            extra={
                "aliases": topic.aliases,
                "safety_notice": topic.safety_notice,
                "mental_health": topic.mental_health,
            },
            created_by=None,
            created_at=now,
            submitted_at=now,
            approved_at=now,
        )
    Topic.objects.update(next_review_due=now.date())


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0023_topicflow_topic_versions"),
    ]

    operations = [
        migrations.RunPython(first_versions, migrations.RunPython.noop),
    ]
