"""Article cards: the title, summary, date and author an article shows in every list.

A card is rendered when its article is saved and stored with it (`Article.card_html`), so
the topic, home, author and related-article lists, and search results (with a snippet
added, as_search_result), put stored HTML together instead of rendering each card on
every request (a topic page's twenty cards were a third of its time). What a card shows
must therefore be re-rendered wherever it changes: articles/upkeep.py says where.
`fingerprint()` names the way cards are rendered now (template, date filters, URL prefix,
time zone), so that cards rendered another way are found and rendered again.

The template, includes/article_card.html, autoescapes everything it is given. This
module renders; it reads no models.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

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


# Cards that between them take every branch of the template, late in the evening UTC in
# winter and in summer (a day and an offset that differ by time zone).
_SAMPLES = (
    {
        "title": "Sample <title>",
        "slug": "sample-slug",
        "summary": "A sample & summary.",
        "published_at": datetime.datetime(2001, 2, 3, 23, 30, tzinfo=datetime.UTC),
        "audience": "clinicians",
    },
    {
        "title": "t",
        "slug": "t",
        "summary": "",
        "published_at": datetime.datetime(2001, 7, 31, 23, 30, tzinfo=datetime.UTC),
        "audience": "patients",
    },
    {"title": "t", "slug": "t", "summary": "", "published_at": None, "audience": "patients"},
)


def fingerprint(*, author_name: str) -> str:
    """What cards rendered now look like, as a short digest of sample cards and of the
    settings a card depends on.

    It changes with anything that changes a card: its template, the filters it uses, the
    site's URL prefix, time zone and language, and how an author is named (`author_name`,
    a sample credited name made as cards make theirs). Stored with the cards
    (upkeep.ensure_cards_current).
    """
    settings_used = (settings.TIME_ZONE, settings.USE_TZ, settings.LANGUAGE_CODE)
    sample = "\x00".join(
        [
            repr(settings_used),
            *(render_card(**values, author_name=author_name) for values in _SAMPLES),
        ]
    )
    return hashlib.sha256(sample.encode()).hexdigest()[:32]
