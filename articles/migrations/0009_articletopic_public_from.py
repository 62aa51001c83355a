from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_publish_times(apps, schema_editor):
    """Give every existing link its article's public_from, as ArticleTopic keeps it."""
    Article = apps.get_model("articles", "Article")
    ArticleTopic = apps.get_model("articles", "ArticleTopic")
    public_from = Article.objects.filter(pk=OuterRef("content_object_id"), live=True)
    ArticleTopic.objects.update(public_from=Subquery(public_from.values("published_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_topic_index_letter"),
    ]

    operations = [
        migrations.AddField(
            model_name="articletopic",
            name="public_from",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(copy_publish_times, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="articletopic",
            index=models.Index(
                condition=models.Q(("public_from__isnull", False)),
                fields=["tag", "-public_from", "-content_object"],
                name="articles_articletopic_public",
            ),
        ),
    ]
