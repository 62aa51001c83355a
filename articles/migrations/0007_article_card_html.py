from django.db import migrations, models


def render_cards(apps, schema_editor):
    """Fill every existing article's card, as Article.save() renders it (articles/cards.py)."""
    from accounts.models import credited_name
    from articles.cards import render_card

    Article = apps.get_model("articles", "Article")
    articles = Article.objects.select_related("author").only(
        "title", "slug", "summary", "published_at", "audience",
        "author__first_name", "author__last_name", "author__username", "author__credentials",
    )
    batch = []
    for article in articles.iterator(chunk_size=2000):
        author = article.author
        article.card_html = render_card(
            title=article.title,
            slug=article.slug,
            summary=article.summary,
            published_at=article.published_at,
            audience=article.audience,
            author_name=credited_name(
                author.first_name, author.last_name, author.username, author.credentials
            ),
        )
        batch.append(article)
        if len(batch) == 2000:
            Article.objects.bulk_update(batch, ["card_html"])
            batch = []
    Article.objects.bulk_update(batch, ["card_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_page_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="card_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(render_cards, migrations.RunPython.noop, elidable=True),
    ]
