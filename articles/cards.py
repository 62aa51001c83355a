"""Article cards: the title, summary, date and author an article shows in every list.

A card is rendered when its article is saved and stored with it (`Article.card_html`), so
the topic, home, author and related-article lists, and search results (with a snippet
added, as_search_result), put stored HTML together instead of rendering each card on
every request (a topic page's twenty cards were a third of its time). What a card shows
must therefore be re-rendered wherever it changes:

- the article's own fields (CARD_FIELDS): Article.save() renders the card, adding
  `card_html` to any `update_fields` that touch them;
- its author's name or credentials: `author_renamed` refreshes that author's cards;
- the template itself (a deploy): `manage.py rerender_content` renders every card again.

The template, includes/article_card.html, autoescapes everything it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User, credited_name

# The article fields a card shows ("author" through the author's credited name).
CARD_FIELDS = frozenset({"title", "slug", "summary", "published_at", "author", "audience"})
TEMPLATE = "includes/article_card.html"
# Where the template's meta line (date, author) starts: a search result's snippet goes
# before it.
META = '<p class="card__meta">'


def render_card(*, title, slug, summary, published_at, audience, author_name) -> str:
    """A card's HTML from plain values (migration 0007 keeps a frozen copy)."""
    published = timezone.localtime(published_at) if published_at else None
    return render_to_string(
        TEMPLATE,
        {
            "title": title,
            "url": _article_url(slug),
            "summary": summary,
            "published": published,
            "for_professionals": audience == "clinicians",
            "author_name": author_name,
        },
    ).strip()


def _article_url(slug: str) -> str:
    # A card is rendered once for every reader: with the site's configured prefix, not that
    # of whichever request or command saved the article.
    current = get_script_prefix()
    set_script_prefix(settings.FORCE_SCRIPT_NAME or "/")
    try:
        return reverse("articles:detail", kwargs={"slug": slug})
    finally:
        set_script_prefix(current)


def as_search_result(
    card: str, snippet: SafeString | str, topic_names: Sequence[str]
) -> SafeString:
    """A stored card as a search result: the snippet (safe HTML, from search.highlight)
    before its meta line, and the article's topics after it."""
    head, found, meta = card.partition(META)
    meta, closed, end = meta.rpartition("</article>")
    if not (found and closed):  # not a card this template made: left as it is
        return mark_safe(card)  # noqa: S308 - stored cards are rendered with autoescape
    if snippet:
        head += f'<p class="card__snippet">{conditional_escape(snippet)}</p>\n  '
    if topic_names:
        meta += f'  <p class="card__topics">{escape(", ".join(topic_names))}</p>\n'
    # The card was rendered with autoescape at save time; the rest is escaped just above.
    return mark_safe(f"{head}{META}{meta}</article>{end}")  # noqa: S308


def card_for(article) -> str:
    return render_card(
        title=article.title,
        slug=article.slug,
        summary=article.summary,
        published_at=article.published_at,
        audience=article.audience,
        author_name=article.author.name_with_credentials,
    )


def refresh_cards(articles: Iterable, *, batch_size: int = 500) -> int:
    """Render these articles' cards again and store those that changed; returns how many."""
    from .models import Article  # models.py imports this module

    changed = []
    count = 0
    for article in articles:
        card = card_for(article)
        if card != article.card_html:
            article.card_html = card
            changed.append(article)
        if len(changed) >= batch_size:
            count += Article.objects.bulk_update(changed, ["card_html"])
            changed = []
    if changed:
        count += Article.objects.bulk_update(changed, ["card_html"])
    return count


# --- an author's name changes ----------------------------------------------------------------

NAME_FIELDS = ("first_name", "last_name", "username", "credentials")


def _note_renamed(sender, instance: User, update_fields=None, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(NAME_FIELDS):
        return  # a login's last_login, a password change: nothing a card shows
    before = User.objects.filter(pk=instance.pk).values_list(*NAME_FIELDS).first()
    instance._cards_stale = (
        before is not None and credited_name(*before) != instance.name_with_credentials
    )


def author_renamed(sender, instance: User, raw=False, **kwargs) -> None:
    """Re-render the cards of an author whose credited name changed; pages go fresh."""
    if raw or not getattr(instance, "_cards_stale", False):
        return
    from .cache import content_changed
    from .models import Article

    instance._cards_stale = False
    # Locked as the workflow locks an article it publishes: a publication running now
    # either waits for this to commit, or is waited for and its new title re-rendered.
    articles = (
        Article.objects.filter(author=instance)
        .select_for_update(of=("self",))
        .only(*CARD_FIELDS, "card_html")
    )

    def by_this_author():
        for article in articles.iterator(chunk_size=2000):
            article.author = instance  # the saved name, without a query per article
            yield article

    with transaction.atomic():
        refresh_cards(by_this_author())
    content_changed()


def connect() -> None:
    pre_save.connect(_note_renamed, sender=User, dispatch_uid="articles.cards.note_renamed")
    post_save.connect(author_renamed, sender=User, dispatch_uid="articles.cards.author_renamed")
