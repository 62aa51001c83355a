"""'Was this page helpful?': readers' answers on articles and topics, kept without
knowing who gave them.

One answer per browser per page per day, without a cookie and without storing anything
about the reader: the first answer takes a cache key made of an HMAC (keyed with
SECRET_KEY and the day) of the client's address, user agent and the page. The key says
nothing about the reader, cannot be reversed, and expires with the day; a second answer
that finds it taken is thanked and dropped. What is stored is the page, yes or no, the
optional comment and the day (HelpfulnessVote).
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, ExpressionWrapper, F, FloatField, Q
from django.utils import timezone

from .models import Article, HelpfulnessVote, Topic

DAY_SECONDS = 24 * 60 * 60

# Sortable columns of the editors' summary, by the name they take in ?o=.
SUMMARY_ORDER = {"yes": "yes", "no": "no", "percent": "percent", "comments": "comments"}


def vote_key(*, day: datetime.date, address: str, agent: str, page: str) -> str:
    secret = f"{settings.SECRET_KEY}:{day.isoformat()}".encode()
    digest = hmac.new(secret, f"{address}\n{agent}\n{page}".encode(), hashlib.sha256)
    return f"helpful:{digest.hexdigest()}"


def record(*, page: Article | Topic, helpful: bool, comment: str, address: str, agent: str) -> bool:
    """Keep one answer about `page`; False (nothing kept) if this browser already answered
    about it today."""
    today = timezone.localdate()
    label = f"{'article' if isinstance(page, Article) else 'topic'}:{page.pk}"
    key = vote_key(day=today, address=address, agent=agent, page=label)
    if not cache.add(key, 1, timeout=DAY_SECONDS):
        return False
    HelpfulnessVote.objects.create(
        article=page if isinstance(page, Article) else None,
        topic=page if isinstance(page, Topic) else None,
        helpful=helpful,
        comment=comment,
        day=today,
    )
    return True


def helpfulness_summary(order: str = "-no", *, since: datetime.date | None = None):
    """Per page: yes, no, % helpful and how many answers came with a comment, sorted by
    `order` (a SUMMARY_ORDER name, "-" first for descending). One query, whatever the size;
    rows are dicts with article / topic ids (the caller fetches the titles it shows)."""
    votes = HelpfulnessVote.objects.all()
    if since is not None:
        votes = votes.filter(day__gte=since)
    name = order.lstrip("-")
    column = SUMMARY_ORDER.get(name, "no")
    descending = order.startswith("-") or name not in SUMMARY_ORDER
    rows = (
        votes.values("article", "topic")
        .annotate(
            yes=Count("pk", filter=Q(helpful=True)),
            no=Count("pk", filter=Q(helpful=False)),
            comments=Count("pk", filter=~Q(comment="")),
            percent=ExpressionWrapper(
                F("yes") * 100.0 / (F("yes") + F("no")), output_field=FloatField()
            ),
        )
        .order_by(f"{'-' if descending else ''}{column}", "article", "topic")
    )
    return rows


def with_pages(rows: list[dict]) -> list[dict]:
    """Give each summary row its `page` (the article or topic, for its title and link) and
    the vote list's `filter` for it: two queries, however many rows."""
    articles = Article.objects.only("title", "slug").in_bulk(
        [r["article"] for r in rows if r["article"]]
    )
    topics = Topic.objects.only("name", "slug").in_bulk([r["topic"] for r in rows if r["topic"]])
    for row in rows:
        row["page"] = articles.get(row["article"]) or topics.get(row["topic"])
        row["filter"] = (
            f"article__id__exact={row['article']}"
            if row["article"]
            else f"topic__id__exact={row['topic']}"
        )
    return rows


def least_helpful(*, days: int = 30, limit: int) -> list[dict]:
    """The pages readers most often found unhelpful lately, for the editors' dashboard."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    return with_pages(list(helpfulness_summary("-no", since=since).filter(no__gt=0)[:limit]))
