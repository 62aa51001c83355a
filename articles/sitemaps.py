"""The sitemap for crawlers: topics, published articles, and their authors.

/sitemap.xml lists every URL while each section fits in one file of SECTION_LIMIT; beyond
that it becomes a sitemap index of /sitemap-<section>.xml?p=N pages (the protocol allows
50,000 URLs a file; smaller files are quicker to build). Absolute
URLs come from the request (django.contrib.sites is not installed, so RequestSite).
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from .models import Article, Topic

SECTION_LIMIT = 10_000


def _as_datetime(value) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=datetime.UTC)


def _later(*values) -> datetime.datetime | None:
    present = [_as_datetime(v) for v in values if v is not None]
    return max(present, default=None)


class HubSitemap(Sitemap):
    limit = SECTION_LIMIT

    @cached_property
    def paginator(self) -> Paginator:
        # Django builds a new paginator (and counts again) on every access.
        return Paginator(self._items(), self.limit)


class TopicSitemap(HubSitemap):
    def items(self):
        return Topic.objects.order_by("pk").only("slug", "updated_at")

    def lastmod(self, topic: Topic) -> datetime.datetime:
        return topic.updated_at

    def get_latest_lastmod(self):
        return Topic.objects.aggregate(latest=Max("updated_at"))["latest"]


class ArticleSitemap(HubSitemap):
    def items(self):
        return (
            Article.objects.published()
            .order_by("pk")
            .only("slug", "last_reviewed", "updated_at", "published_at")
        )

    def lastmod(self, article: Article) -> datetime.datetime:
        # The last medical review is what readers care about; any later edit counts too.
        return _later(article.last_reviewed, article.updated_at)

    def get_latest_lastmod(self):
        found = Article.objects.published().aggregate(
            reviewed=Max("last_reviewed"), updated=Max("updated_at")
        )
        return _later(found["reviewed"], found["updated"])


class AuthorSitemap(HubSitemap):
    def _authors(self):
        published = Article.objects.published()
        return (
            get_user_model()
            .objects.filter(articles__in=published)
            .annotate(latest=Max("articles__updated_at"))
            .order_by("pk")
            .only("username")
        )

    def items(self):
        return self._authors()

    def lastmod(self, author) -> datetime.datetime:
        return author.latest

    def get_latest_lastmod(self):
        return self._authors().aggregate(overall=Max("latest"))["overall"]


SITEMAPS = {"topics": TopicSitemap, "articles": ArticleSitemap, "authors": AuthorSitemap}


def _sections() -> dict[str, HubSitemap]:
    """Fresh instances for one request, so each section counts its items once."""
    return {name: section() for name, section in SITEMAPS.items()}


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    """One file of URLs while they fit; a sitemap index of sections beyond that."""
    sections = _sections()
    if all(section.paginator.num_pages <= 1 for section in sections.values()):
        return sitemap_views.sitemap(request, sitemaps=sections)
    return sitemap_views.index(
        request, sitemaps=sections, sitemap_url_name="articles:sitemap_section"
    )


@require_GET
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, sitemaps=_sections(), section=section)
