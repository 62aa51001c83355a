"""Helpers for the public pages' tests: bulk content and query counts at two sizes."""

import datetime
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import crisis_help
from articles.models import (
    Article,
    ArticleTopic,
    Status,
    Topic,
    refresh_search_vectors,
    render_linked,
)
from tests.factories import ClinicianFactory, EditorFactory
from tests.html import parse

SMALL, LARGE = 2, 200


def published_articles(count, *, topics=(), authors=None, reviewer=None, prefix="Bulk"):
    """`count` published articles, inserted in bulk (a factory would take seconds).

    Written by a few different authors, newest first in creation order, each on `topics`.
    """
    authors = authors or [ClinicianFactory() for _ in range(3)]
    reviewer = reviewer or EditorFactory()
    now = timezone.now()
    body = "Careful text.[^1]\n\n[^1]: Smith J. A trial. *BMJ*. 2020;1:1."
    body_html = str(render_linked(body))
    start = Article.objects.count()
    articles = [
        Article(
            title=f"{prefix} article {start + i}",
            slug=f"{prefix.lower()}-article-{start + i}",
            summary=f"The summary of {prefix.lower()} article {start + i}.",
            body=body,
            body_html=body_html,
            author=author,
            medical_reviewer=reviewer,
            status=Status.PUBLISHED,
            live=True,
            published_at=now - datetime.timedelta(days=1, minutes=start + i),
            last_reviewed=now.date(),
            next_review_due=now.date() + datetime.timedelta(days=365),
        )
        for i, author in zip(range(count), itertools.cycle(authors), strict=False)
    ]
    articles = Article.objects.bulk_create(articles)
    ArticleTopic.objects.bulk_create(
        ArticleTopic(content_object=article, tag=topic) for article in articles for topic in topics
    )
    # A bulk insert bypasses what keeps the topics' stored counts (the A–Z index) and the
    # articles' search vectors current.
    Topic.objects.filter(pk__in=[topic.pk for topic in topics]).recount_live_articles()
    refresh_search_vectors([article.pk for article in articles])
    return articles


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in captured.captured_queries]


def assert_same_queries_at_two_sizes(client, url, *, grow, expected):
    """The page costs `expected` queries with little data and still after `grow()`.

    `grow` adds enough content (about 200 articles) for any per-row query to show. The
    "Get help now" card's lines are read once per cache generation and kept (crisis_help.py):
    counted warm, as readers get them.
    """
    crisis_help.active_lines()
    small = _queries(client, url)
    grow()
    large = _queries(client, url)
    listing = "\n".join(f"{n}. {sql}" for n, sql in enumerate(large, 1))
    assert len(small) == len(large), (
        f"{url}: {len(small)} queries with little data, {len(large)} with more:\n{listing}"
    )
    assert len(large) == expected, f"{url}: expected {expected} queries, got:\n{listing}"


def card_titles(response_or_cards) -> list[str]:
    """The titles of the article cards a reader sees on a page (or in a list), in order."""
    if isinstance(response_or_cards, list):
        response_or_cards = "".join(response_or_cards)
    return [link.text for link in parse(response_or_cards).select(".card__title > a[href]")]
