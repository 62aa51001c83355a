"""Related topics become directional and ordered (issue 18).

The old symmetric list showed each pair on both topics' pages: both directions are kept,
each topic's list A to Z as readers saw it, so no page changes until an editor edits it.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_pairs(apps, schema_editor):
    Topic = apps.get_model("articles", "Topic")
    RelatedTopic = apps.get_model("articles", "RelatedTopic")
    Old = Topic.related.through
    pairs = set()
    for a, b in Old.objects.values_list("from_topic_id", "to_topic_id"):
        if a != b:
            pairs |= {(a, b), (b, a)}
    names = dict(Topic.objects.values_list("pk", "name"))
    lists: dict[int, list[int]] = {}
    for a, b in pairs:
        lists.setdefault(a, []).append(b)
    RelatedTopic.objects.bulk_create(
        RelatedTopic(from_topic_id=a, to_topic_id=b, position=n)
        for a, others in lists.items()
        for n, b in enumerate(sorted(others, key=lambda pk: (names[pk], pk)))
    )


def copy_back(apps, schema_editor):
    Topic = apps.get_model("articles", "Topic")
    RelatedTopic = apps.get_model("articles", "RelatedTopic")
    Old = Topic.related.through
    Old.objects.bulk_create(
        Old(from_topic_id=a, to_topic_id=b)
        for a, b in RelatedTopic.objects.values_list("from_topic_id", "to_topic_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_topic_mental_health"),
    ]

    operations = [
        migrations.CreateModel(
            name="RelatedTopic",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "from_topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="related_links",
                        to="articles.topic",
                    ),
                ),
                (
                    "to_topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="linked_from",
                        to="articles.topic",
                        verbose_name="topic",
                    ),
                ),
            ],
            options={"verbose_name": "related topic", "ordering": ["position", "pk"]},
        ),
        migrations.AddConstraint(
            model_name="relatedtopic",
            constraint=models.UniqueConstraint(
                fields=("from_topic", "to_topic"),
                name="articles_relatedtopic_once",
                violation_error_message="That topic is already in the list.",
            ),
        ),
        migrations.AddConstraint(
            model_name="relatedtopic",
            constraint=models.CheckConstraint(
                condition=models.Q(("from_topic", models.F("to_topic")), _negated=True),
                name="articles_relatedtopic_not_itself",
                violation_error_message="A topic is not related to itself.",
            ),
        ),
        migrations.RunPython(copy_pairs, copy_back),
        # Django cannot add a through model to an existing many-to-many: the old one goes,
        # after its pairs were copied, and the new one takes its name.
        migrations.RemoveField(model_name="topic", name="related"),
        migrations.AddField(
            model_name="topic",
            name="related",
            field=models.ManyToManyField(
                blank=True,
                through="articles.RelatedTopic",
                through_fields=("from_topic", "to_topic"),
                to="articles.topic",
                verbose_name="related topics",
            ),
        ),
    ]
