import unicodedata

from django.db import migrations, models


def index_position(name):
    """Where the A–Z index files a name: its letter, and the key it is sorted by there.

    articles.models.index_position as it was when this migration was frozen (2026-12).
    """
    decomposed = unicodedata.normalize("NFKD", name)
    key = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    first = key[:1].upper()[:1]
    return (first if first.isalpha() else "#"), key[:200]


def file_topics(apps, schema_editor):
    """File every existing topic in the A–Z index, as Topic.save() does."""
    Topic = apps.get_model("articles", "Topic")
    batch = []
    for topic in Topic.objects.only("name").iterator(chunk_size=2000):
        topic.index_letter, topic.index_key = index_position(topic.name)
        batch.append(topic)
        if len(batch) == 2000:
            Topic.objects.bulk_update(batch, ["index_letter", "index_key"])
            batch = []
    Topic.objects.bulk_update(batch, ["index_letter", "index_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_article_card_html"),
    ]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="index_key",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="topic",
            name="index_letter",
            field=models.CharField(blank=True, editable=False, max_length=1),
        ),
        migrations.RunPython(file_topics, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(fields=["index_letter", "index_key"], name="articles_topic_a_to_z"),
        ),
    ]
