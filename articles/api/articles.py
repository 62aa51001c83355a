"""/api/v1/articles: the published articles, newest first, and one article in full.

Two queries for a list (the count, the page with its authors), three for a topic's list
(the topic with its stored count first); two for an article (it with its author and
reviewer, its topics), one more only for an address that is not public (410 or 404).
Everything shown is stored at save time: body_html, sources and lead image read from it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from accounts.models import credited_name
from hub.links import url_with, urls_with

from .. import reads
from ..facts import article_facts, person
from ..markdown import lead_image, sources_of
from ..models import Article, Audience, ChangeKind, ContentChange, Topic
from . import http
from .errors import PROBLEM_TYPE, Problem, gone
from .schemas import ArticleDetail, ArticleList

router = Router(tags=["articles"])

# A list's rows, as values: building 20 model instances (with their authors) cost more
# than the query itself (bench/bench_api.py).
ITEM_FIELDS = (
    "slug", "title", "summary", "audience", "published_at", "updated_at", "last_reviewed",
    "next_review_due", "author__first_name", "author__last_name", "author__public_slug",
    "author__credentials",
)  # fmt: skip
_ITEMS = Article.objects.all()


def api_url(request: HttpRequest, slug: str) -> str:
    return request.build_absolute_uri(url_with("api-v1:article", "slug", slug))


def items(request: HttpRequest, articles) -> list[dict]:
    """The list entries of these articles (a queryset of Article), in their order."""
    rows = list(articles.values_list(*ITEM_FIELDS)) if not isinstance(articles, list) else []
    base = request.build_absolute_uri("/")[:-1]  # once: the same for every address
    page, api = urls_with("articles:detail", "slug"), urls_with("api-v1:article", "slug")
    http.last_modified(request, *(row[5] for row in rows))
    return [
        {
            "slug": slug,
            "title": title,
            "summary": summary,
            "audience": audience,
            "author": credited_name(first, last, public_slug, credentials),
            "url": base + page(slug),
            "api_url": base + api(slug),
            "published_at": published_at,
            "last_reviewed": last_reviewed,
            "next_review_due": next_review_due,
        }
        for (
            slug,
            title,
            summary,
            audience,
            published_at,
            _updated,
            last_reviewed,
            next_review_due,
            first,
            last,
            public_slug,
            credentials,
        ) in rows  # fmt: skip
    ]


def topic_articles(topic_id: int, page: int, audience: str = ""):
    """One page of a topic's public articles (ArticleQuerySet.in_topic()), newest first."""
    found = _ITEMS.in_topic(topic_id)
    if audience:
        found = found.filter(audience=audience)
    return found[http.offset(page)]


@router.get("", response=ArticleList, url_name="articles", summary="Published articles")
def list_articles(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=http.MAX_PAGE),
    topic: str = Query("", max_length=100, description="Only this topic's (its slug)."),
    audience: str = Query("", max_length=20, description="patients or clinicians"),
):
    if audience and audience not in Audience.values:
        raise Problem(400, "Bad request", f"audience: one of {', '.join(Audience.values)}.")
    if topic:
        found = (
            Topic.objects.filter(slug=http.checked_slug(topic, "topic"))
            .with_public_count()
            .values_list("pk", "updated_at", "num_articles")
            .first()
        )
        if found is None:
            raise Problem(404, "Not found", "No such topic.")
        topic_id, updated_at, count = found
        if audience:
            count = _ITEMS.in_topic(topic_id).filter(audience=audience).count()
        http.last_modified(request, updated_at)
        articles = topic_articles(topic_id, page, audience) if count else []
    else:
        public = _ITEMS.published()
        if audience:
            public = public.filter(audience=audience)
        count = public.count()
        articles = public.order_by(*reads.NEWEST)[http.offset(page)] if count else []
    return http.page_of(request, items(request, articles), count=count, page=page)


@router.get(
    "/{slug}",
    response=ArticleDetail,
    url_name="article",
    summary="One article",
    description="410 with a tombstone for an article that was withdrawn.",
    openapi_extra={
        "responses": {
            "410": {
                "description": "Withdrawn: a tombstone (slug, withdrawn_at, reason, sent_to).",
                "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        }
    },
)
def article_detail(request: HttpRequest, slug: str):
    article = reads.article_page(http.checked_slug(slug, "article"))
    if article is None:
        raise _not_public(slug)
    topics = reads.topics_of(article.pk)
    absolute = request.build_absolute_uri
    facts = article_facts(article, absolute)
    # Exact: every save of the article moves updated_at; its topics' names are theirs.
    http.last_modified(request, facts["date_modified"], exact=True)
    image = lead_image(article.body_html)
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "body_html": article.body_html,
        "audience": article.audience,
        "url": absolute(article.get_absolute_url()),
        "api_url": api_url(request, article.slug),
        "topics": [
            {
                "slug": t.slug,
                "name": t.name,
                "url": absolute(t.get_absolute_url()),
                "api_url": absolute(reverse("api-v1:topic", kwargs={"slug": t.slug})),
            }
            for t in topics
        ],
        "author": person(article.author, absolute),
        "medical_reviewer": facts["medical_reviewer"],
        "date_published": facts["date_published"],
        "date_modified": facts["date_modified"],
        "last_reviewed": facts["last_reviewed"],
        "next_review_due": facts["next_review_due"],
        "sources": [
            {"html": s.html, "text": s.text, "links": list(s.links)}
            for s in sources_of(article.body_html)
        ],
        "lead_image": (
            {
                "url": absolute(image.url),
                "width": image.width,
                "height": image.height,
                "alt": image.alt,
            }
            if image
            else None
        ),
        "licence": settings.API_LICENCE,
        "attribution": settings.API_ATTRIBUTION,
        "version_hash": facts["version_hash"],
    }


def _not_public(slug: str) -> Problem:
    """410 for an article readers could once read and no longer can (the changes log has
    its withdrawal, with the reason partners were told); else 404. A scheduled, cancelled
    or never-published article is a 404 like an unknown one: nothing says it exists."""
    withdrawal = (
        ContentChange.objects.filter(
            article__slug=slug, article__live=False, kind=ChangeKind.WITHDRAWN
        )
        .order_by("-pk")
        .values("at", "reason", "sent_to")
        .first()
    )
    if withdrawal is not None:
        return gone(slug, withdrawal)
    return Problem(404, "Not found", "No such article.")
