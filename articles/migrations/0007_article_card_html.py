import re
from urllib.parse import quote

from django.conf import settings
from django.db import migrations, models
from django.template import Context, Engine
from django.utils import timezone
from django.utils.dates import MONTHS

# What rendered a card when this migration was frozen (2026-12): the template
# includes/article_card.html, its two date filters (articles/templatetags/dates.py), the
# article's address (articles:detail) and the author's credited name
# (accounts.models.credited_name). Historical migrations never follow the live code.
CARD_TEMPLATE = """\
<article class="card">
  <h3 class="card__title"><a href="{{ url }}">{{ title }}</a></h3>
  <p class="card__summary">{{ summary }}</p>
  <p class="card__meta">
    {% if published %}<time datetime="{{ published_iso }}">{{ published_long }}</time>
    · {% endif %}{{ author_name }}
    {% if for_professionals %}· <span class="tag">For health professionals</span>{% endif %}
  </p>
</article>
"""
SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # what the <slug:slug> of articles:detail accepts


def credited_name(first_name, last_name, username, credentials):
    name = f"{first_name} {last_name}".strip() or username
    return f"{name}, {credentials}" if credentials else name


def article_url(slug):
    """/articles/<slug>/ under the site's prefix, as reverse("articles:detail") gave it."""
    if not SLUG.fullmatch(slug):
        raise ValueError(f"No address for an article with the slug {slug!r}")
    prefix = settings.FORCE_SCRIPT_NAME or "/"
    if not prefix.endswith("/"):
        prefix += "/"
    return quote(f"{prefix}articles/{slug}/", safe="!$&'()*+,;=/~:@")


def render_card(*, title, slug, summary, published_at, audience, author_name):
    published = timezone.localtime(published_at) if published_at else None
    context = {
        "title": title,
        "url": article_url(slug),
        "summary": summary,
        "published": published,
        "published_iso": published.isoformat() if published else "",
        "published_long": (
            f"{published.day} {MONTHS[published.month]} {published.year:04d}" if published else ""
        ),
        "for_professionals": audience == "clinicians",
        "author_name": author_name,
    }
    return Engine().from_string(CARD_TEMPLATE).render(Context(context)).strip()


def render_cards(apps, schema_editor):
    """Fill every existing article's card, as Article.save() rendered it then."""
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
