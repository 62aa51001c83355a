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
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe

from .cache import SITEMAP, made_from, public_page
from .models import Article, Topic
from .pagination import page_number

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
        return Topic.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()


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
        # Every review saves the row, so the newest update is also the newest review: one
        # index lookup (articles_article_live_updated) rather than a pass over every row.
        newest = (
            Article.objects.published()
            .order_by("-updated_at")
            .values("last_reviewed", "updated_at")
            .first()
        )
        return _later(newest["last_reviewed"], newest["updated_at"]) if newest else None


class AuthorSitemap(HubSitemap):
    """People with published articles; a page's lastmod is their newest publication.

    Both come from one lookup per person in articles_article_written_by, never from a
    pass over all their articles.
    """

    def _authors(self):
        theirs = Article.objects.published().filter(author=OuterRef("pk"))
        return (
            get_user_model()
            .objects.filter(Exists(theirs))
            .annotate(latest=Subquery(theirs.order_by("-published_at").values("published_at")[:1]))
            .order_by("pk")
            .only("public_slug")
        )

    def items(self):
        return self._authors()

    def lastmod(self, author) -> datetime.datetime:
        return author.latest

    def get_latest_lastmod(self):
        return (
            Article.objects.published()
            .order_by("-published_at")
            .values_list("published_at", flat=True)
            .first()
        )


SITEMAPS = {"topics": TopicSitemap, "articles": ArticleSitemap, "authors": AuthorSitemap}


def _sections() -> dict[str, HubSitemap]:
    """Fresh instances for one request, so each section counts its items once."""
    return {name: section() for name, section in SITEMAPS.items()}


def _made_from_page(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # Django's sitemap view reads ?p= as a page number; stored only as the number.
    given = request.GET.get("p")
    try:
        number = None if given is None else page_number(given)
    except InvalidPage:  # a page Django found and this count does not: served, not stored
        response.page_query = None
        return response
    return made_from(response, p=number)


@public_page(query=("p",), keys=(SITEMAP,))
@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    """One file of URLs while they fit; a sitemap index of sections beyond that."""
    sections = _sections()
    if all(section.paginator.num_pages <= 1 for section in sections.values()):
        return _made_from_page(request, sitemap_views.sitemap(request, sitemaps=sections))
    # The index reads no parameter.
    return sitemap_views.index(
        request, sitemaps=sections, sitemap_url_name="articles:sitemap_section"
    )


@public_page(query=("p",), keys=(SITEMAP,))
@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    response = sitemap_views.sitemap(request, sitemaps=_sections(), section=section)
    return _made_from_page(request, response)
