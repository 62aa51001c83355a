"""/api/v1/authors/{slug}: a writer's or reviewer's public profile (the author page's
rule: reads.PUBLIC_PEOPLE) with the newest public articles they wrote and reviewed.
Three queries."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from .. import reads
from ..models import Article
from . import http
from .errors import Problem
from .schemas import Author

router = Router(tags=["authors"])

LIMIT = 50
_REFS = Article.objects.only("slug", "title", "published_at", "updated_at")


def _refs(request: HttpRequest, articles) -> list[dict]:
    found = list(articles.order_by(*reads.NEWEST)[:LIMIT])
    http.last_modified(request, *(a.updated_at for a in found))
    return [
        {
            "slug": a.slug,
            "title": a.title,
            "url": request.build_absolute_uri(a.get_absolute_url()),
            "api_url": request.build_absolute_uri(
                reverse("api-v1:article", kwargs={"slug": a.slug})
            ),
            "published_at": a.published_at,
        }
        for a in found
    ]


@router.get("/{slug}", response=Author, url_name="author", summary="An author's profile")
def author_detail(request: HttpRequest, slug: str):
    found = reads.PUBLIC_PEOPLE.filter(public_slug=http.checked_slug(slug, "author"))
    person = found.distinct().first()
    if person is None:
        raise Problem(404, "Not found", "No such author.")
    written = _refs(request, _REFS.published().for_author(person.pk))
    reviewed = _refs(request, _REFS.published().reviewed_by(person.pk))
    return {
        "slug": person.public_slug,
        "name": person.display_name,
        "credentials": person.credentials,
        "job_title": person.professional_title,
        "bio": person.bio,
        "url": request.build_absolute_uri(person.get_absolute_url()),
        "written": written,
        "reviewed": reviewed,
    }
