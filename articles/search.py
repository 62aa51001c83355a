"""Search over published articles and topics: the one home for how readers find things."""

from django.db.models import Q, QuerySet

from .models import Article, Topic

MAX_QUERY_CHARS = 200


def clean_query(raw: str) -> str:
    """Trim a reader's query to something worth searching for; '' when there is nothing."""
    query = " ".join((raw or "").split())[:MAX_QUERY_CHARS]
    return query if any(ch.isalnum() for ch in query) else ""


def search_topics(query: str) -> QuerySet[Topic]:
    terms = Q(name__icontains=query) | Q(aliases__icontains=query) | Q(headline__icontains=query)
    return Topic.objects.filter(terms).with_article_counts().order_by("name")


def search_articles(query: str) -> QuerySet[Article]:
    topic_hit = Q(topics__name__icontains=query) | Q(topics__aliases__icontains=query)
    text_hit = Q(title__icontains=query) | Q(summary__icontains=query) | Q(body__icontains=query)
    matching = Article.objects.published().filter(text_hit | topic_hit).values("pk")
    return Article.objects.filter(pk__in=matching).for_listing()
