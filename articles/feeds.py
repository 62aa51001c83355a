"""RSS 2.0 and Atom feeds of published articles: the whole site, and one topic.

Titles are text (Atom's default type; RSS titles are plain text); summaries are HTML in
both formats, so the summary is escaped into it. Absolute links come from the request
(django.contrib.sites is not installed, so the syndication framework uses RequestSite).
Each feed is three queries: the topic (topic feeds), the newest articles with their
authors, and their topics for the categories.
"""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from .cache import FEEDS, public_page
from .models import UNLISTED_FIELDS, Article, Topic, topic_names

FEED_SIZE = 20


def _as_datetime(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


# Topic feeds too: a topic's name changes retire FEEDS with it (upkeep.py).
@method_decorator(public_page(keys=(FEEDS,)), name="__call__")
class LatestArticlesFeed(Feed):
    feed_type = Rss201rev2Feed
    description = "The newest clinician-written, medically reviewed articles."

    def title(self, obj=None) -> str:
        return f"{settings.SITE_NAME}: latest articles"

    def link(self, obj=None) -> str:
        return reverse("articles:home")

    def feed_url(self, obj=None) -> str:
        return reverse("articles:feed_atom" if self.feed_type is Atom1Feed else "articles:feed")

    def articles(self, obj=None):
        """The feed's public articles, newest first."""
        return Article.objects.published().order_by("-published_at", "-pk")

    def items(self, obj=None):
        articles = list(
            self.articles(obj).select_related("author").defer(*UNLISTED_FIELDS)[:FEED_SIZE]
        )
        names = topic_names(article.pk for article in articles)
        for article in articles:
            article.topic_names = names.get(article.pk, [])
        return articles

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        # RSS readers take an item's description as HTML, and Atom declares the summary
        # type="html": the author's plain-text summary goes in as HTML that shows it as
        # text, never as markup.
        return escape(item.summary)

    def item_author_name(self, item: Article) -> str:
        return item.author.display_name

    def item_pubdate(self, item: Article) -> datetime.datetime:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime.datetime:
        # The last medical review is the meaningful update; never earlier than publication.
        if item.last_reviewed:
            return max(_as_datetime(item.last_reviewed), item.published_at)
        return item.updated_at or timezone.now()

    def item_categories(self, item: Article) -> list[str]:
        return item.topic_names


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class TopicArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, slug: str) -> Topic:
        return get_object_or_404(Topic, slug=slug)

    def title(self, obj: Topic) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj: Topic) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Topic) -> str:
        return obj.definition or f"The newest articles about {obj.name.lower()}."

    def feed_url(self, obj: Topic) -> str:
        name = "articles:topic_feed_atom" if self.feed_type is Atom1Feed else "articles:topic_feed"
        return reverse(name, kwargs={"slug": obj.slug})

    def articles(self, obj: Topic):
        return Article.objects.in_topic(obj)


class TopicArticlesAtomFeed(TopicArticlesFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Topic) -> str:
        return self.description(obj)
