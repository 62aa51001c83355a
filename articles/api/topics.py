"""/api/v1/topics: every topic, A to Z, and one topic with its trust block, medical codes,
related topics and the first page of its public articles.

Two queries for a list (the count, the page with each topic's stored count of public
articles); four for a topic (it with its reviewer and count, its related topics, its
codes, its first page of articles), whatever the number of articles.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from .. import codes, reads
from ..facts import person
from ..models import Topic, TopicCode
from . import articles, http
from .errors import Problem
from .schemas import TopicDetail, TopicList

router = Router(tags=["topics"])

LIST_FIELDS = ("slug", "name", "headline", "definition", "updated_at", "live_article_count")


def api_url(request: HttpRequest, slug: str) -> str:
    return request.build_absolute_uri(reverse("api-v1:topic", kwargs={"slug": slug}))


def item(request: HttpRequest, topic: Topic) -> dict:
    return {
        "slug": topic.slug,
        "name": topic.name,
        "headline": topic.title,
        "definition": topic.definition,
        "article_count": topic.num_articles,
        "url": request.build_absolute_uri(topic.get_absolute_url()),
        "api_url": api_url(request, topic.slug),
    }


def items(request: HttpRequest, topics) -> list[dict]:
    found = list(topics)
    http.last_modified(request, *(t.updated_at for t in found))
    return [item(request, t) for t in found]


# Topics are public from the moment they exist: an edit waits in a Revision until it is
# approved (articles/workflow.py), so the row is always the approved version.
# with_public_count() reads the time: added per request, never here at import.
_LIST = Topic.objects.only(*LIST_FIELDS).order_by("name")


@router.get("", response=TopicList, url_name="topics", summary="Topics, A to Z")
def list_topics(request: HttpRequest, page: int = Query(1, ge=1, le=http.MAX_PAGE)):
    count = Topic.objects.count()
    found = _LIST.with_public_count()[http.offset(page)] if count else []
    return http.page_of(request, items(request, found), count=count, page=page)


def code(entry: TopicCode) -> dict:
    system = codes.SYSTEMS[entry.system]
    return {
        "system": system.key,
        "system_name": system.label,
        "system_oid": system.oid,
        "code": entry.code,
        "display": entry.display,
    }


@router.get("/{slug}", response=TopicDetail, url_name="topic", summary="One topic")
def topic_detail(request: HttpRequest, slug: str):
    topic = reads.topic_page(http.checked_slug(slug, "topic"))
    if topic is None:
        raise Problem(404, "Not found", "No such topic.")
    absolute = request.build_absolute_uri
    related = reads.related_topics(topic.pk)
    topic_codes = list(TopicCode.objects.filter(topic=topic.pk).order_by("system", "code"))
    count = topic.num_articles
    first = articles.items(request, articles.topic_articles(topic.pk, 1) if count else [])
    http.last_modified(request, topic.updated_at)
    more = None
    if count > http.PAGE_SIZE:
        more = absolute(f"{reverse('api-v1:articles')}?page=2&topic={topic.slug}")
    reviewer = topic.medical_reviewer
    return {
        **item(request, topic),
        "aliases": topic.alias_list,
        "intro_html": topic.intro_html,
        "safety_notice": topic.safety_notice,
        "mental_health": topic.mental_health,
        "related": [
            {
                "slug": t.slug,
                "name": t.name,
                "url": absolute(t.get_absolute_url()),
                "api_url": api_url(request, t.slug),
            }
            for t in related
        ],
        "codes": [code(entry) for entry in topic_codes],
        "trust": {
            "medical_reviewer": person(reviewer, absolute) if reviewer else None,
            "last_reviewed": topic.last_reviewed,
            "next_review_due": topic.next_review_due,
        },
        "articles": {"count": count, "items": first, "next": more},
    }
